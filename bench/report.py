"""reports/bench.md, rendered from the phases' results in var/bench/<phase>.json (written
by bench/load.py), so that a phase re-run alone replaces its own section only.  Every
section says when it was measured and how loaded the machine was then.  The targets are
issue 15's: gateway overhead ≤ 10 % over bare Rasa at p50; 50 concurrent NLU clients at
≥ 100 turns/s with p95 ≤ 300 ms; no errors."""
from __future__ import annotations

import json
import math
import os
import platform
import statistics
from pathlib import Path

from bench.procstat import CLIENT, OTHERS
from bench.stats import overhead, percentile

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "var" / "bench"
REPORT = REPO_ROOT / "reports" / "bench.md"
COMMAND = "make bench"  # = .venv/bin/python -m bench.load (after bench/kg_search.py)
TARGET_OVERHEAD = 0.10
TARGET_NLU_PER_S, TARGET_NLU_P95_MS = 100.0, 300.0


def met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def ms(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0f}"


def when(record: dict) -> str:
    load = " / ".join(f"{x:.2f}" for x in record["load"])
    load_end = " / ".join(f"{x:.2f}" for x in record["load_end"])
    return (f"Measured {record['date']}, code {record['code']}, model {record['model']}, in {record['took_s']:.0f} s; "
            f"load average (1 / 5 / 15 min) {load} at the start, {load_end} at the end.")


def cpu_cell(run: dict, name: str, per: int) -> str:
    return f"{1000 * run['cpu'].get(name, 0.0) / per:.1f}" if per else "–"


def cpu_table(runs: list[dict], label: str = "turn") -> list[str]:
    """CPU ms per request of each process (group) during each run, and the ceiling that
    CPU cost implies on this machine's cores."""
    names = [n for n in runs[0]["cpu"] if n not in (CLIENT, OTHERS)]
    cores = os.cpu_count() or 1
    lines = [f"| run | " + " | ".join(names) + f" | **stack** | {CLIENT} | {OTHERS} | ceiling {label}s/s |",
             "|---|" + "---:|" * (len(names) + 4)]
    for run in runs:
        n = run["overall"]["count"]
        stack_ms = sum(1000 * run["cpu"].get(name, 0.0) / n for name in names) if n else 0.0
        ceiling = f"{cores * 1000 / stack_ms:.0f}" if stack_ms else "–"
        lines.append(f"| {run['path']} ×{run['users']} | " + " | ".join(cpu_cell(run, x, n) for x in names)
                     + f" | **{stack_ms:.1f}** | {cpu_cell(run, CLIENT, n)} | {cpu_cell(run, OTHERS, n)} | {ceiling} |")
    return lines


def memory_line(memory: dict) -> str:
    return ("Memory at the end (RSS / peak RSS, MB): "
            + ", ".join(f"{name} {m['rss']:.0f} / {m['peak']:.0f}" for name, m in memory.items()) + ".")


def run_row(run: dict, label: str | None = None) -> str:
    o = run["overall"]
    return (f"| {label or run['path']} | {run['users']} | {run['conversations'] or '–'} | {o['count']} | "
            f"{o['per_s']:.1f} | {ms(o['p50'])} | {ms(o['p95'])} | {ms(o['p99'])} | "
            f"{o['errors']} ({o['errors'] / o['count']:.1%}) | {o['unexpected']} | {run['load1']:.2f} |"
            if o["count"] else f"| {label or run['path']} | {run['users']} | – | 0 | – | – | – | – | – | – | – |")


RUN_HEADER = ["| path | concurrent | conversations | turns | turns/s | p50 ms | p95 ms | p99 ms | errors | "
              "unexpected | load (1 min) |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]


def by_kind_tables(runs: list[dict]) -> list[str]:
    lines = []
    for users in dict.fromkeys(r["users"] for r in runs):
        pair = {r["path"]: r for r in runs if r["users"] == users}
        kinds = list(dict.fromkeys(k for r in pair.values() for k in r["by_kind"]))
        paths = list(pair)
        lines += [f"**{users} concurrent** (per path: turns/s · p50 · p95 · p99 ms · errors + unexpected)", "",
                  "| turn type | " + " | ".join(paths) + " |", "|---|" + "---|" * len(paths)]
        for kind in kinds:
            cells = []
            for path in paths:
                k = pair[path]["by_kind"].get(kind)
                cells.append("–" if not k else f"{k['per_s']:.1f} · {ms(k['p50'])} · {ms(k['p95'])} · "
                                               f"{ms(k['p99'])} · {k['errors']}+{k['unexpected']}")
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def turns_section(rec: dict) -> tuple[list[str], list[tuple[str, str, bool]]]:
    runs = sorted(rec["runs"], key=lambda r: (r["users"], r["path"]))
    targets = []
    lines = ["## Conversations: the gateway against bare Rasa", "", when(rec), "",
             f"Each level: c simulated customers at once for {rec['seconds_per_level']:.0f} s per path, each "
             "starting its next conversation (bench/scenarios.yml, in weighted rotation) when one ends; a turn "
             "under way at the end is finished and counted. The paths alternate which goes first per level. "
             "*errors*: a transport error, a non-2xx answer, or no reply text (the gateway's `bot_unavailable` "
             "apology); *unexpected*: answered, without the words the script expects. A failed turn's time "
             "counts in the percentiles.", "", *RUN_HEADER]
    lines += [run_row(r) for r in runs]
    errors = [line for r in runs for line in r["first_errors"]]
    if errors or rec.get("warmup_errors"):
        lines += ["", "First failures: " + "; ".join(f"`{e}`" for e in (rec.get("warmup_errors", []) + errors)[:6])]
    sessions = [r["by_kind"]["session"] for r in runs if "session" in r.get("by_kind", {})]
    if sessions:
        lines += ["", "Session creation (`POST /api/v1/sessions`, once per conversation, not a turn): p50 "
                  + ", ".join(f"{ms(s['p50'])} ms" for s in sessions) + " at the levels above."]
    lines += ["", "### Per turn type", "", *by_kind_tables(runs)]
    lines += ["### Gateway overhead at p50 (target ≤ 10 %)", "",
              "| concurrent | gateway p50 ms | rasa p50 ms | gateway − rasa ms | overhead | target |",
              "|---:|---:|---:|---:|---:|---|"]
    for users in dict.fromkeys(r["users"] for r in runs):
        pair = {r["path"]: r["overall"] for r in runs if r["users"] == users}
        if {"gateway", "rasa"} <= set(pair):
            g, r = pair["gateway"]["p50"], pair["rasa"]["p50"]
            ratio = overhead(g, r)
            failed = pair["gateway"]["errors"]
            ok = ratio <= TARGET_OVERHEAD and not failed
            # A gateway that gave up on Rasa (its timeout) answers sooner than Rasa would: no overhead figure.
            verdict = f"not comparable: {failed} gateway turns gave up" if failed else met(ok)
            targets.append((f"gateway overhead at p50, {users} concurrent (separate runs)",
                            f"{ratio:+.1%}" + (f" ({failed} turns cut at the gateway's Rasa timeout)" if failed else ""),
                            ok))
            lines.append(f"| {users} | {ms(g)} | {ms(r)} | {g - r:+.0f} | {ratio:+.1%} | {verdict} |")
    pairs = rec.get("paired") or {}
    if pairs.get("ratios"):
        ratio = statistics.median(pairs["ratios"])
        diff = statistics.median(pairs["differences_ms"])
        ok = ratio <= TARGET_OVERHEAD
        targets.insert(0, ("gateway overhead at p50, paired (1 at a time)", f"{ratio:+.1%} ({diff:+.0f} ms)", ok))
        lines += ["", f"Paired (each turn sent through the gateway and straight to Rasa back to back, one "
                  f"conversation at a time, {pairs['turns']} turns, {pairs['errors']} errors): the median of the "
                  f"per-turn ratio is **{ratio:+.1%}** ({met(ok)}), the median difference {diff:+.1f} ms "
                  f"(p25 … p75 {percentile(pairs['differences_ms'], 25):+.1f} … "
                  f"{percentile(pairs['differences_ms'], 75):+.1f} ms). This is the fairer figure: the separate "
                  "runs above compare two windows of a shared machine whose background load moves between them."]
    errors_total = sum(r["overall"]["errors"] for r in runs)
    targets.append(("no errors (conversations)", f"{errors_total} errors in {sum(r['overall']['count'] for r in runs)} "
                    "turns", errors_total == 0))
    lines += ["", "### CPU per turn and memory", "",
              "ms of CPU per turn of each process group during each run (/proc/<pid>/stat), of the generator "
              "itself, and of everything else on the machine (/proc/stat's busy time minus those); *ceiling*: "
              "the turns/s the stack alone could do on these cores at that CPU cost.", "",
              *cpu_table(runs), "", memory_line(rec["memory"])]
    return lines, targets


def nlu_section(rec: dict) -> tuple[list[str], list[tuple[str, str, bool]]]:
    targets = []
    lines = ["## NLU only: 50 concurrent clients", "", when(rec), "",
             f"{rec['nlu_users']} clients each sending the next parse as soon as the last is answered, "
             f"{rec['nlu_seconds']:.0f} s per path, over the {rec['texts']} distinct texts of the scenarios; "
             "`gateway` = `POST /api/v1/nlu/parse`, `rasa` = Rasa's `POST /model/parse`. Target: ≥ 100 parses/s "
             f"with p95 ≤ 300 ms. With {rec['nlu_users']} clients always waiting, the mean latency is "
             f"{rec['nlu_users']} / throughput (Little's law), and a p95 below 300 ms needs a mean below it, so about "
             f"{rec['nlu_users'] / 0.3:.0f} parses/s or more, i.e. at most {2000 * 0.3 / rec['nlu_users']:.0f} ms of CPU per "
             "parse over the whole stack on 2 cores.", "", *RUN_HEADER]
    for run in rec["runs"]:
        o = run["overall"]
        lines.append(run_row(run))
        ok = o["per_s"] >= TARGET_NLU_PER_S and o["p95"] <= TARGET_NLU_P95_MS and o["errors"] == 0
        targets.append((f"NLU at {run['users']} concurrent, {run['path']} (single stack)",
                        f"{o['per_s']:.0f}/s, p95 {ms(o['p95'])} ms", ok))
    runs = {r["path"]: r["overall"] for r in rec["runs"]}
    if {"gateway", "rasa"} <= set(runs):
        lines += ["", f"Gateway overhead on a parse at p50: {overhead(runs['gateway']['p50'], runs['rasa']['p50']):+.1%}."]
    lines += ["", *cpu_table([{**r, "path": f"NLU via {r['path']}"} for r in rec["runs"]], "parse"), "",
              memory_line(rec["memory"])]
    return lines, targets


def profile_section(rec: dict) -> list[str]:
    lines = ["## Where the time goes (py-spy)", ""]
    if rec.get("skipped"):
        return lines + [f"Not profiled: {rec['skipped']}."]
    lines += [when(rec), "",
              f"py-spy sampled each process (with its children) at {rec['rate_hz']} Hz, keeping the samples of "
              "threads holding the GIL (`--gil`: running Python; C code that releases the GIL, e.g. TensorFlow's "
              "kernels, is not in them, /proc's CPU figures above are), pausing it for each sample (so this "
              "phase's own latency figures are a little worse than elsewhere), while the load below ran. *Self*: the function on the CPU; "
              "*on the stack*: the share of samples in which a package (or the project's own folder) appears "
              "anywhere, i.e. the CPU spent in it and below it. Raw stacks: var/bench/profiles/."]
    for load_name, body in rec["loads"].items():
        run = body["run"]
        o = run["overall"]
        lines += ["", f"### During {load_name}: {run['users']} concurrent through the gateway, {o['count']} "
                  f"requests, {o['per_s']:.1f}/s, p50 {ms(o['p50'])} ms, p95 {ms(o['p95'])} ms", ""]
        for name, prof in body["profiles"].items():
            if "error" in prof:
                lines += [f"**{name}**: not profiled (`{prof['error'].strip()[-200:]}`)", ""]
                continue
            lines += [f"**{name}** ({prof['samples']} samples)", "",
                      "| on the stack | share | | self (top functions) | share |", "|---|---:|---|---|---:|"]
            for i in range(max(len(prof["areas"]), len(prof["self"]))):
                a = prof["areas"][i] if i < len(prof["areas"]) else ("", None)
                s = prof["self"][i] if i < len(prof["self"]) else ("", None)
                lines.append(f"| {a[0]} | {'' if a[1] is None else f'{a[1]:.0%}'} | | `{s[0]}` | "
                             f"{'' if s[1] is None else f'{s[1]:.0%}'} |" if s[0] else
                             f"| {a[0]} | {'' if a[1] is None else f'{a[1]:.0%}'} | | | |")
            if prof.get("functions"):
                lines += ["", f"Functions on {name}'s stack (inclusive share): "
                          + "; ".join(f"`{f}` {share:.0%}" for f, share in prof["functions"]) + "."]
            lines.append("")
    return lines


def cluster_section(rec: dict, turns: dict | None, nlu: dict | None) -> tuple[list[str], list[tuple[str, str, bool]]]:
    targets = []
    lines = ["## The cluster against the single stack", "", when(rec), "",
             f"`make run-cluster`'s shape ({rec['workers']} gateways, {rec['workers']} Rasa servers each with its "
             "action server, one services process, PostgreSQL for the services and Rasa's tracker store, Redis for "
             f"Rasa's lock store), started in {rec['start_s']:.0f} s; conversations spread over the gateways in "
             "turn, each gateway spreading turns over both Rasa servers. Same scenarios and seconds per level as "
             "the single stack (whose database and tracker store are SQLite).", "", *RUN_HEADER]
    single = {r["users"]: r for r in (turns or {}).get("runs", []) if r["path"] == "gateway"}
    for run in rec["runs"]:
        if run["users"] in single:
            lines.append(run_row(single[run["users"]], "single stack, gateway"))
        lines.append(run_row(run, "cluster, gateways"))
    single_nlu = next((r for r in (nlu or {}).get("runs", []) if r["path"] == "gateway"), None)
    if single_nlu:
        lines.append(run_row(single_nlu, "single stack, NLU via gateway"))
    lines.append(run_row(rec["nlu"], "cluster, NLU via gateways"))
    o = rec["nlu"]["overall"]
    targets.append((f"NLU at {rec['nlu']['users']} concurrent, cluster gateways", f"{o['per_s']:.0f}/s, p95 {ms(o['p95'])} ms",
                    o["per_s"] >= TARGET_NLU_PER_S and o["p95"] <= TARGET_NLU_P95_MS and o["errors"] == 0))
    errors = sum(r["overall"]["errors"] for r in rec["runs"])
    targets.append(("no errors (cluster conversations)", f"{errors} errors", errors == 0))
    nlu_row = {**rec["nlu"], "path": "NLU via gateways"}
    lines += ["", *cpu_table(rec["runs"] + [nlu_row]), "", memory_line(rec["memory"])]
    return lines, targets


def machine() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GB RAM, Linux {platform.release()}"


def analysis_path() -> Path:
    """bench/analysis.md: what the figures showed, written by hand (dated), shown after the targets."""
    return Path(__file__).with_name("analysis.md")


def render(records: dict[str, dict]) -> str:
    sections, targets = [], []
    if "turns" in records:
        lines, t = turns_section(records["turns"])
        sections.append(lines)
        targets += t
    if "nlu" in records:
        lines, t = nlu_section(records["nlu"])
        sections.append(lines)
        targets += t
    if "cluster" in records:
        lines, t = cluster_section(records["cluster"], records.get("turns"), records.get("nlu"))
        sections.append(lines)
        targets += t
    if "profile" in records:
        sections.append(profile_section(records["profile"]))
    missing = [p for p in ("turns", "nlu", "profile", "cluster") if p not in records]
    head = ["# Load benchmark — the gateway, bare Rasa, the cluster", "",
            f"Generated by `{COMMAND}` (`.venv/bin/python -m bench.load`; phases selectable with `--phases`, "
            "see `--help`) from var/bench/*.json; do not edit by hand. "
            f"Machine: {machine()}; other work may share it: each section gives the load average it ran under.",
            "Every run is a throw-away stack (free loopback ports, a fresh seeded database, the gateway's rate "
            "limits raised because every simulated customer comes from 127.0.0.1; everything else at its "
            "default, the gateway's 15 s Rasa timeout included). Conversations use generated accounts only, so "
            "top-ups and outage tickets never touch the demo accounts."]
    if missing:
        head.append(f"Phases not in this report: {', '.join(missing)}.")
    head += ["", "## Targets (issue 15)", "", "| target | measured | |", "|---|---|---|"]
    head += [f"| {name} | {value} | {met(ok)} |" for name, value, ok in targets]
    body = [line for section in sections for line in ["", *section]]
    analysis = analysis_path().read_text(encoding="utf-8").strip().splitlines() if analysis_path().exists() else []
    return "\n".join(head + ([""] + analysis if analysis else []) + body) + "\n"


def load_records() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS_DIR.glob("*.json"))}


def write_report(path: Path = REPORT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(load_records()), encoding="utf-8")
    return path
