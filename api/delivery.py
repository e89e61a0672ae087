"""Delivering the outbox: one sender per channel, and the loop that drives them.

Every gateway process runs the loop; a message is claimed by one process at a time
(services/outbox/store.py), so the processes share the work without sending twice, and
a web customer's messages are claimed only by the process that holds their socket.

A sender's ``deliver`` answers True when the channel took the message, False when
the customer cannot be reached right now (a web customer with no open socket: the
message waits, and goes out when they reconnect), and raises when the channel
failed (the message is retried later with backoff, services/outbox/store.py), or
raises :class:`Undeliverable` when the channel will never take it (it is marked
expired with the reason).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from starlette.concurrency import run_in_threadpool

from services.db import StorageUnavailable
from services.outbox import store as outbox
from services.outbox.store import Outgoing

log = logging.getLogger("powerdesk.delivery")
POLL_S = 0.5


class Undeliverable(Exception):
    """The channel refuses this message for good (e.g. WeChat's 48-hour window has
    passed): retrying would not help."""


class Sender(Protocol):
    async def deliver(self, message: Outgoing) -> bool: ...


class RecordingSender:
    """A channel whose real service cannot be reached from here (WeChat's
    customer-service API, a telephony stack): it records what it was asked to send,
    so tests and operators can see it.  Replaced by the channel's real sender when
    that channel is configured."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def deliver(self, message: Outgoing) -> bool:
        self.sent.append(message)
        return True


async def deliver_due(senders: dict[str, Sender]) -> int:
    """One pass over the due messages; returns how many a channel took."""
    delivered = 0
    # A sender that reaches customers through connections this process holds (the
    # widget's sockets) takes only its connected users' messages; others skip them.
    held_here = {channel: sender.connected_users() for channel, sender in senders.items()
                 if hasattr(sender, "connected_users")}
    for message in await run_in_threadpool(outbox.claim_due, 100, held_here):
        sender = senders.get(message.channel)
        try:
            if sender is None:
                raise RuntimeError(f"no sender for channel {message.channel}")
            if not await sender.deliver(message):
                # The socket closed since: pending for whichever process the customer
                # reconnects to (it also sends what was not acknowledged on connect).
                await run_in_threadpool(outbox.release, message.id)
                continue
        except Undeliverable as exc:
            log.warning("outbox %d to %s expired: %s", message.id, message.channel, exc)
            await run_in_threadpool(outbox.mark_expired, message.id, str(exc))
            continue
        except Exception as exc:  # any channel failure: keep the message, retry later
            log.warning("outbox %d to %s failed: %s", message.id, message.channel, exc)
            await run_in_threadpool(outbox.mark_failed, message.id, f"{type(exc).__name__}: {exc}")
            continue
        await run_in_threadpool(outbox.mark_sent, message.id)
        delivered += 1
    return delivered


async def run_delivery(senders: dict[str, Sender], wake: asyncio.Event) -> None:
    """Deliver until cancelled: every POLL_S, or at once when ``wake`` is set."""
    while True:
        try:
            await deliver_due(senders)
        except StorageUnavailable:  # the database away for a moment: try again next round
            log.warning("outbox delivery pass skipped: the database is unavailable")
        except Exception:
            log.exception("outbox delivery pass failed")
        try:
            await asyncio.wait_for(wake.wait(), timeout=POLL_S)
        except asyncio.TimeoutError:
            pass
        wake.clear()
