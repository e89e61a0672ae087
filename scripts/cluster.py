"""`make run-cluster`: PowerDesk as several processes of each kind, over a real
PostgreSQL and a real Redis, to show that no process keeps a conversation to itself.

- PostgreSQL (Debian's, a throw-away server on loopback): the services' database
  (conversations, outbox, billing …) and Rasa's tracker store;
- Redis (Debian's, on loopback): Rasa's lock store, so two Rasa servers never run two
  turns of one conversation at once;
- two Rasa servers, each with its own action server; two gateway workers on two ports,
  each spreading turns over both Rasa servers (api/rasa_client.py), sharing sessions
  (signed tokens), conversations and the outbox through the database;
- one services process (stateless too; one is enough here).

The cluster test (tests/cluster/) starts the same thing on free ports.  Ctrl-C or
SIGTERM stops everything, the gateways first, and deletes the throw-away servers.
"""
from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from scripts.local_servers import PostgresServer, RedisServer, free_port
from scripts.stack import (MODEL_PATH, Process, Stack, _interrupt, actions_process, gateway_process,
                           rasa_process, services_process, watch, write_endpoints)
from services.billing.seed import seed
from services.db import migrate
from services.settings import Settings, get_settings

WORKERS = 2  # of each kind: Rasa servers, action servers, gateway workers


class Cluster(Stack):
    """The Rasa servers of ``settings.rasa_servers`` (rasa-1, rasa-2 …), each with its
    own action server of ``settings.action_servers`` (actions-1 …), and a gateway on each
    of ``gateway_ports`` (gateway-1 …)."""

    def __init__(self, settings: Settings, gateway_ports: list[int], model: Path = MODEL_PATH):
        self.gateway_ports = gateway_ports
        super().__init__(settings, model)

    def _processes(self) -> list[Process]:
        s = self.settings
        rasa = [rasa_process(s, self.model, url, self._endpoints(i), f"rasa-{i + 1}")
                for i, url in enumerate(s.rasa_servers)]
        actions = [actions_process(url, f"actions-{i + 1}") for i, url in enumerate(self.settings.action_servers)]
        gateways = [gateway_process(s, s.gateway_host, port, f"gateway-{i + 1}") for i, port in enumerate(self.gateway_ports)]
        return [services_process(s), *rasa, *actions, *gateways]

    def start(self, timeout_s: float = 600) -> None:
        """As a stack starts, with time for two Rasa servers loading side by side."""
        super().start(timeout_s)

    def _endpoints(self, index: int) -> Path:
        return self.settings.var_dir / f"endpoints-{index + 1}.yml"

    def write_endpoints(self) -> None:
        for index, action_url in enumerate(self.settings.action_servers):
            write_endpoints(self.settings, action_url, self._endpoints(index).name)

    def gateway_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.gateway_ports[index]}"


def cluster_settings(base: Settings, postgres: PostgresServer, redis: RedisServer, var_dir: Path) -> Settings:
    """``base`` with the shared stores, and free loopback ports for every worker."""
    loopback = lambda: f"http://127.0.0.1:{free_port()}"  # noqa: E731
    return base.model_copy(update={
        "var_dir": var_dir,
        "database_url": postgres.url("powerdesk"),
        "tracker_store_url": postgres.url("rasa").replace("postgresql+psycopg", "postgresql"),
        "lock_store_url": redis.url(0),
        "rasa_urls": ",".join(loopback() for _ in range(WORKERS)),
        "action_server_urls": ",".join(loopback() for _ in range(WORKERS)),
        "services_url": loopback(),
    })


def create_databases(postgres: PostgresServer, *names: str) -> None:
    engine = create_engine(postgres.url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for name in names:
            connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()


@contextmanager
def running_cluster(base: Settings, var_dir: Path, gateway_ports: list[int],
                    n_accounts: int | None = None) -> Iterator[tuple[Cluster, PostgresServer, RedisServer]]:
    """PostgreSQL and Redis, the database migrated and seeded, then the cluster with its
    gateways on ``gateway_ports``; all stopped (the throw-away servers deleted) on exit."""
    var_dir.mkdir(parents=True, exist_ok=True)
    with PostgresServer() as postgres, RedisServer() as redis:
        create_databases(postgres, "powerdesk", "rasa")
        settings = cluster_settings(base, postgres, redis, var_dir)
        migrate(settings.database_url)
        seed(settings.database_url, **({"n_accounts": n_accounts} if n_accounts else {}))
        kg = var_dir / "kg"
        if not kg.exists():
            kg.symlink_to(base.var_dir / "kg", target_is_directory=True)  # the index `make kg` built
        with Cluster(settings, gateway_ports) as cluster:
            yield cluster, postgres, redis


def main() -> int:
    base = get_settings()
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"starting PostgreSQL, Redis, the services, {WORKERS} Rasa servers (a minute or two), "
          f"{WORKERS} action servers and {WORKERS} gateways …", flush=True)
    started = time.monotonic()
    try:
        ports = [base.gateway_port + 100 * i for i in range(WORKERS)]  # 8000, 8100
        with running_cluster(base, base.var_dir / "cluster", ports) as (cluster, postgres, redis):
            gateways = "\n".join(f"  gateway-{i + 1}     {cluster.gateway_url(i)}  (chat: POST /api/v1/chat)"
                                 for i in range(WORKERS))
            print(f"PowerDesk cluster is up after {time.monotonic() - started:.0f} s:\n{gateways}\n"
                  f"  PostgreSQL    {postgres.url('powerdesk')} (services) and …/rasa (Rasa's tracker store)\n"
                  f"  Redis         {redis.url(0)} (Rasa's lock store)\n"
                  f"  logs          {cluster.log_dir}\n"
                  "Ctrl-C stops everything.", flush=True)
            return watch(cluster)
    except KeyboardInterrupt:
        return 0
    finally:
        print("stopping …", flush=True)


if __name__ == "__main__":
    sys.exit(main())
