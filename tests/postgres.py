"""The throw-away database servers the tests start (they live in scripts/local_servers.py,
which the cluster uses too)."""
from scripts.local_servers import PostgresServer, RedisServer, free_port  # noqa: F401
