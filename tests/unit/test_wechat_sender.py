"""The customer-service message sender against a recording fake of WeChat's API on
127.0.0.1: the token fetched once and cached, refreshed once when WeChat says it is
stale, the 48-hour window respected, refusals marked for good, failures retried."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from api.delivery import Undeliverable
from api.wechat.sender import WeChatApiError, WeChatSender
from services import clock
from services.outbox.store import Outgoing
from tests.fake_wechat import FakeWeChatApi
from tests.postgres import free_port

APP_ID, SECRET = "wx0123456789abcdef", "test-secret"


@pytest.fixture
def api() -> Iterator[FakeWeChatApi]:
    with FakeWeChatApi(APP_ID, SECRET) as fake:
        yield fake


def message(text: str = "您的电费已查到。", open_id: str = "oUser1", kind: str = "bot", author: str | None = None,
            buttons: list[dict] | None = None) -> Outgoing:
    return Outgoing(1, "c1", "wechat", open_id, kind, author, text, buttons, "pending", 0)


def sender_for(api_base: str, last_write: datetime | None = None) -> WeChatSender:
    last = last_write or clock.utcnow() - timedelta(minutes=5)
    return WeChatSender(APP_ID, SECRET, api_base, timeout_s=5, last_push_at=lambda _open_id: last)


async def test_a_message_is_sent_with_a_cached_token_and_numbered_choices(api: FakeWeChatApi) -> None:
    sender = sender_for(api.base_url)
    choices = [{"title": "交电费", "payload": "/top_up"}, {"title": "转人工", "payload": "/request_human"}]
    assert await sender.deliver(message("还需要什么帮助？", buttons=choices))
    assert await sender.deliver(message("第二条", open_id="oUser2"))
    assert [(m.touser, m.content) for m in api.sent] == [
        ("oUser1", "还需要什么帮助？\n回复1：交电费\n回复2：转人工"), ("oUser2", "第二条")]
    assert api.token_requests == 1


async def test_an_agents_message_names_the_agent(api: FakeWeChatApi) -> None:
    assert await sender_for(api.base_url).deliver(message("我来帮您看看。", kind="agent", author="小王"))
    assert api.sent[0].content == "【客服小王】我来帮您看看。"


async def test_a_stale_token_is_refreshed_once(api: FakeWeChatApi) -> None:
    sender = sender_for(api.base_url)
    assert await sender.deliver(message("一"))
    api.expire_token()  # WeChat answers 42001 to the cached token
    assert await sender.deliver(message("二"))
    assert [m.access_token for m in api.sent] == ["token-1", "token-2"] and api.token_requests == 2
    api.refuse_next(40001, 40001)  # refused again after the refresh: no loop, a retryable failure
    with pytest.raises(WeChatApiError, match="40001"):
        await sender.deliver(message("三"))
    assert api.token_requests == 3 and len(api.sent) == 2


async def test_outside_the_48_hour_window_nothing_is_sent(api: FakeWeChatApi) -> None:
    stale = sender_for(api.base_url, last_write=clock.utcnow() - timedelta(hours=48, minutes=1))
    with pytest.raises(Undeliverable, match="48-hour"):
        await stale.deliver(message())
    never = WeChatSender(APP_ID, SECRET, api.base_url, last_push_at=lambda _open_id: None)
    with pytest.raises(Undeliverable, match="never"):
        await never.deliver(message())
    assert api.sent == [] and api.token_requests == 0
    assert await sender_for(api.base_url, last_write=clock.utcnow() - timedelta(hours=47)).deliver(message())


async def test_wechats_refusals_are_final_and_its_failures_are_retried(api: FakeWeChatApi) -> None:
    sender = sender_for(api.base_url)
    api.refuse_next(45015)
    with pytest.raises(Undeliverable, match="45015"):
        await sender.deliver(message())
    api.refuse_next(-1)  # system busy
    with pytest.raises(WeChatApiError):
        await sender.deliver(message())
    assert api.sent == []


async def test_an_unreachable_api_is_a_retryable_failure_that_leaks_no_secret() -> None:
    sender = sender_for(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(WeChatApiError) as failure:
        await sender.deliver(message())
    assert SECRET not in str(failure.value) and "cgi-bin/token" in str(failure.value)
