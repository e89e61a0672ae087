"""How long the billing seed takes: 5,000 accounts x 24 months into a fresh SQLite file
(and into a throw-away PostgreSQL with --postgres).

    .venv/bin/python bench/billing_seed.py [--accounts 5000] [--postgres]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from services.billing.models import Bill, MeterReading  # noqa: E402
from services.billing.seed import generate, seed  # noqa: E402
from services.db import migrate, session_scope  # noqa: E402


def measure(url: str, accounts: int) -> None:
    started = time.perf_counter()
    migrate(url)
    migrated = time.perf_counter()
    generate(accounts)  # in-memory generation alone (tariff engine included)
    generated = time.perf_counter()
    assert seed(url, n_accounts=accounts, run_migrations=False)
    done = time.perf_counter()
    with session_scope(url) as session:
        readings = session.scalar(select(func.count()).select_from(MeterReading))
        bills = session.scalar(select(func.count()).select_from(Bill))
    print(f"{url.split(':')[0]}: migrate {migrated - started:.1f}s, generate only {generated - migrated:.1f}s, "
          f"seed (generate + insert) {done - generated:.1f}s; {readings} readings, {bills} bills")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/bench.db", args.accounts)
    if args.postgres:
        from tests.postgres import PostgresServer

        with PostgresServer() as server:
            measure(server.url(), args.accounts)


if __name__ == "__main__":
    main()
