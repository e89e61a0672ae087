"""CPU time and memory of the stack's processes, read from /proc (Linux; no psutil).

Each stack process is started in its own process group (scripts/stack.py), so a
"process" here is its whole group (Rasa's and uvicorn's children summed).
"""
from __future__ import annotations

import os
from collections.abc import Callable

CLIENT = "bench client"
OTHERS = "other processes"


def _stat_fields(pid: str) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp …


def _pids() -> list[str]:
    return [pid for pid in os.listdir("/proc") if pid.isdigit()]


def group_pids(pgid: int) -> list[str]:
    """Every process in a process group."""
    pids = []
    for pid in _pids():
        try:
            if int(_stat_fields(pid)[2]) == pgid:
                pids.append(pid)
        except (OSError, IndexError, ValueError):
            continue
    return pids


def tree_pids(root: int) -> list[str]:
    """A process and all its descendants (PostgreSQL's server and its backends)."""
    children: dict[str, list[str]] = {}
    for pid in _pids():
        try:
            children.setdefault(_stat_fields(pid)[1], []).append(pid)
        except (OSError, IndexError):
            continue
    found, todo = [], [str(root)]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_ticks(pid: str) -> int:
    """User + system CPU time so far of one process, in clock ticks (0 once it is gone)."""
    try:
        fields = _stat_fields(pid)
        return int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0


def memory_mb(pids: list[str], key: str = "VmRSS") -> float:
    """Resident memory (``VmRSS``) or its peak (``VmHWM``) of ``pids``, summed."""
    kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                kb += next(int(line.split()[1]) for line in f if line.startswith(f"{key}:"))
        except (OSError, StopIteration, ValueError):
            continue
    return kb / 1024


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy since boot (/proc/stat, all cores)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


PidsOf = Callable[[], list[str]]


class CpuMeter:
    """CPU seconds used by each named set of processes, by this client and by everything
    else between :meth:`start` and :meth:`stop`.  The sets are looked up at both ends, so
    a process started in between (a PostgreSQL backend) counts from zero."""

    def __init__(self, groups: dict[str, PidsOf]):
        self.groups = {**groups, CLIENT: lambda: [str(os.getpid())]}
        self._before: dict[str, int] = {}
        self._busy_before = 0.0

    def start(self) -> None:
        self._before = {pid: cpu_ticks(pid) for pids in self._current().values() for pid in pids}
        self._busy_before = machine_busy_seconds()

    def stop(self) -> dict[str, float]:
        hz = os.sysconf("SC_CLK_TCK")
        used = {name: sum(cpu_ticks(pid) - self._before.get(pid, 0) for pid in pids) / hz
                for name, pids in self._current().items()}
        used[OTHERS] = max(0.0, machine_busy_seconds() - self._busy_before - sum(used.values()))
        return used

    def _current(self) -> dict[str, list[str]]:
        return {name: pids_of() for name, pids_of in self.groups.items()}

    def memory(self) -> dict[str, dict[str, float]]:
        """RSS and peak RSS (MB) of each set of processes, now."""
        return {name: {"rss": memory_mb(pids), "peak": memory_mb(pids, "VmHWM")}
                for name, pids in self._current().items()}
