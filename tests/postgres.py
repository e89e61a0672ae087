"""A throw-away PostgreSQL server for tests: initdb into a temp dir, pg_ctl on a free
loopback port, stop and delete at the end.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
``postgres`` OS user (created by Debian's package; ``scripts/ensure_postgres.sh``
installs it).  Durability is switched off (fsync etc.): the data dies with the test run.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "postgres"


def find_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    candidates = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    candidates = [c for c in candidates if (c / "pg_ctl").exists()]
    return max(candidates, key=lambda p: int(p.parent.name), default=None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """``with PostgresServer() as pg: pg.url(dbname)``."""

    def __init__(self) -> None:
        self.bin_dir = find_bin_dir()
        if self.bin_dir is None:
            raise RuntimeError("PostgreSQL binaries not found; run scripts/ensure_postgres.sh")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="powerdesk-pg-"))
        self.data_dir = self.root / "data"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        kwargs = {}
        if self.as_root:
            kwargs = {"user": SERVER_USER, "group": pwd.getpwnam(SERVER_USER).pw_gid}
        subprocess.run(args, check=True, capture_output=True, cwd=self.root, **kwargs)

    def start(self) -> "PostgresServer":
        if self.as_root:
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
                  "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.root / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
