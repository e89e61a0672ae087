"""The gateway's only way to the Rasa server (REST channel and HTTP API on loopback)."""
from __future__ import annotations

from typing import Any

import httpx


class BotUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer usefully."""


class RasaClient:
    def __init__(self, base_url: str, timeout_s: float):
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One customer turn through Rasa's REST channel; returns Rasa's messages."""
        payload = {"sender": sender_id, "message": text, "metadata": metadata}
        return await self._post_json("/webhooks/rest/webhook", payload)

    async def parse(self, text: str) -> dict[str, Any]:
        return await self._post_json("/model/parse", {"text": text})

    async def is_ready(self) -> bool:
        """Up and with a model loaded."""
        try:
            response = await self._client.get("/status")
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def _post_json(self, path: str, payload: dict[str, Any]) -> Any:
        try:
            response = await self._client.post(path, json=payload)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise BotUnavailable(f"{path}: {exc.__class__.__name__}: {exc}") from exc
