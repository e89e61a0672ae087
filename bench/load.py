"""The load generator behind `make bench`: ``.venv/bin/python -m bench.load [--phases …]``.

Starts a throw-away stack (free loopback ports, a fresh seeded SQLite database, as the
conversation tests do: tests/stack.py) and plays the conversations of bench/scenarios.yml
(bill lookup with verification, top-up with confirmation, outage report and query, FAQ
and tariff, small talk) on generated accounts, by M simulated customers at once, each
starting its next conversation as soon as one ends, for a fixed time per level.

Phases (``--phases``, any of them, in this order):

- ``turns``: through the gateway (``POST /api/v1/sessions``, then ``POST /api/v1/chat``
  with the bearer token) and straight to Rasa's REST channel, at 1, 10 and 50 concurrent
  conversations, plus a paired run (each turn sent both ways back to back) for the
  gateway's overhead at p50 free of background drift;
- ``nlu``: NLU parsing only at 50 concurrent clients, the gateway's ``/api/v1/nlu/parse``
  and Rasa's ``/model/parse``;
- ``profile``: py-spy samples the gateway, Rasa and the action server while 10
  conversations run through the gateway: where the CPU goes;
- ``cluster``: `make run-cluster`'s processes (two gateways, two Rasa servers, two action
  servers, PostgreSQL, Redis) under the same conversations and the NLU load.

Each phase writes var/bench/<phase>.json; the report, reports/bench.md, is rendered from
the latest file of every phase (bench/report.py), so a phase can be re-run alone.
Measures only: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
from sqlalchemy import select

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench import procstat, profiling  # noqa: E402
from bench.report import RESULTS_DIR, write_report  # noqa: E402
from bench.scenarios import Scenario, load_scenarios, rotation  # noqa: E402
from bench.stats import summarize  # noqa: E402
from scripts.eval_dialogues import code_version, model_fingerprint  # noqa: E402
from scripts.stack import MODEL_PATH, Stack  # noqa: E402
from services.billing.models import Account, Customer  # noqa: E402
from services.db import session_scope  # noqa: E402
from services.settings import Settings  # noqa: E402
from tests.stack import prepare_throwaway, throwaway_settings  # noqa: E402

SESSION = "session"  # POST /api/v1/sessions: once per conversation, not a turn
# Whose functions the profile lists, per process: the project's own code, and Rasa's.
PROFILED_AREAS = {"gateway": {"api/ (project)", "services/ (project)"},
                  "actions": {"actions/ (project)", "services/ (project)"},
                  "rasa": {"rasa", "bot/ (project)", "services/ (project)", "tensorflow", "jieba", "sqlalchemy"}}
PHASES = ("turns", "nlu", "profile", "cluster")
CLIENT_TIMEOUT_S = 120.0  # the generator's own; the gateway gives Rasa settings.rasa_timeout_s
ACCOUNTS_PER_KIND = 60


# ---------------------------------------------------------------------------- one turn


class TurnFailed(Exception):
    """An answer that is not a bot reply: non-2xx, an ``error`` field, no text."""


Say = Callable[[str], Awaitable[str]]  # the customer's text -> the bot's reply text


@dataclass
class Sample:
    kind: str
    ms: float
    error: str | None = None  # transport error, non-2xx, no reply
    unexpected: bool = False  # answered, without the words the script expects


async def timed(kind: str, call: Callable[[], Awaitable[str]], expect: str | None = None) -> tuple[Sample, str]:
    started = time.perf_counter()
    try:
        reply = await call()
        error = None
    except (httpx.HTTPError, TurnFailed, ValueError, KeyError) as exc:
        reply, error = "", f"{exc.__class__.__name__}: {str(exc)[:160]}"
    ms = (time.perf_counter() - started) * 1000
    return Sample(kind, ms, error, error is None and expect is not None and expect not in reply), reply


# ---------------------------------------------------------------------------- the two paths


class GatewayPath:
    """Customers of the gateway(s): a session per conversation, then chat turns; with
    several gateways, conversations are spread over them in turn."""
    name = "gateway"

    def __init__(self, clients: list[httpx.AsyncClient]):
        self.clients = itertools.cycle(clients)

    async def open(self) -> Say:
        client = next(self.clients)
        response = await client.post("/api/v1/sessions", json={"channel": "web"})
        if response.status_code != 201:
            raise TurnFailed(f"session: {response.status_code} {response.text[:120]}")
        headers = {"Authorization": f"Bearer {response.json()['token']}"}

        async def say(text: str) -> str:
            reply = await client.post("/api/v1/chat", json={"text": text}, headers=headers)
            body = reply.json() if reply.status_code == 200 else {}
            if body.get("error"):  # the gateway's apology, e.g. bot_unavailable after its Rasa timeout
                raise TurnFailed(f"answered with the apology, error {body['error']!r}")
            if reply.status_code != 200 or not body.get("messages"):
                raise TurnFailed(f"{reply.status_code} {reply.text[:160]}")
            return "\n".join(m.get("text") or "" for m in body["messages"])

        return say


class RasaPath:
    """Rasa's REST channel directly, as the gateway calls it (a sender per conversation,
    ``{"channel": "web"}`` metadata)."""
    name = "rasa"

    def __init__(self, client: httpx.AsyncClient):
        self.client = client

    async def open(self) -> Say:
        sender = f"bench-{uuid.uuid4().hex}"

        async def say(text: str) -> str:
            response = await self.client.post("/webhooks/rest/webhook", json={
                "sender": sender, "message": text, "metadata": {"channel": "web"}})
            response.raise_for_status()
            texts = [m["text"] for m in response.json() if m.get("text")]
            if not texts:  # the gateway answers this with its apology
                raise TurnFailed("Rasa answered no text")
            return "\n".join(texts)

        return say


# ---------------------------------------------------------------------------- accounts


def generated_accounts(database_url: str) -> dict[str, list[dict[str, str]]]:
    """Generated accounts (never a demo one) by billing mode, with what the scripts fill in."""
    with session_scope(database_url) as session:
        rows = session.execute(
            select(Account.account_no, Account.billing_mode, Customer.mobile, Customer.address)
            .join(Customer, Account.customer_id == Customer.id)
            .where(Account.account_no.not_like("%0000000%")).order_by(Account.account_no)
        ).all()
    by_kind: dict[str, list[dict[str, str]]] = {"any": [], "postpaid": [], "prepaid": []}
    for account_no, mode, mobile, address in rows:
        account = {"account_no": account_no, "last4": mobile[-4:], "mobile": mobile, "address": address}
        for kind in ("any", mode):
            if len(by_kind[kind]) < ACCOUNTS_PER_KIND:
                by_kind[kind].append(account)
    return by_kind


# ---------------------------------------------------------------------------- running load


@dataclass
class Run:
    """What one path did at one concurrency."""
    path: str
    users: int
    seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    conversations: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    load1: float = 0.0
    first_errors: list[str] = field(default_factory=list)

    def add(self, sample: Sample, text: str = "", reply: str = "") -> None:
        self.samples.append(sample)
        if (sample.error or sample.unexpected) and len(self.first_errors) < 5:
            what = sample.error or f"unexpected reply {reply[:100]!r}"
            self.first_errors.append(f"{sample.kind} {text!r}: {what}")

    def result(self, by_kind: bool = True) -> dict:
        def summary(samples: list[Sample]) -> dict:
            return summarize([s.ms for s in samples], sum(s.error is not None for s in samples),
                             sum(s.unexpected for s in samples), self.seconds).as_dict()
        kinds = dict.fromkeys(s.kind for s in self.samples)
        turns = [s for s in self.samples if s.kind != SESSION]
        result = {"path": self.path, "users": self.users, "seconds": self.seconds, "load1": self.load1,
                  "conversations": self.conversations, "overall": summary(turns), "cpu": self.cpu,
                  "first_errors": self.first_errors}
        if by_kind:
            result["by_kind"] = {k: summary([s for s in self.samples if s.kind == k]) for k in kinds}
        return result


class Accounts:
    """Generated accounts handed out in turn, per kind a scenario needs."""

    def __init__(self, by_kind: dict[str, list[dict[str, str]]]):
        self.cycles = {kind: itertools.cycle(accounts) for kind, accounts in by_kind.items() if accounts}

    def next(self, kind: str) -> dict[str, str]:
        return next(self.cycles[kind])


async def play_conversation(path: GatewayPath | RasaPath, scenario: Scenario, account: dict[str, str], run: Run,
                            deadline: float = float("inf")) -> None:
    """One conversation of ``scenario``; no turn starts after ``deadline``."""
    started = time.perf_counter()
    try:
        say = await path.open()
    except (httpx.HTTPError, TurnFailed, ValueError, KeyError) as exc:
        run.add(Sample(SESSION, (time.perf_counter() - started) * 1000, f"{exc.__class__.__name__}: {exc}"))
        await asyncio.sleep(0.2)  # no tight loop against a failing gateway
        return
    if path.name == "gateway":
        run.add(Sample(SESSION, (time.perf_counter() - started) * 1000))
    run.conversations += 1
    for turn in scenario.turns:
        if time.perf_counter() >= deadline:
            return
        text = turn.filled(account)
        sample, reply = await timed(turn.kind, lambda: say(text), turn.expect)
        run.add(sample, text, reply)


async def play_customer(path: GatewayPath | RasaPath, scripts: Iterator[Scenario], accounts: Accounts,
                        deadline: float, run: Run) -> None:
    """One customer: conversation after conversation until the deadline."""
    while time.perf_counter() < deadline:
        scenario = next(scripts)
        await play_conversation(path, scenario, accounts.next(scenario.account), run, deadline)


async def play_each(path: GatewayPath | RasaPath, scenarios: list[Scenario], accounts: Accounts) -> Run:
    """Every scenario once, one at a time (the warm-up, which also checks the scripts)."""
    run = Run(path.name, 1)
    started = time.perf_counter()
    for scenario in scenarios:
        await play_conversation(path, scenario, accounts.next(scenario.account), run)
    run.seconds = time.perf_counter() - started
    return run


async def converse(path: GatewayPath | RasaPath, scenarios: list[Scenario], accounts: Accounts, users: int,
                   seconds: float, meter: procstat.CpuMeter | None = None) -> Run:
    """``users`` customers at once, each playing conversation after conversation until
    ``seconds`` have passed (a turn under way then is finished and counted; no new one starts)."""
    run = Run(path.name, users, load1=os.getloadavg()[0])
    scripts = rotation(scenarios)
    if meter:
        meter.start()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(play_customer(path, scripts, accounts, deadline, run) for _ in range(users)))
    run.seconds = time.perf_counter() - started
    if meter:
        run.cpu = meter.stop()
    return run


async def parse_load(post: Callable[[str], Awaitable[str]], name: str, texts: list[str], users: int,
                     seconds: float, meter: procstat.CpuMeter | None = None) -> Run:
    """``users`` clients sending NLU parses back to back for ``seconds``."""
    run = Run(name, users, load1=os.getloadavg()[0])
    pool = itertools.cycle(texts)
    if meter:
        meter.start()
    started = time.perf_counter()
    deadline = started + seconds

    async def client() -> None:
        while time.perf_counter() < deadline:
            text = next(pool)
            sample, _ = await timed("nlu_parse", lambda: post(text))
            run.add(sample, text)

    await asyncio.gather(*(client() for _ in range(users)))
    run.seconds = time.perf_counter() - started
    if meter:
        run.cpu = meter.stop()
    return run


def gateway_parser(client: httpx.AsyncClient) -> Callable[[str], Awaitable[str]]:
    async def post(text: str) -> str:
        response = await client.post("/api/v1/nlu/parse", json={"text": text})
        response.raise_for_status()
        return response.json()["intent"]["name"]
    return post


def rasa_parser(client: httpx.AsyncClient, token: str) -> Callable[[str], Awaitable[str]]:
    async def post(text: str) -> str:
        response = await client.post("/model/parse", params={"token": token}, json={"text": text})
        response.raise_for_status()
        return response.json()["intent"]["name"]
    return post


def parse_texts(scenarios: list[Scenario], accounts: Accounts) -> list[str]:
    """Every turn's text of every scenario, filled from a few accounts (so not all alike)."""
    return [turn.filled(accounts.next(s.account)) for _ in range(3) for s in scenarios for turn in s.turns]


async def paired(gateway: GatewayPath, rasa: RasaPath, scenarios: list[Scenario], accounts: Accounts,
                 rounds: int) -> dict:
    """Every scenario ``rounds`` times, one conversation at a time on both paths, each turn
    sent through the gateway and straight to Rasa back to back (the order alternating), so
    both timings of a turn share the machine's load: the gateway's overhead per turn."""
    ratios, differences, errors = [], [], 0
    for n in range(rounds):
        for scenario in scenarios:
            account = accounts.next(scenario.account)
            says = {"gateway": await gateway.open(), "rasa": await rasa.open()}
            for k, turn in enumerate(scenario.turns):
                order = ["gateway", "rasa"] if (n + k) % 2 == 0 else ["rasa", "gateway"]
                ms = {}
                for name in order:
                    sample, _ = await timed(turn.kind, lambda: says[name](turn.filled(account)))
                    errors += sample.error is not None
                    ms[name] = None if sample.error else sample.ms
                if ms["gateway"] is not None and ms["rasa"] is not None:
                    ratios.append(ms["gateway"] / ms["rasa"] - 1)
                    differences.append(ms["gateway"] - ms["rasa"])
    return {"turns": len(ratios), "errors": errors, "ratios": ratios, "differences_ms": differences}


# ---------------------------------------------------------------------------- phases


def stack_meter(stack: Stack, extra: dict[str, procstat.PidsOf] | None = None) -> procstat.CpuMeter:
    """CPU of every process group the stack started (plus ``extra``), this client and the rest."""
    groups: dict[str, procstat.PidsOf] = {
        p.name: (lambda pgid=p.popen.pid: procstat.group_pids(pgid)) for p in stack.processes if p.popen}
    return procstat.CpuMeter({**groups, **(extra or {})})


def client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, timeout=CLIENT_TIMEOUT_S,
                             limits=httpx.Limits(max_connections=400, max_keepalive_connections=200))


def say_run(run: Run) -> None:
    o = run.result(by_kind=False)["overall"]
    print(f"  {run.path:8} x{run.users:<3} {o['per_s']:6.1f}/s  p50 {o['p50']:7.0f} ms  p95 {o['p95']:7.0f} ms  "
          f"p99 {o['p99']:7.0f} ms  errors {o['errors']}  unexpected {o['unexpected']}  "
          f"(load {run.load1:.2f})", flush=True)
    for line in run.first_errors[:2]:
        print(f"      {line}", flush=True)


async def phase_turns(stack: Stack, args: argparse.Namespace, scenarios: list[Scenario], accounts: Accounts) -> dict:
    s = stack.settings
    meter = stack_meter(stack)
    async with client(f"http://127.0.0.1:{s.gateway_port}") as gw, client(s.rasa_url) as rasa_http:
        paths = [GatewayPath([gw]), RasaPath(rasa_http)]
        warm = [await play_each(path, scenarios, accounts) for path in paths]
        for run in warm:
            print(f"  warm-up {run.path}: {len(run.samples)} requests, "
                  f"{sum(x.error is not None or x.unexpected for x in run.samples)} errors or unexpected", flush=True)
            for line in run.first_errors:
                print(f"      {line}", flush=True)
        runs = []
        for i, users in enumerate(args.levels):
            for path in (paths if i % 2 == 0 else paths[::-1]):
                run = await converse(path, scenarios, accounts, users, args.seconds, meter)
                say_run(run)
                runs.append(run.result())
        print("  paired (each turn both ways) …", flush=True)
        pairs = await paired(paths[0], paths[1], scenarios, accounts, args.paired_rounds)
    return {"runs": runs, "paired": pairs, "memory": meter.memory(),
            "warmup_errors": [line for run in warm for line in run.first_errors]}


async def phase_nlu(stack: Stack, args: argparse.Namespace, scenarios: list[Scenario], accounts: Accounts) -> dict:
    s = stack.settings
    meter = stack_meter(stack)
    texts = parse_texts(scenarios, accounts)
    async with client(f"http://127.0.0.1:{s.gateway_port}") as gw, client(s.rasa_url) as rasa_http:
        posts = {"gateway": gateway_parser(gw), "rasa": rasa_parser(rasa_http, s.rasa_token)}
        for name, post in posts.items():
            await parse_load(post, name, texts, 2, 2)  # warm-up
        runs = []
        for name, post in posts.items():
            run = await parse_load(post, name, texts, args.nlu_users, args.nlu_seconds, meter)
            say_run(run)
            runs.append(run.result(by_kind=False))
    return {"runs": runs, "texts": len(set(texts)), "memory": meter.memory()}


async def phase_profile(stack: Stack, args: argparse.Namespace, scenarios: list[Scenario],
                        accounts: Accounts) -> dict:
    """py-spy on the gateway, Rasa and the action server during conversations through the
    gateway, then on the gateway and Rasa during NLU parses."""
    if not profiling.py_spy():
        return {"skipped": "py-spy is not installed (.venv/bin/pip install py-spy)"}
    s = stack.settings
    out_dir = RESULTS_DIR / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    pids = {p.name: p.popen.pid for p in stack.processes if p.popen}
    texts = parse_texts(scenarios, accounts)
    results = {}
    async with client(f"http://127.0.0.1:{s.gateway_port}") as gw:
        loads = {
            "conversations": (("gateway", "rasa", "actions"),
                              lambda: converse(GatewayPath([gw]), scenarios, accounts, args.profile_users,
                                               args.profile_seconds)),
            "nlu": (("gateway", "rasa"),
                    lambda: parse_load(gateway_parser(gw), "gateway", texts, args.nlu_users, args.profile_seconds)),
        }
        for load_name, (targets, start_load) in loads.items():
            spies = {name: profiling.record(pids[name], int(args.profile_seconds), out_dir / f"{load_name}-{name}.txt")
                     for name in targets}
            await asyncio.sleep(1)  # py-spy attached
            run = await start_load()
            say_run(run)
            profiles = {}
            for name, spy in spies.items():
                _, err = await asyncio.to_thread(spy.communicate, timeout=60)
                path = out_dir / f"{load_name}-{name}.txt"
                if not path.exists():
                    profiles[name] = {"error": err.decode(errors="replace")[-300:]}
                    continue
                stacks = profiling.parse_collapsed(path.read_text(encoding="utf-8", errors="replace"))
                profiles[name] = {"samples": sum(stacks.values()), "self": profiling.self_time(stacks),
                                  "areas": profiling.inclusive_areas(stacks),
                                  "functions": profiling.inclusive_functions(stacks, PROFILED_AREAS[name])}
            results[load_name] = {"run": run.result(by_kind=False), "profiles": profiles}
    return {"loads": results, "rate_hz": 100}


def cluster_extra(postgres, redis) -> dict[str, procstat.PidsOf]:  # noqa: ANN001 (scripts.local_servers)
    def postgres_pids() -> list[str]:
        try:
            postmaster = int((postgres.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        return procstat.tree_pids(postmaster)
    return {"postgres": postgres_pids, "redis": lambda: [str(redis.popen.pid)] if redis.popen else []}


async def cluster_load(cluster, postgres, redis, args: argparse.Namespace,  # noqa: ANN001
                       scenarios: list[Scenario]) -> dict:
    accounts = Accounts(generated_accounts(cluster.settings.database_url))
    meter = stack_meter(cluster, cluster_extra(postgres, redis))
    gateways = [client(cluster.gateway_url(i)) for i in range(len(cluster.gateway_ports))]
    try:
        path = GatewayPath(gateways)
        warm = await play_each(path, scenarios, accounts)
        print(f"  warm-up cluster: {len(warm.first_errors)} errors or unexpected", flush=True)
        runs = []
        for users in args.cluster_levels:
            run = await converse(path, scenarios, accounts, users, args.seconds, meter)
            say_run(run)
            runs.append(run.result())
        parsers = [gateway_parser(g) for g in gateways]
        spread = itertools.cycle(parsers)
        run = await parse_load(lambda text: next(spread)(text), "gateway", parse_texts(scenarios, accounts),
                               args.nlu_users, args.nlu_seconds, meter)
        say_run(run)
        return {"runs": runs, "nlu": run.result(by_kind=False), "memory": meter.memory(),
                "warmup_errors": warm.first_errors}
    finally:
        for g in gateways:
            await g.aclose()


def phase_cluster(base: Settings, args: argparse.Namespace, scenarios: list[Scenario]) -> dict:
    from scripts.cluster import WORKERS, running_cluster
    from scripts.local_servers import free_port

    print(f"bench: starting the cluster ({WORKERS} of each, PostgreSQL, Redis; Rasa takes a minute or two) …",
          flush=True)
    started = time.monotonic()
    ports = [free_port() for _ in range(WORKERS)]
    with running_cluster(base, base.var_dir / "cluster", ports, n_accounts=200) as (cluster, postgres, redis):
        up = time.monotonic() - started
        result = asyncio.run(cluster_load(cluster, postgres, redis, args, scenarios))
    return {**result, "start_s": up, "workers": WORKERS}


# ---------------------------------------------------------------------------- main


def conditions(args: argparse.Namespace) -> dict:
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "load": list(os.getloadavg()),
            "code": code_version(), "model": model_fingerprint(), "cores": os.cpu_count(),
            "seconds_per_level": args.seconds, "levels": args.levels, "nlu_users": args.nlu_users,
            "nlu_seconds": args.nlu_seconds, "profile_seconds": args.profile_seconds}


def save(phase: str, started: dict, result: dict, seconds: float) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    record = {"phase": phase, **started, "load_end": list(os.getloadavg()), "took_s": seconds, **result}
    (RESULTS_DIR / f"{phase}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


def run_phase(phase: str, args: argparse.Namespace, call: Callable[[], dict]) -> None:
    print(f"bench: {phase} …", flush=True)
    started, t0 = conditions(args), time.monotonic()
    result = call()
    save(phase, started, result, time.monotonic() - t0)


def csv_ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"comma-separated, any of {', '.join(PHASES)} (default: all)")
    parser.add_argument("--levels", type=csv_ints, default=[1, 10, 50], help="concurrent conversations (turns)")
    parser.add_argument("--seconds", type=float, default=20, help="per path and level")
    parser.add_argument("--paired-rounds", type=int, default=2, help="each scenario this often, paired")
    parser.add_argument("--nlu-users", type=int, default=50)
    parser.add_argument("--nlu-seconds", type=float, default=15)
    parser.add_argument("--profile-users", type=int, default=10)
    parser.add_argument("--profile-seconds", type=float, default=15)
    parser.add_argument("--cluster-levels", type=csv_ints, default=[10, 50])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 5 s per level, 3 s NLU, 5 s profiles, 1 paired round")
    parser.add_argument("--report-only", action="store_true", help="render reports/bench.md from var/bench/")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away var dir (logs, databases)")
    args = parser.parse_args(argv)
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phase(s) {sorted(unknown)}; known: {', '.join(PHASES)}")
    if args.quick:
        args.seconds, args.nlu_seconds, args.profile_seconds, args.paired_rounds = 5, 3, 5, 1
    return args


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the stack the same way Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_only:
        print(f"bench: → {write_report()}")
        return 0
    if not (REPO_ROOT / MODEL_PATH).exists():
        print("bench: no trained Rasa model: run `make model`", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _interrupt)
    scenarios = load_scenarios()
    var_dir = Path(tempfile.mkdtemp(prefix="powerdesk-bench-"))
    settings = throwaway_settings(var_dir, "bench")
    stack_phases = [p for p in args.phases if p != "cluster"]
    try:
        prepare_throwaway(settings)
        if stack_phases:
            print(f"bench: starting a throw-away stack under {var_dir} (Rasa takes about a minute) …", flush=True)
            with Stack(settings) as stack:
                accounts = Accounts(generated_accounts(settings.database_url))
                calls = {"turns": phase_turns, "nlu": phase_nlu, "profile": phase_profile}
                for phase in stack_phases:
                    run_phase(phase, args, lambda: asyncio.run(calls[phase](stack, args, scenarios, accounts)))
                died = [p.name for p in stack.processes if p.popen is None or p.popen.poll() is not None]
                if died:
                    print(f"bench: {', '.join(died)} stopped during the run: the figures are not valid",
                          file=sys.stderr)
        if "cluster" in args.phases:
            run_phase("cluster", args, lambda: phase_cluster(settings, args, scenarios))
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except (RuntimeError, TimeoutError, OSError) as exc:  # a stack did not start: nothing measured
        print(f"bench: {exc}", file=sys.stderr)
        args.keep = True
        return 1
    finally:
        if args.keep:
            print(f"bench: kept {var_dir}", file=sys.stderr)
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    print(f"bench: → {write_report()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
