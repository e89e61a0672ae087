"""The gateway's only way to the Rasa server (REST channel and HTTP API on loopback).

Rasa runs with ``--auth-token``: its HTTP API (status, parse, tracker events) answers
only requests carrying the token as the ``token`` query parameter, which this client
adds to those calls (not to the REST channel's webhook, which does not take it).
"""
from __future__ import annotations

import time
from typing import Any

import httpx


class BotUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer usefully."""


class RasaClient:
    def __init__(self, base_url: str, timeout_s: float, token: str):
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)
        self._auth = {"token": token}

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One customer turn through Rasa's REST channel; returns Rasa's messages."""
        payload = {"sender": sender_id, "message": text, "metadata": metadata}
        return await self._post_json("/webhooks/rest/webhook", payload)

    async def parse(self, text: str) -> dict[str, Any]:
        return await self._post_json("/model/parse", {"text": text}, self._auth)

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Add events to a conversation's tracker (e.g. forget a stale verification)."""
        await self._post_json(f"/conversations/{sender_id}/tracker/events", events, self._auth)

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        """The conversation's tracker (events, slots, latest message): GET /conversations/{id}/tracker."""
        try:
            response = await self._client.get(f"/conversations/{sender_id}/tracker", params=self._auth)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise BotUnavailable(f"tracker: {exc.__class__.__name__}: {exc}") from exc

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

    async def set_channel(self, sender_id: str, channel: str) -> None:
        """Set the ``channel`` slot of a new conversation (it picks the responses' channel
        variants).  Sent twice: the first call also starts Rasa's session, and its event,
        stamped before that start, is not read back (the SQL tracker store loads a
        tracker from its last session start on); the second one stays."""
        event = {"event": "slot", "name": "channel", "value": channel}
        await self.append_events(sender_id, [event])
        await self.append_events(sender_id, [event])

    async def is_ready(self) -> bool:
        """Up and with a model loaded."""
        try:
            response = await self._client.get("/status", params=self._auth)
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def _post_json(self, path: str, payload: Any, params: dict[str, str] | None = None) -> Any:
        try:
            response = await self._client.post(path, json=payload, params=params)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise BotUnavailable(f"{path}: {exc.__class__.__name__}: {exc}") from exc
