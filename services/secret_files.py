"""Where secrets may come from, and which ones a deployment must not run with.

Secrets (the internal tokens, the session-signing secret, database passwords in URLs)
come from the environment (``POWERDESK_*``) or from files in ``var/secrets/`` named like
the variable (``var/secrets/POWERDESK_SESSION_SECRET``), which must be readable by their
owner only (mode 0600 or stricter): a file others can read is refused at start-up, not
used.  The environment wins over a file.

The ``dev-only-…`` defaults make ``make run`` work out of the box; they are public (they
are in this repository), so a process refuses to start with any of them unless every
port it serves is on loopback (the embedded, single-machine setup).
"""
from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

DEV_PREFIX = "dev-only-"
SECRET_FIELDS = ("service_token", "rasa_token", "action_token", "session_secret")


class InsecureConfiguration(RuntimeError):
    """Start-up refused: the message says what to change."""


def checked_secrets_dir(directory: Path) -> Path | None:
    """``directory`` if it exists and every file in it is private to its owner; None if absent."""
    if not directory.is_dir():
        return None
    for path in sorted(directory.iterdir()):
        if path.is_file() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise InsecureConfiguration(
                f"{path} is readable by others (mode {stat.S_IMODE(path.stat().st_mode):o}); "
                f"run `chmod 600 {path}` (secret files must be private to their owner)")
    return directory


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_dev_secrets(settings, bound_host: str) -> None:
    """Raise InsecureConfiguration if a ``dev-only-`` secret is in force on a non-loopback host."""
    if is_loopback(bound_host):
        return
    defaults = [f"POWERDESK_{name.upper()}" for name in SECRET_FIELDS
                if str(getattr(settings, name)).startswith(DEV_PREFIX)]
    if defaults:
        raise InsecureConfiguration(
            f"refusing to serve on {bound_host!r} (not loopback) with the public development secrets of "
            f"{', '.join(defaults)}: set each to a long random value in the environment or in var/secrets/ (mode 600)")
