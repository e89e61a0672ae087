"""`make run`'s supervisor: it prints the URLs once everything is up and a SIGTERM stops
every process it started."""
from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time

import pytest

from scripts.stack import settings_env
from services.db import migrate
from services.settings import REPO_ROOT, Settings
from tests.postgres import free_port

pytestmark = pytest.mark.conversation


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_every_process(tmp_path) -> None:
    ports = {"gateway": free_port(), "rasa": free_port(), "actions": free_port(), "services": free_port()}
    settings = Settings(
        var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'powerdesk.db'}", gateway_port=ports["gateway"],
        rasa_url=f"http://127.0.0.1:{ports['rasa']}", action_server_url=f"http://127.0.0.1:{ports['actions']}",
        services_url=f"http://127.0.0.1:{ports['services']}",
    )
    migrate(settings.database_url)
    run = subprocess.Popen(
        [sys.executable, "-m", "scripts.stack"], cwd=REPO_ROOT, env={**os.environ, **settings_env(settings)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        output = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = run.stdout.readline()
            output.append(line)
            if "PowerDesk is up" in line or not line:
                break
        assert "PowerDesk is up" in "".join(output), "".join(output)
        banner = "".join(output + [run.stdout.readline() for _ in range(3)])
        assert f"http://127.0.0.1:{ports['gateway']}/api/v1/chat" in banner
        # No agent yet: the first supervisor, its password printed once and kept 0600.
        initial = json.loads((tmp_path / "initial-agent.json").read_text())
        assert f"password {initial['password']}" in banner and initial["role"] == "supervisor"
        assert stat.S_IMODE((tmp_path / "initial-agent.json").stat().st_mode) == 0o600
        assert all(listening(port) for port in ports.values())

        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) == 0
        assert not any(listening(port) for port in ports.values())
    finally:
        if run.poll() is None:
            run.kill()
