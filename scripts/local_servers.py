"""Throw-away PostgreSQL and Redis servers on loopback, for the tests and the cluster.

PostgreSQL: initdb into a temp dir, pg_ctl on a free loopback port, stop and delete at
the end.  Redis: redis-server on a free loopback port with no persistence.  Both come
from Debian's packages (scripts/ensure_debian_packages.sh, `make system`).

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
``postgres`` OS user (created by Debian's package; ``scripts/ensure_debian_packages.sh``
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
import time
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
            raise RuntimeError("PostgreSQL binaries not found; run scripts/ensure_debian_packages.sh postgres")
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
        self.resume()
        return self

    def resume(self) -> None:
        """Start the server on its data directory and port (after :meth:`halt`)."""
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.root / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")

    def halt(self) -> None:
        """Stop the server, keeping its data (the fault tests take the database away):
        every client's connection is cut and new ones are refused until :meth:`resume`."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        try:
            if (self.data_dir / "postmaster.pid").exists():  # not halted by a test that failed
                self.halt()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class RedisServer:
    """``with RedisServer() as redis: redis.url(0)``: no persistence, loopback only."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server not found; run scripts/ensure_debian_packages.sh redis")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="powerdesk-redis-"))
        self.popen: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        log = open(self.root / "redis.log", "ab")
        self.popen = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"redis-server on port {self.port} did not answer; see {self.root / 'redis.log'}")

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(timeout=15)
        shutil.rmtree(self.root, ignore_errors=True)

    def restart(self) -> None:
        """Stop the server and start it again on the same port (its data is gone)."""
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(timeout=15)
        self.start()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
