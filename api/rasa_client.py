"""The gateway's only way to the Rasa servers (REST channel and HTTP API on loopback).

Rasa runs with ``--auth-token``: its HTTP API (status, parse, tracker events) answers
only requests carrying the token as the ``token`` query parameter, which this client
adds to those calls (not to the REST channel's webhook, which does not take it).

With several Rasa servers sharing one tracker store and one lock store (the cluster,
``settings.rasa_urls``), any server can take any turn: calls go to the servers in turn,
and a server that refuses the connection is skipped for the next one.  Only a refused
connection moves on: a server that took the request may have acted on it, so a timeout
or an error answer is not sent again elsewhere.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from typing import Any

import httpx


class BotUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer usefully."""


class RasaClient:
    def __init__(self, servers: str | Sequence[str], timeout_s: float, token: str):
        urls = [servers] if isinstance(servers, str) else list(servers)
        self._clients = [httpx.AsyncClient(base_url=url, timeout=timeout_s) for url in urls]
        self._turns = itertools.count()
        self._auth = {"token": token}

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One customer turn through Rasa's REST channel; returns Rasa's messages."""
        payload = {"sender": sender_id, "message": text, "metadata": metadata}
        return await self._post_json("/webhooks/rest/webhook", payload)

    async def parse(self, text: str) -> dict[str, Any]:
        return await self._post_json("/model/parse", {"text": text}, self._auth)

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Add events to a conversation's tracker (e.g. forget a stale verification)."""
        await self._post_json(f"/conversations/{sender_id}/tracker/events", events, self._auth)

    async def tracker(self, sender_id: str, include_events: str = "AFTER_RESTART") -> dict[str, Any]:
        """The conversation's tracker (events, slots, latest message): GET /conversations/{id}/tracker."""
        return await self._request("GET", f"/conversations/{sender_id}/tracker",
                                   params={**self._auth, "include_events": include_events})

    async def slots(self, sender_id: str) -> dict[str, Any]:
        """A conversation's current slots (e.g. ``requested_slot``: what a form asks next)."""
        return (await self.tracker(sender_id, include_events="NONE")).get("slots") or {}

    async def pause(self, sender_id: str) -> None:
        """A human takes over: Rasa's tracker records ConversationPaused.  Stamped now
        explicitly (the conversation exists: the hand-over came from a bot turn), so
        the SQL tracker store keeps it after the session start it loads from."""
        await self.append_events(sender_id, [{"event": "pause", "timestamp": time.time()}])

    async def resume(self, sender_id: str) -> None:
        """The human is done: ConversationResumed, the bot answers again."""
        await self.append_events(sender_id, [{"event": "resume", "timestamp": time.time()}])

    async def log_agent(self, sender_id: str, text: str) -> None:
        """An agent's reply, as Rasa's ``agent`` event: the tracker shows the handoff."""
        await self.append_events(sender_id, [{"event": "agent", "text": text, "timestamp": time.time()}])

    async def is_ready(self) -> bool:
        """At least one server is up with a model loaded."""
        for client in self._clients:
            try:
                response = await client.get("/status", params=self._auth)
                if response.status_code == 200 and response.json().get("model_file"):
                    return True
            except (httpx.HTTPError, ValueError):
                continue
        return False

    def _in_turn(self) -> list[httpx.AsyncClient]:
        """Every server once, starting with the next one in turn."""
        start = next(self._turns) % len(self._clients)
        return self._clients[start:] + self._clients[:start]

    async def _post_json(self, path: str, payload: Any, params: dict[str, str] | None = None) -> Any:
        return await self._request("POST", path, json=payload, params=params)

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        refused: list[str] = []
        for client in self._in_turn():
            try:
                response = await client.request(method, path, **kwargs)
                response.raise_for_status()
                return response.json()
            except httpx.ConnectError as exc:  # nothing reached this server: try the next
                refused.append(f"{client.base_url}: {exc}")
            except (httpx.HTTPError, ValueError) as exc:
                raise BotUnavailable(f"{path}: {exc.__class__.__name__}: {exc}") from exc
        raise BotUnavailable(f"{path}: no Rasa server took the connection ({'; '.join(refused)})")
