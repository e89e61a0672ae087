"""Run PowerDesk's processes: the services, the Rasa server, the action server and the gateway.

`make run` calls ``python -m scripts.stack``; the conversation tests use :class:`Stack`
directly on other ports.  Every process listens on loopback except the gateway, whose
host is configurable.  Ctrl-C or SIGTERM stops them all, the gateway first.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlparse
from urllib.request import urlopen

import yaml

from services.settings import REPO_ROOT, Settings, get_settings

RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
APP_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
MODEL_PATH = Path("var/models/powerdesk.tar.gz")


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as POWERDESK_* variables, so every child reads the same values."""
    return {f"POWERDESK_{k.upper()}": str(v) for k, v in settings.model_dump().items()}


def port_of(url: str) -> int:
    return urlparse(url).port or 80


def tracker_store(settings: Settings) -> dict:
    if not settings.tracker_store_url:
        return {"type": "SQL", "dialect": "sqlite", "db": str(settings.var_dir / "rasa_tracker.db")}
    url = urlparse(settings.tracker_store_url)
    return {
        # Rasa's SQL store, reconnecting after a database restart (bot/tracker_store.py)
        "type": "bot.tracker_store.ReconnectingSQLTrackerStore", "dialect": url.scheme.split("+")[0], "url": url.hostname, "port": url.port or 5432,
        "db": url.path.lstrip("/"), "username": url.username, "password": url.password,
    }


def lock_store(settings: Settings) -> dict | None:
    if not settings.lock_store_url:
        return None
    url = urlparse(settings.lock_store_url)
    return {"type": "redis", "url": url.hostname, "port": url.port or 6379,
            "db": int(url.path.lstrip("/") or 0), "password": url.password, "key_prefix": "powerdesk"}


def write_endpoints(settings: Settings, action_server_url: str | None = None,
                    name: str = "endpoints.yml") -> Path:
    """var/<name>: bot/endpoints.yml with this deployment's action server and stores (a
    cluster writes one per Rasa server, each pointing at its own action server)."""
    endpoints = yaml.safe_load((REPO_ROOT / "bot" / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"] = {"url": f"{action_server_url or settings.action_server_url}/webhook",
                                    "headers": {"Authorization": f"Bearer {settings.action_token}"}}
    endpoints["tracker_store"] = tracker_store(settings)
    if lock_store(settings):
        endpoints["lock_store"] = lock_store(settings)
    path = settings.var_dir / name
    path.write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class Process:
    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen | None = None


def services_process(s: Settings) -> Process:
    return Process("services", [str(APP_PYTHON), "-m", "uvicorn", "services.app:app", "--host", "127.0.0.1",
                                "--port", str(port_of(s.services_url))], f"{s.services_url}/healthz")


def rasa_process(s: Settings, model: Path, rasa_url: str, endpoints: Path, name: str = "rasa") -> Process:
    return Process(
        name,
        [str(RASA_BIN), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port_of(rasa_url)),
         "-m", str(model), "--endpoints", str(endpoints),
         "--credentials", str(REPO_ROOT / "bot" / "credentials.yml"), "--auth-token", s.rasa_token],
        f"{rasa_url}/status?token={s.rasa_token}",
        # bot.tokenizer, bot.nlu_components, services.textnorm; and rasa_site/sitecustomize.py
        # (Python imports it at start-up): Rasa's action-result check without its ~20 ms re-check of the schema
        {"PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "scripts" / "rasa_site")])},
    )


def actions_process(action_server_url: str, name: str = "actions") -> Process:
    return Process(name, [str(APP_PYTHON), "-m", "actions.server", "--actions", "actions",
                          "-p", str(port_of(action_server_url))],
                   f"{action_server_url}/health", {"SANIC_HOST": "127.0.0.1"})


def gateway_process(s: Settings, host: str, port: int, name: str = "gateway") -> Process:
    return Process(name, [str(APP_PYTHON), "-m", "uvicorn", "api.app:app", "--host", host, "--port", str(port),
                          # JSON errors, URL and header limits before the app (api/http_protocol.py);
                          # WebSocket frame size
                          "--http", "api.http_protocol:GatewayHttpToolsProtocol", "--ws-max-size", str(s.ws_max_bytes)],
                   f"http://127.0.0.1:{port}/healthz")


class Stack:
    def __init__(self, settings: Settings | None = None, model: Path = MODEL_PATH):
        self.settings = settings or get_settings()
        self.model = REPO_ROOT / model
        self.log_dir = self.settings.var_dir / "logs"
        self.processes = self._processes()

    def _processes(self) -> list[Process]:
        s = self.settings
        return [
            services_process(s),
            rasa_process(s, self.model, s.rasa_url, s.var_dir / "endpoints.yml"),
            actions_process(s.action_server_url),
            gateway_process(s, s.gateway_host, s.gateway_port),
        ]

    def write_endpoints(self) -> None:
        write_endpoints(self.settings)

    def start(self, timeout_s: float = 300) -> None:
        """Start every process and wait until each answers its health check."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.write_endpoints()
        for proc in self.processes:
            self._spawn(proc)
        deadline = time.monotonic() + timeout_s
        for proc in self.processes:
            self._wait_healthy(proc, deadline)

    def restart(self, *names: str, timeout_s: float = 120) -> None:
        """Start stopped processes again, side by side (the fault tests stop some on purpose)."""
        procs = [self._named(name) for name in names]
        for proc in procs:
            self._spawn(proc)
        deadline = time.monotonic() + timeout_s
        for proc in procs:
            self._wait_healthy(proc, deadline)

    def kill(self, *names: str) -> None:
        """Stop processes, as a crash would."""
        self._terminate([self._named(name) for name in names])

    def _named(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    def _spawn(self, proc: Process) -> None:
        env = {**os.environ, **settings_env(self.settings), **proc.env}
        log = open(self.log_dir / f"{proc.name}.log", "ab")
        proc.popen = subprocess.Popen(
            proc.argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # stop() signals the whole process group
        )
        log.close()  # the child holds its own copy

    def _wait_healthy(self, proc: Process, deadline: float) -> None:
        while time.monotonic() < deadline:
            if proc.popen.poll() is not None:
                self.stop()
                raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}; see {self.log_dir / proc.name}.log")
            try:
                with urlopen(proc.health_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"{proc.name} not healthy at {proc.health_url}; see {self.log_dir / proc.name}.log")

    def stop(self) -> None:
        """Stop every process, the gateway first."""
        self._terminate(list(reversed(self.processes)))

    @staticmethod
    def _terminate(processes: list[Process]) -> None:
        """SIGTERM each process group, then SIGKILL what lingers."""
        running = [p for p in processes if p.popen and p.popen.poll() is None]
        for proc in running:
            os.killpg(proc.popen.pid, signal.SIGTERM)
        for proc in running:
            try:
                proc.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait()

    def __enter__(self) -> "Stack":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the stack the same way Ctrl-C does


def main() -> int:
    settings = get_settings()
    stack = Stack(settings)
    signal.signal(signal.SIGTERM, _interrupt)  # before anything starts: no window to leak
    exit_code = 0
    try:
        announce_initial_supervisor()
        print("starting the services, Rasa (about a minute), the action server and the gateway …", flush=True)
        started = time.monotonic()
        stack.start()
        print(banner(settings, stack, time.monotonic() - started), flush=True)
        exit_code = watch(stack)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping …", flush=True)
        stack.stop()
    return exit_code


def announce_initial_supervisor() -> None:
    """With no agent yet, create the first supervisor; its password is printed this
    once and kept in var/initial-agent.json (mode 0600) for the console's first log-in."""
    from handoff.agents import ensure_initial_supervisor

    created = ensure_initial_supervisor()
    if created:
        print(f"first agent console supervisor: user {created['username']}, password {created['password']}"
              f" (also in var/initial-agent.json; change it after logging in)", flush=True)


def banner(settings: Settings, stack: Stack, seconds: float) -> str:
    base = f"http://{settings.gateway_host}:{settings.gateway_port}"
    return (f"PowerDesk is up after {seconds:.0f} s:\n"
            f"  chat widget   {base}/chat\n"
            f"  agent console {base}/agent  (first supervisor: var/initial-agent.json)\n"
            f"  chat API      POST {base}/api/v1/chat\n"
            f"  NLU parse     POST {base}/api/v1/nlu/parse\n"
            f"  health        GET  {base}/healthz\n"
            f"  services      {settings.services_url} (internal, service token)\n"
            f"  API docs      {base}/docs\n"
            f"  agent API     {base}/api/v1/agents/login (handoff/API.md)\n"
            f"  logs          {stack.log_dir}\n"
            "Ctrl-C stops everything.")


def watch(stack: Stack) -> int:
    """Wait until a process dies (then 1) or the user stops us (KeyboardInterrupt)."""
    while True:
        for proc in stack.processes:
            if proc.popen.poll() is not None:
                print(f"{proc.name} exited ({proc.popen.returncode}); stopping", file=sys.stderr)
                return 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
