"""Where a process spends its CPU: py-spy samples it while the load runs, and the
samples (py-spy's "raw" collapsed stacks: ``frame;frame;… count``) are summed here.

Samples are of threads holding the GIL, i.e. running Python (C work that releases the
GIL, such as TensorFlow's kernels or SQLite's, is not in them: /proc's CPU time is).
Two views: the functions that were on the CPU themselves (self time, the leaf frame)
and the share of samples in which an area (a package, or the project's own folders)
was anywhere on the stack (inclusive).  Pure functions but :func:`record`.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
PROJECT_AREAS = ("api", "services", "actions", "bot", "handoff", "knowledge_graph")


def parse_collapsed(text: str) -> Counter[tuple[str, ...]]:
    """Stacks (outermost frame first) and their sample counts."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[tuple(stack.split(";"))] += int(count)
    return stacks


def frame_parts(frame: str) -> tuple[str, str]:
    """(function, file) of a py-spy frame ``function (path/file.py:line)``."""
    match = FRAME.match(frame)
    return (match["function"], match["file"]) if match else (frame, "")


def area_of(path: str) -> str:
    """The package a file belongs to (site-packages/<package>/…), the project folder
    (api, services …), the standard library, or the file itself."""
    parts = Path(path).parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            rest = parts[parts.index(marker) + 1:]
            return rest[0].removesuffix(".py") if rest else path
    for area in PROJECT_AREAS:
        if area in parts:
            return f"{area}/ (project)"
    stdlib = [i for i, part in enumerate(parts) if re.fullmatch(r"python3\.\d+", part)]
    if stdlib and stdlib[-1] + 1 < len(parts):
        return "stdlib " + parts[stdlib[-1] + 1].removesuffix(".py")
    return Path(path).name or path


def short_frame(frame: str) -> str:
    function, path = frame_parts(frame)
    return f"{function} ({area_of(path)}: {Path(path).name})" if path else function


def self_time(stacks: Counter[tuple[str, ...]], top: int = 12) -> list[tuple[str, float]]:
    """The leaf frames with the largest share of samples."""
    total = sum(stacks.values()) or 1
    leaves: Counter[str] = Counter()
    for stack, count in stacks.items():
        leaves[short_frame(stack[-1])] += count
    return [(frame, count / total) for frame, count in leaves.most_common(top)]


def inclusive_areas(stacks: Counter[tuple[str, ...]], top: int = 12, at_most: float = 0.95) -> list[tuple[str, float]]:
    """The areas with the largest share of samples in which they appear anywhere on the
    stack, leaving out those on nearly every stack (above ``at_most``: the server itself)."""
    total = sum(stacks.values()) or 1
    areas: Counter[str] = Counter()
    for stack, count in stacks.items():
        for area in {area_of(frame_parts(frame)[1]) for frame in stack if frame_parts(frame)[1]}:
            areas[area] += count
    return [(area, count / total) for area, count in areas.most_common() if count / total <= at_most][:top]


def inclusive_functions(stacks: Counter[tuple[str, ...]], areas: set[str], top: int = 12,
                        at_most: float = 0.9) -> list[tuple[str, float]]:
    """The functions of ``areas`` with the largest share of samples in which they are on
    the stack (their own CPU and their callees'), leaving out those on nearly every stack
    (above ``at_most``: the server's loop, which says nothing)."""
    total = sum(stacks.values()) or 1
    functions: Counter[str] = Counter()
    for stack, count in stacks.items():
        seen = set()
        for frame in stack:
            function, path = frame_parts(frame)
            if path and area_of(path) in areas:
                seen.add(f"{function} ({area_of(path)}: {Path(path).name})")
        for name in seen:
            functions[name] += count
    ranked = [(name, count / total) for name, count in functions.most_common() if count / total <= at_most]
    return ranked[:top]


def py_spy() -> str | None:
    """The py-spy executable next to this Python, or on PATH."""
    local = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def record(pid: int, seconds: int, out: Path, rate: int = 100) -> subprocess.Popen:
    """Start py-spy sampling ``pid`` and its children for ``seconds`` into ``out`` (raw
    collapsed stacks).  Only samples of a thread holding the GIL are kept (``--gil``):
    py-spy's own idle detection counts threads parked in a lock or in uvloop's poll as
    busy, and a thread holding the GIL is running Python.  py-spy pauses the process for
    each sample, so that a stack is read whole."""
    return subprocess.Popen([py_spy() or "py-spy", "record", "--pid", str(pid), "--duration", str(seconds),
                             "--rate", str(rate), "--subprocesses", "--gil", "--full-filenames", "--format", "raw",
                             "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
