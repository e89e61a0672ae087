"""The outbox's WeChat sender: WeChat's customer-service message API (客服消息).

Late bot replies and agents' messages reach a WeChat user through
``POST {api_base}/cgi-bin/message/custom/send?access_token=…``, with an access token
from ``GET {api_base}/cgi-bin/token`` cached until shortly before it expires.  WeChat
accepts these only within 48 hours of the user's last message (error 45015 after),
so a message for a user who has not written for longer is marked expired, not
retried; an invalid or expired token (40001, 40014, 42001) is refreshed once.
(``../shared/reference/channels-notes.md``.)
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime

import httpx
from starlette.concurrency import run_in_threadpool

from api import wording
from api.delivery import RecordingSender, Sender, Undeliverable
from api.render import render_wechat
from api.schemas import BotMessage, Button
from services import clock
from services.outbox.store import Outgoing
from services.settings import Settings
from services.wechat import store as pushes

log = logging.getLogger("powerdesk.wechat.sender")

WINDOW = pushes.CUSTOMER_SERVICE_WINDOW
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential, invalid token, token expired
# Refusals that retrying cannot change: the message is marked expired with the reason.
REFUSALS = {
    45015: "outside the 48-hour window, or the user unfollowed",
    43004: "the user does not follow the account",
    40003: "not an OpenID of this account",
}
TOKEN_MARGIN_S = 300  # fetch a new token this long before the old one expires


class WeChatApiError(RuntimeError):
    """WeChat's API failed or answered an error: the outbox retries later."""


def outgoing_text(message: Outgoing) -> str:
    """The message as WeChat shows it: choices numbered, an agent's name in front."""
    buttons = [Button(**b) for b in message.buttons or []] or None
    text = render_wechat([BotMessage(text=message.text, buttons=buttons)])
    if message.kind == "agent" and message.author:
        return wording.WECHAT_AGENT_REPLY.format(author=message.author, text=text)
    return text


class WeChatSender:
    def __init__(self, app_id: str, app_secret: str, api_base: str, timeout_s: float = 10.0,
                 last_push_at: Callable[[str], datetime | None] = pushes.last_push_at):
        self._app_id, self._app_secret = app_id, app_secret
        self._api_base = api_base.rstrip("/")
        self._timeout_s = timeout_s
        self._last_push_at = last_push_at
        self._token: str | None = None
        self._token_good_until = 0.0  # time.monotonic()
        self._token_lock = asyncio.Lock()

    async def deliver(self, message: Outgoing) -> bool:
        last = await run_in_threadpool(self._last_push_at, message.channel_user_id)
        if last is None or clock.utcnow() - last > WINDOW:
            raise Undeliverable("outside WeChat's 48-hour customer-service window: the user last wrote "
                                + (f"at {last.isoformat(timespec='seconds')}" if last else "never"))
        payload = {"touser": message.channel_user_id, "msgtype": "text", "text": {"content": outgoing_text(message)}}
        async with httpx.AsyncClient(timeout=self._timeout_s) as client:
            result = await self._send(client, payload)
            if result.get("errcode") in TOKEN_ERRORS:
                log.info("wechat access token refused (errcode %s): fetching a new one", result.get("errcode"))
                self._token = None
                result = await self._send(client, payload)
        errcode = result.get("errcode", 0)
        if errcode == 0:
            return True
        if errcode in REFUSALS:
            raise Undeliverable(f"WeChat refused it: errcode {errcode} ({REFUSALS[errcode]})")
        raise WeChatApiError(f"WeChat errcode {errcode}: {str(result.get('errmsg', ''))[:80]}")

    async def _send(self, client: httpx.AsyncClient, payload: dict) -> dict:
        token = await self._access_token(client)
        return await self._call(client, "POST", "/cgi-bin/message/custom/send", {"access_token": token},
                                json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    async def _access_token(self, client: httpx.AsyncClient) -> str:
        async with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_good_until:
                result = await self._call(client, "GET", "/cgi-bin/token", {
                    "grant_type": "client_credential", "appid": self._app_id, "secret": self._app_secret})
                if not result.get("access_token"):
                    raise WeChatApiError(f"no access token: errcode {result.get('errcode')}")
                lifetime = float(result.get("expires_in", 7200))
                self._token = result["access_token"]
                self._token_good_until = time.monotonic() + max(lifetime - TOKEN_MARGIN_S, lifetime / 2)
            return self._token

    async def _call(self, client: httpx.AsyncClient, method: str, path: str, params: dict, body: bytes | None = None) -> dict:
        """One API call; errors name the path only (the URL carries the secret or the token)."""
        try:
            response = await client.request(method, f"{self._api_base}{path}", params=params, content=body,
                                            headers={"Content-Type": "application/json; charset=utf-8"} if body else None)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise WeChatApiError(f"{path} failed: {type(exc).__name__}") from None


def wechat_sender(settings: Settings) -> Sender:
    """The real sender when the account's AppID and secret are configured; otherwise
    one that records what it would have sent."""
    if settings.wechat_app_id and settings.wechat_app_secret:
        return WeChatSender(settings.wechat_app_id, settings.wechat_app_secret, settings.wechat_api_base)
    return RecordingSender()
