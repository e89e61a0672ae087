"""Turn latency and throughput, through the gateway and straight to Rasa: ``.venv/bin/python bench/turns.py``.

Starts one throw-away stack (free loopback ports, a fresh seeded SQLite database under
a temp dir: :func:`throwaway_settings` and :func:`prepare_throwaway`, as ``make
eval-dialogues`` does), then plays the same scripted customer conversation (small talk,
a bill lookup with verification on a generated postpaid account, an FAQ question, a
tariff computation, thanks; no top-up) along two paths in one run:

- gateway: ``POST /api/v1/sessions`` once per conversation, then ``POST /api/v1/chat``
  with ``Authorization: Bearer <token>`` per turn (session check, store, Rasa, store);
- rasa: Rasa's REST channel directly, through the gateway's own client
  (:class:`api.rasa_client.RasaClient`: ``POST /webhooks/rest/webhook`` with a unique
  sender and ``{"channel": "web"}`` metadata), i.e. the gateway's hop alone.

At 1, 10 and 50 concurrent conversations (after a warm-up round; the paths alternate
which goes first): turns/s, p50/p95/p99 per turn, errors, CPU per turn of each stack
process (from /proc), and the gateway's overhead over bare Rasa at p50.  Where the time
goes: a few conversations played in lockstep along the gateway, bare Rasa and
:func:`api.turns.handle_turn` called in this process against the running Rasa (its store
writes and its Rasa call timed), so that each turn's three timings share the same load;
plus the session check and the NLU parse through the gateway vs Rasa (the HTTP hop).
Writes ``reports/bench.md``.  Measures only; asserts nothing about time.

    .venv/bin/python bench/turns.py [--rounds 1] [--levels 1,10,50] [--keep]
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from api.rasa_client import BotUnavailable, RasaClient  # noqa: E402
from api.turns import Inbound, handle_turn  # noqa: E402
from scripts.eval_dialogues import code_version, model_fingerprint  # noqa: E402
from scripts.stack import MODEL_PATH, Stack, settings_env  # noqa: E402
from services.billing.models import Account  # noqa: E402
from services.conversations import store, tokens  # noqa: E402
from services.settings import Settings, get_settings  # noqa: E402
from tests.stack import prepare_throwaway, take_spare, throwaway_settings  # noqa: E402

REPORT = REPO_ROOT / "reports" / "bench.md"
COMMAND = ".venv/bin/python bench/turns.py"
ACCOUNT_POOL = 10  # generated postpaid accounts the conversations cycle through
MIN_CONVERSATIONS = 3  # per path and level, so that 1 concurrent conversation has a few samples too
WARMUP_CONVERSATIONS = 2
LOCKSTEP_CONVERSATIONS = 3
HOP_CALLS = 20
TIMEOUT_S = 120.0  # the benchmark's own client; the gateway gives Rasa settings.rasa_timeout_s
TARGET_OVERHEAD = 0.10
PATHS = ("gateway", "rasa")
IN_PROCESS = "handle_turn in-process"
RASA_SEND = "rasa.send (hop + Rasa + actions + services)"
RASA_EVENTS = "rasa.append_events (Rasa's tracker API)"
GATEWAY_PARSE, RASA_PARSE = "gateway /api/v1/nlu/parse", "rasa /model/parse"
OTHERS = "other processes"
CLIENT = "bench client"
STORE_PHASES = ("open_conversation", "record_inbound", "record_replies", "mark_status", "set_state")


def script(account_no: str, last4: str) -> list[str]:
    """One customer conversation: small talk, bill lookup with verification, FAQ, tariff, thanks."""
    return ["你好", "查电费", account_no, last4, "过户需要什么材料", "用了三百度电要交多少钱", "谢谢"]


SHOWN_SCRIPT = script("<户号>", "<后4位>")


# ---------------------------------------------------------------------------- samples


@dataclass
class Turn:
    ms: float | None  # None: never sent (no session)
    ok: bool
    reply: str


@dataclass
class Level:
    """What one path did at one concurrency."""
    path: str
    concurrency: int
    conversations: int = 0
    seconds: float = 0.0
    turns: list[Turn] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)

    @property
    def latencies(self) -> list[float]:
        return [t.ms for t in self.turns if t.ms is not None]

    @property
    def errors(self) -> int:
        return sum(not t.ok for t in self.turns)

    @property
    def turns_per_s(self) -> float:
        return len(self.turns) / self.seconds if self.seconds else 0.0

    def pct(self, p: int) -> float:
        return percentile(self.latencies, p)


def percentile(samples: list[float], p: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else math.nan
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


# ---------------------------------------------------------------------------- the paths

Say = Callable[[str], Awaitable[str]]  # one turn: the customer's text -> the bot's reply text
Opener = Callable[[], Awaitable[Say]]  # starts a conversation on one path


class TurnFailed(Exception):
    """An answer that is not a bot reply (non-200, an ``error`` field, no text)."""


def gateway_opener(client: httpx.AsyncClient) -> Opener:
    async def open_conversation() -> Say:
        response = await client.post("/api/v1/sessions", json={"channel": "web"})
        if response.status_code != 201:
            raise TurnFailed(f"session: {response.status_code} {response.text}")
        headers = {"Authorization": f"Bearer {response.json()['token']}"}

        async def say(text: str) -> str:
            reply = await client.post("/api/v1/chat", json={"text": text}, headers=headers)
            body = reply.json() if reply.status_code == 200 else {}
            if reply.status_code != 200 or body.get("error") or not body.get("messages"):
                raise TurnFailed(f"{reply.status_code} {reply.text}")
            return "\n".join(m["text"] for m in body["messages"])

        return say

    return open_conversation


def rasa_opener(rasa: RasaClient) -> Opener:
    async def open_conversation() -> Say:
        sender = f"bench-{uuid.uuid4().hex}"

        async def say(text: str) -> str:
            texts = [m["text"] for m in await rasa.send(sender, text, {"channel": "web"}) if m.get("text")]
            if not texts:  # the gateway calls this an outage
                raise TurnFailed("Rasa answered no text")
            return "\n".join(texts)

        return say

    return open_conversation


def in_process_opener(rasa: RasaClient, cpu_ms: list[float]) -> Opener:
    """The gateway's turn pipeline without its HTTP server, in this process; appends each
    turn's CPU time of this process to ``cpu_ms`` (turns run one at a time here)."""
    async def open_conversation() -> Say:
        channel_user_id = tokens.new_channel_user_id("web")

        async def say(text: str) -> str:
            cpu_started = time.process_time()
            try:
                result = await handle_turn(Inbound("web", channel_user_id, text), rasa)
            finally:
                cpu_ms.append((time.process_time() - cpu_started) * 1000)
            if result.error or not result.messages:
                raise TurnFailed(result.error or "no reply")
            return "\n".join(m.text for m in result.messages)

        return say

    return open_conversation


async def timed_turn(say: Say, text: str) -> Turn:
    started = time.perf_counter()
    try:
        reply, ok = await say(text), True
    except (httpx.HTTPError, BotUnavailable, TurnFailed, ValueError) as exc:
        reply, ok = f"(error: {str(exc)[:200]})", False
    return Turn((time.perf_counter() - started) * 1000, ok, reply)


async def play(opener: Opener, texts: list[str]) -> list[Turn]:
    """One conversation, turn after turn."""
    try:
        say = await opener()
    except (httpx.HTTPError, TurnFailed, ValueError) as exc:
        return [Turn(None, False, f"(error: {str(exc)[:200]})") for _ in texts]
    return [await timed_turn(say, text) for text in texts]


# ---------------------------------------------------------------------------- processes (/proc)


def _stat_fields(pid: str) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp …


def _pids() -> list[str]:
    return [pid for pid in os.listdir("/proc") if pid.isdigit()]


def group_pids(pgid: int) -> list[str]:
    """Every process in a process group (Stack starts each process in its own)."""
    pids = []
    for pid in _pids():
        try:
            if int(_stat_fields(pid)[2]) == pgid:
                pids.append(pid)
        except (OSError, IndexError, ValueError):
            continue
    return pids


def cpu_ticks(pid: str) -> int:
    try:
        fields = _stat_fields(pid)
        return int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0


def cpu_seconds(pids: list[str]) -> float:
    return sum(cpu_ticks(pid) for pid in pids) / os.sysconf("SC_CLK_TCK")


def memory_mb(pids: list[str], key: str = "VmRSS") -> float:
    kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                kb += next(int(line.split()[1]) for line in f if line.startswith(f"{key}:"))
        except (OSError, StopIteration, ValueError):
            continue
    return kb / 1024


def command_line(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def stack_pids(stack: Stack) -> dict[str, list[str]]:
    pids = {p.name: group_pids(p.popen.pid) for p in stack.processes if p.popen}
    pids[CLIENT] = [str(os.getpid())]
    return pids


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy since boot (/proc/stat, all cores)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of each stack process, the benchmark's client, and everything else."""
    snapshot = {name: cpu_seconds(pids) for name, pids in stack_pids(stack).items()}
    snapshot[OTHERS] = machine_busy_seconds() - sum(snapshot.values())
    return snapshot


def others_busy(before: dict[str, int], mine: set[str], top: int = 4) -> list[tuple[str, float]]:
    """The processes outside the stack that used the most CPU since ``before`` (pid -> ticks)."""
    used = [(pid, cpu_ticks(pid) - before.get(pid, 0)) for pid in _pids() if pid not in mine]
    used.sort(key=lambda item: -item[1])
    busy = [(command_line(pid)[:90], ticks / os.sysconf("SC_CLK_TCK")) for pid, ticks in used]
    return [(cmd, seconds) for cmd, seconds in busy if cmd and seconds >= 1][:top]


# ---------------------------------------------------------------------------- running the levels


async def play_round(opener: Opener, scripts: list[list[str]], level: Level, stack: Stack) -> None:
    """``len(scripts)`` conversations at once; adds their turns, wall time and CPU to ``level``."""
    before = cpu_snapshot(stack)
    started = time.perf_counter()
    results = await asyncio.gather(*(play(opener, s) for s in scripts))
    level.seconds += time.perf_counter() - started
    for name, seconds in cpu_snapshot(stack).items():
        level.cpu_s[name] = level.cpu_s.get(name, 0.0) + seconds - before.get(name, 0.0)
    level.conversations += len(scripts)
    level.turns += [turn for turns in results for turn in turns]


def rounds_at(concurrency: int, rounds: int) -> int:
    return max(rounds, math.ceil(MIN_CONVERSATIONS / concurrency))


async def run_levels(openers: dict[str, Opener], scripts: list[list[str]], levels: list[int], rounds: int,
                     stack: Stack) -> tuple[list[Level], list[str]]:
    """Warm-up, then every level, the paths alternating which goes first; also, per level,
    the 1-minute load average as it starts and the order of its rounds."""
    for name, opener in openers.items():
        warm = Level(name, WARMUP_CONVERSATIONS)
        await play_round(opener, scripts[:WARMUP_CONVERSATIONS], warm, stack)
        print(f"  warm-up {name}: {warm.errors} errors of {len(warm.turns)} turns", flush=True)
    results, loads = [], []
    for n, concurrency in enumerate(levels):
        load, played = os.getloadavg()[0], []
        by_path = {name: Level(name, concurrency) for name in openers}
        for r in range(rounds_at(concurrency, rounds)):
            order = list(openers) if (n + r) % 2 == 0 else list(reversed(openers))
            for name in order:
                await play_round(openers[name], scripts[:concurrency], by_path[name], stack)
                played.append(name)
        loads.append(f"×{concurrency} load {load:.2f}, rounds {' → '.join(played)}")
        for level in by_path.values():
            print(f"  {level.path:7} x{concurrency:<3} {level.turns_per_s:6.1f} turns/s  p50 {level.pct(50):7.0f} ms  "
                  f"p95 {level.pct(95):7.0f} ms  p99 {level.pct(99):7.0f} ms  errors {level.errors}", flush=True)
        results += by_path.values()
    return results, loads


# ---------------------------------------------------------------------------- where the time goes


class PhaseTimer:
    """Times each call of the store functions and of one RasaClient's send while installed."""

    def __init__(self, rasa: RasaClient):
        self.rasa = rasa
        self.ms: dict[str, list[float]] = {}
        self.cpu_ms: dict[str, list[float]] = {}  # the calling thread's CPU time (store calls run in a thread)

    def add(self, name: str, started: float) -> None:
        self.ms.setdefault(name, []).append((time.perf_counter() - started) * 1000)

    def _sync(self, name: str, fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            started, cpu_started = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name, started)
                self.cpu_ms.setdefault(name, []).append((time.thread_time() - cpu_started) * 1000)
        return wrapper

    def _async(self, name: str, fn: Callable) -> Callable:
        async def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.add(name, started)
        return wrapper

    @contextmanager
    def installed(self) -> Iterator[None]:
        originals = {name: getattr(store, name) for name in STORE_PHASES}
        for name, fn in originals.items():
            setattr(store, name, self._sync(f"store.{name} (SQLite)", fn))
        self.rasa.send = self._async(RASA_SEND, self.rasa.send)
        self.rasa.append_events = self._async(RASA_EVENTS, self.rasa.append_events)
        try:
            yield
        finally:
            for name, fn in originals.items():
                setattr(store, name, fn)
            del self.rasa.send, self.rasa.append_events  # back to the class's methods

    def marks(self) -> dict[str, int]:
        return {name: len(samples) for name, samples in self.ms.items()}

    def since(self, marks: dict[str, int]) -> dict[str, float]:
        """ms spent in each timed call since ``marks``."""
        return {name: sum(samples[marks.get(name, 0):]) for name, samples in self.ms.items()}


@dataclass
class Lockstep:
    turns: dict[str, list[Turn]]  # path -> every turn, in order
    phases: dict[str, list[float]]  # the in-process pipeline's timed calls
    phases_cpu: dict[str, list[float]]  # the store calls' CPU time
    pipeline_cpu: list[float]  # this process's CPU time per in-process turn
    per_turn: list[dict[str, float]]  # per in-process turn, ms in each timed call
    session_ms: list[float]

    def own_work(self) -> list[float]:
        """Per answered in-process turn, its time outside its calls to Rasa."""
        return [t.ms - calls.get(RASA_SEND, 0.0) - calls.get(RASA_EVENTS, 0.0)
                for t, calls in zip(self.turns[IN_PROCESS], self.per_turn) if t.ok]

    def paired(self, a: str, b: str) -> list[float]:
        """Per turn, ``a``'s time minus ``b``'s (turns both answered)."""
        return [x.ms - y.ms for x, y in zip(self.turns[a], self.turns[b]) if x.ok and y.ok]


async def lockstep(openers: dict[str, Opener], scripts: list[list[str]], timer: PhaseTimer,
                   pipeline_cpu: list[float]) -> Lockstep:
    """Each conversation on every path at once, turn k of each path back to back (the order
    rotating), so that the paths' timings of one turn share the machine's load."""
    turns: dict[str, list[Turn]] = {name: [] for name in openers}
    session_ms: list[float] = []
    per_turn: list[dict[str, float]] = []
    with timer.installed():
        for i, texts in enumerate(scripts):
            says = {}
            for name, opener in openers.items():
                started = time.perf_counter()
                says[name] = await opener()
                if name == "gateway":
                    session_ms.append((time.perf_counter() - started) * 1000)
            for k, text in enumerate(texts):
                names = list(says)
                shift = (i + k) % len(names)
                for name in names[shift:] + names[:shift]:
                    marks = timer.marks()
                    turns[name].append(await timed_turn(says[name], text))
                    if name == IN_PROCESS:
                        per_turn.append(timer.since(marks))
    return Lockstep(turns, timer.ms, timer.cpu_ms, pipeline_cpu, per_turn, session_ms)


def session_check_ms(calls: int = 1000) -> list[float]:
    token, _ = tokens.issue_token("web", tokens.new_channel_user_id("web"))
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        tokens.read_token(token)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def hop_times(gateway: httpx.AsyncClient, rasa: RasaClient) -> dict[str, list[float]]:
    """The same NLU parse through the gateway and straight to Rasa: the HTTP hop without SQLite."""
    ms: dict[str, list[float]] = {GATEWAY_PARSE: [], RASA_PARSE: []}
    texts = ["过户需要什么材料", "查电费", "用了三百度电要交多少钱"]
    for i in range(HOP_CALLS):
        text = texts[i % len(texts)]
        started = time.perf_counter()
        (await gateway.post("/api/v1/nlu/parse", json={"text": text})).raise_for_status()
        ms[GATEWAY_PARSE].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        await rasa.parse(text)
        ms[RASA_PARSE].append((time.perf_counter() - started) * 1000)
    return ms


# ---------------------------------------------------------------------------- the report


def machine() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GB RAM, Linux {platform.release()}, "
            f"Python {platform.python_version()} (gateway, client), Rasa 3.6 in .venv-rasa")


def loadavg(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else math.nan


def spread(samples: list[float]) -> str:
    if len(samples) < 2:
        return "–"
    quartiles = statistics.quantiles(samples, n=4, method="inclusive")
    return f"{quartiles[0]:.2f} … {quartiles[2]:.2f}"


def level_table(results: list[Level]) -> list[str]:
    lines = ["| path | concurrent | conversations | turns | turns/s | p50 ms | p95 ms | p99 ms | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for level in results:
        lines.append(f"| {level.path} | {level.concurrency} | {level.conversations} | {len(level.turns)} | "
                     f"{level.turns_per_s:.1f} | {level.pct(50):.0f} | {level.pct(95):.0f} | {level.pct(99):.0f} | "
                     f"{level.errors} |")
    return lines


def error_lines(results: list[Level], rasa_timeout_s: float) -> list[str]:
    """Which turns of the script failed, per path, with the first failure's answer."""
    lines = []
    for path in PATHS:
        failed = [(i % len(SHOWN_SCRIPT), t) for level in results if level.path == path
                  for i, t in enumerate(level.turns) if not t.ok]
        if not failed:
            lines.append(f"Errors on the {path} path: none.")
            continue
        where = Counter(i for i, _ in failed)
        lines.append(f"Errors on the {path} path by turn of the script: "
                     + ", ".join(f"turn {i + 1} ({SHOWN_SCRIPT[i]}) ×{n}" for i, n in sorted(where.items()))
                     + f"; the first: `{failed[0][1].reply[:160]}`.")
    if len(lines) > sum(line.endswith("none.") for line in lines):
        lines.append(f"A failed turn's time counts in the percentiles; the gateway, and the bare path with the "
                     f"gateway's client, give Rasa {rasa_timeout_s:.0f} s (`POWERDESK_RASA_TIMEOUT_S`), so the "
                     "tail is cut there.")
    return lines


def overhead_table(results: list[Level], step: Lockstep) -> list[str]:
    lines = [f"## Gateway overhead at p50 (target ≤ {TARGET_OVERHEAD:.0%})", "",
             "| concurrent | gateway p50 ms | rasa p50 ms | gateway − rasa ms | overhead | target |",
             "|---:|---:|---:|---:|---:|---|"]
    for g in (level for level in results if level.path == "gateway"):
        r = next(level for level in results if level.path == "rasa" and level.concurrency == g.concurrency)
        ratio = g.pct(50) / r.pct(50) - 1
        lines.append(f"| {g.concurrency} | {g.pct(50):.0f} | {r.pct(50):.0f} | {g.pct(50) - r.pct(50):+.0f} | "
                     f"{ratio:+.1%} | {'met' if ratio <= TARGET_OVERHEAD else 'not met'} |")
    ratios = [x.ms / y.ms - 1 for x, y in zip(step.turns["gateway"], step.turns["rasa"]) if x.ok and y.ok]
    if ratios:
        paired = median(ratios)
        lines += ["", f"Paired, one conversation at a time (the lockstep run below: each turn sent through the "
                  f"gateway and to bare Rasa back to back, so both see the same load): the p50 of the per-turn "
                  f"ratio is **{paired:+.1%}** ({'met' if paired <= TARGET_OVERHEAD else 'not met'}), over "
                  f"{len(ratios)} turns; the levels above compare separate runs, so background load moves them more."]
    return lines


def gateway_cpu_per_turn(results: list[Level]) -> float:
    """The gateway process's CPU ms per turn at the lowest concurrency (a mean over the level)."""
    level = min((lv for lv in results if lv.path == "gateway"), key=lambda lv: lv.concurrency)
    return 1000 * level.cpu_s.get("gateway", 0.0) / max(1, len(level.turns))


def where_time_goes(step: Lockstep, session_check: list[float], hops: dict[str, list[float]],
                    gateway_cpu: float) -> list[str]:
    rasa_turns = [t.ms for t in step.turns["rasa"] if t.ok]
    hop = [g - r for g, r in zip(hops[GATEWAY_PARSE], hops[RASA_PARSE])]
    pipeline_cpu = median(step.pipeline_cpu)
    rows: list[tuple[str, str, list[float] | None, float | None]] = [
        ("**the gateway's whole overhead**", "gateway chat − bare Rasa webhook, per turn; CPU: the gateway "
         "process per turn at the lowest level (/proc, mean)", step.paired("gateway", "rasa"), gateway_cpu),
        ("its HTTP layer: the extra hop, FastAPI, session check, response model", "gateway chat − in-process "
         "handle_turn, per turn; CPU: the gateway's − the in-process pipeline's", step.paired("gateway", IN_PROCESS),
         gateway_cpu - pipeline_cpu),
        ("· the session check alone", f"{len(session_check)} × `tokens.read_token`", session_check, None),
        ("· an HTTP hop through the gateway, no SQLite", f"`/api/v1/nlu/parse` − Rasa `/model/parse`, "
         f"{HOP_CALLS} pairs", hop, None),
        ("its turn pipeline (store, threads, logging, the Rasa client)", "in-process handle_turn − its "
         "calls to Rasa, per turn; CPU: this process's (process_time)", step.own_work(), pipeline_cpu),
    ]
    rows += [(f"· `{name.split(' ')[0]}`", "timed in handle_turn; CPU: its thread's (thread_time)", samples,
              median(step.phases_cpu.get(name, []))) for name, samples in step.phases.items() if name.startswith("store.")]
    if step.phases.get(RASA_EVENTS):
        rows.append((f"its calls to Rasa's tracker API ({len(step.phases[RASA_EVENTS])} in "
                     f"{len(step.per_turn)} turns: a stale verification forgotten)",
                     "rasa.append_events inside handle_turn, per call", step.phases[RASA_EVENTS], None))
    rows += [("**the bot**: the hop to Rasa, Rasa (NLU, policies, SQLite tracker store), the action "
              "server and the services", "rasa.send inside handle_turn", step.phases.get(RASA_SEND, []), None),
             ("bare Rasa turn, for scale", "REST webhook", rasa_turns, None)]
    n = len(step.turns["rasa"])
    lines = ["## Where the time goes", "",
             f"{LOCKSTEP_CONVERSATIONS} conversations ({n} turns) played in lockstep along three paths: the gateway, "
             "bare Rasa, and `api.turns.handle_turn` called in the benchmark's process against the same Rasa (the "
             "gateway's code without its HTTP server, with its store calls and its Rasa call timed). Each turn is "
             "sent on the three paths back to back, so the differences below are taken turn by turn under the "
             "same load; p50 of those differences:", "",
             "| part of a gateway turn | measured as | p50 ms | p25 … p75 ms | CPU ms (p50) |",
             "|---|---|---:|---:|---:|"]
    lines += [f"| {part} | {how} | {median(ms):.2f} | {spread(ms)} | {'–' if cpu is None else f'{cpu:.2f}'} |"
              for part, how, ms, cpu in rows]
    lines += ["", f"Session creation (`POST /api/v1/sessions`, once per conversation, not a turn): p50 "
              f"{median(step.session_ms):.1f} ms over {len(step.session_ms)} (in lockstep, one at a time)."]
    return lines


def cpu_lines(results: list[Level], memory: dict[str, tuple[float, float]],
              others: list[tuple[str, float]]) -> list[str]:
    names = [n for n in results[0].cpu_s if n not in (CLIENT, OTHERS)]
    lines = ["**CPU per turn**: ms of CPU time used per turn during each level, by each stack process "
             "(/proc/<pid>/stat, a process group's processes summed), by the benchmark's client, and by "
             "everything else on the machine (/proc/stat's busy time minus those). *Ceiling* = what the stack "
             f"alone could do on {os.cpu_count()} cores at that CPU cost (cores × 1000 / stack ms per turn):", "",
             "| path | concurrent | " + " | ".join(names) + f" | **stack** | {CLIENT} | {OTHERS} | ceiling turns/s |",
             "|---|---:|" + "---:|" * (len(names) + 4)]
    for level in results:
        per_turn = {n: 1000 * s / max(1, len(level.turns)) for n, s in level.cpu_s.items()}
        stack_ms = sum(per_turn.get(n, 0.0) for n in names)
        cells = [f"{per_turn.get(n, 0.0):.1f}" for n in names]
        lines.append(f"| {level.path} | {level.concurrency} | " + " | ".join(cells)
                     + f" | **{stack_ms:.1f}** | {per_turn.get(CLIENT, 0.0):.1f} | {per_turn.get(OTHERS, 0.0):.1f} | "
                     f"{(os.cpu_count() or 1) * 1000 / stack_ms:.1f} |")
    lines += ["", "Memory at the end (RSS / peak RSS, MB): "
              + ", ".join(f"{n} {rss:.0f} / {peak:.0f}" for n, (rss, peak) in memory.items()) + "."]
    if others:
        lines += ["", "Other processes busiest during the measurement (CPU s): "
                  + "; ".join(f"`{cmd}` {s:.0f}" for cmd, s in others) + "."]
    return lines


def transcript(step: Lockstep) -> list[str]:
    lines = ["## Sample transcript (the first lockstep conversation)", "", "```text"]
    for n, text in enumerate(SHOWN_SCRIPT):
        lines.append(f"[{n + 1}] 客户: {text}")
        for name, turns in step.turns.items():
            reply = turns[n].reply.replace("\n", " ") if n < len(turns) else "(not sent)"
            lines.append(f"    {name}: {reply[:80]}{'…' if len(reply) > 80 else ''}")
    return lines + ["```"]


def render(results: list[Level], step: Lockstep, session_check: list[float], hops: dict[str, list[float]],
           memory: dict[str, tuple[float, float]], others: list[tuple[str, float]], context: dict[str, str]) -> str:
    lines = [
        "# Turn benchmark — the gateway vs bare Rasa",
        "",
        f"Generated by `{COMMAND}` (the second step of `make bench`) on {context['date']}, {context['seconds']} s "
        "in all; do not edit by hand.",
        f"Machine: {context['machine']}. Load average (1 / 5 / 15 min) at the start {context['load_start']}, at "
        f"the end {context['load_end']}; per level, the 1-min load as it started and the order of its rounds: "
        f"{context['levels']}. Other work shares the 2 cores (see the CPU table): read the figures with it.",
        f"Model `var/models/powerdesk.tar.gz` (fingerprint {context['model']}), code {context['code']}.",
        "",
        "One throw-away stack (services, Rasa with its SQLite tracker store, action server, gateway; a fresh "
        "SQLite database seeded with the generated accounts). Every conversation is the same 7 turns, "
        f"{' → '.join(SHOWN_SCRIPT)}, on one of {ACCOUNT_POOL} generated postpaid accounts. "
        "**gateway**: `POST /api/v1/sessions` once per conversation (not counted as a turn), then "
        "`POST /api/v1/chat` with the bearer token. **rasa**: Rasa's REST channel directly, with the gateway's "
        "own client (`RasaClient.send`, unique sender, `{\"channel\": \"web\"}` metadata). A turn is timed from "
        "the request to its parsed answer; an error is a non-2xx answer, a transport error or an answer with "
        "no text (the gateway's `bot_unavailable`). "
        f"Each level runs max({context['rounds']}, ⌈{MIN_CONVERSATIONS}/c⌉) rounds of c conversations started "
        "together per path, the paths alternating which goes first, after a warm-up round of "
        f"{WARMUP_CONVERSATIONS} conversations per path.",
        "",
        *level_table(results),
        "",
        *error_lines(results, float(context["rasa_timeout_s"])),
        "",
        *overhead_table(results, step),
        "",
        *where_time_goes(step, session_check, hops, gateway_cpu_per_turn(results)),
        "",
        *cpu_lines(results, memory, others),
        "",
        *transcript(step),
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- main


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the stack the same way Ctrl-C does


def use_throwaway(settings: Settings) -> None:
    """This process's own get_settings() (the store, the tokens) must name the throw-away stack."""
    os.environ.update(settings_env(settings))
    get_settings.cache_clear()


async def measure(stack: Stack, args: argparse.Namespace) -> dict:
    settings = stack.settings
    accounts = [take_spare(stack, Account.billing_mode == "postpaid") for _ in range(ACCOUNT_POOL)]
    scripts = [script(*accounts[i % len(accounts)]) for i in range(max(args.levels + [WARMUP_CONVERSATIONS]))]
    ticks_before = {pid: cpu_ticks(pid) for pid in _pids()}
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_s, settings.rasa_token)  # as the gateway's
    pipeline_rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_s, settings.rasa_token)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.gateway_port}", timeout=TIMEOUT_S,
                                 limits=limits) as gateway:
        try:
            openers = {"gateway": gateway_opener(gateway), "rasa": rasa_opener(rasa)}
            results, loads = await run_levels(openers, scripts, args.levels, args.rounds, stack)
            print("  where the time goes …", flush=True)
            pipeline_cpu: list[float] = []
            step = await lockstep({**openers, IN_PROCESS: in_process_opener(pipeline_rasa, pipeline_cpu)},
                                  scripts[:LOCKSTEP_CONVERSATIONS], PhaseTimer(pipeline_rasa), pipeline_cpu)
            hops = await hop_times(gateway, rasa)
        finally:
            await rasa.close()
            await pipeline_rasa.close()
    mine = {pid for pids in stack_pids(stack).values() for pid in pids}
    memory = {name: (memory_mb(pids), memory_mb(pids, "VmHWM")) for name, pids in stack_pids(stack).items()}
    return {"results": results, "step": step, "session_check": session_check_ms(), "hops": hops,
            "memory": memory, "others": others_busy(ticks_before, mine), "loads": loads}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="rounds of c conversations per path and level")
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")], default=[1, 10, 50])
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--keep", action="store_true", help="keep the throw-away var dir (logs, databases)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (REPO_ROOT / MODEL_PATH).exists():
        print("bench: no trained Rasa model: run `make model`", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _interrupt)
    load_start = os.getloadavg()
    started = time.monotonic()
    var_dir = Path(tempfile.mkdtemp(prefix="powerdesk-bench-"))
    settings = throwaway_settings(var_dir, "bench")
    use_throwaway(settings)
    try:
        prepare_throwaway(settings)
        print(f"bench: starting a throw-away stack under {var_dir} (Rasa takes about a minute) …", flush=True)
        with Stack(settings) as stack:
            measured = asyncio.run(measure(stack, args))
            died = [p.name for p in stack.processes if p.popen is None or p.popen.poll() is not None]
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except (RuntimeError, TimeoutError, OSError) as exc:  # the stack did not start: nothing measured
        print(f"bench: {exc}", file=sys.stderr)
        args.keep = True
        return 1
    finally:
        if args.keep:
            print(f"bench: kept {var_dir}", file=sys.stderr)
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    context = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
               "seconds": f"{time.monotonic() - started:.0f}", "load_start": loadavg(load_start),
               "load_end": loadavg(os.getloadavg()), "model": model_fingerprint(), "code": code_version(),
               "rounds": str(args.rounds), "rasa_timeout_s": str(settings.rasa_timeout_s),
               "levels": "; ".join(measured.pop("loads"))}
    report = render(context=context, **measured)
    if died:
        report += f"\n**Invalid run:** {', '.join(died)} stopped during the run.\n"
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report, encoding="utf-8")
    print(f"bench: → {args.report}")
    return 3 if died else 0


if __name__ == "__main__":
    sys.exit(main())
