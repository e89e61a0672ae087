"""Every channel goes through the one turn pipeline (api/turns.py), and each gets its
own wording: Rasa picks the channel's response variant, the renderer makes it fit
(real Rasa and action server; the WeChat and voice adapters call handle_turn the same way)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from api.rasa_client import RasaClient
from api.render import render_voice, render_wechat
from api.turns import Inbound, TurnResult, handle_turn
from scripts.stack import Stack, settings_env
from services.settings import get_settings

pytestmark = pytest.mark.conversation


@pytest.fixture
def pipeline(stack: Stack, monkeypatch) -> Iterator[RasaClient]:
    """handle_turn in this process, with the stack's settings (its database, Rasa and action server)."""
    for name, value in settings_env(stack.settings).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield RasaClient(stack.settings.rasa_url, 60, stack.settings.rasa_token)
    get_settings.cache_clear()


async def turn(rasa: RasaClient, channel: str, user: str, text: str) -> TurnResult:
    return await handle_turn(Inbound(channel, user, text), rasa)


async def test_voice_and_wechat_get_their_own_variant_of_a_prompt(pipeline: RasaClient) -> None:
    voice = await turn(pipeline, "voice", f"call-{uuid.uuid4().hex}", "我想查一下电费")
    wechat = await turn(pipeline, "wechat", f"openid-{uuid.uuid4().hex}", "我想查一下电费")
    web = await turn(pipeline, "web", f"web-{uuid.uuid4().hex}", "我想查一下电费")
    assert "按键输入" in render_voice(voice.messages)
    assert "请回复您的10位户号" in render_wechat(wechat.messages)
    assert "请告诉我您的10位户号" in web.messages[-1].text
    assert len({voice.conversation_id, wechat.conversation_id, web.conversation_id}) == 3


async def test_on_wechat_a_number_picks_the_numbered_choice(pipeline: RasaClient) -> None:
    user = f"openid-{uuid.uuid4().hex}"
    greeting = render_wechat((await turn(pipeline, "wechat", user, "你好")).messages)
    choices = [line for line in greeting.splitlines() if line.startswith("回复")]
    second = next(line for line in choices if line.startswith("回复2："))
    assert second == "回复2：交电费", greeting
    reply = render_wechat((await turn(pipeline, "wechat", user, "2")).messages)
    assert "请回复您的10位户号" in reply  # the top-up form (payload /top_up) asks for the 户号
    # On the web a bare "2" is just text: no choice is taken for the customer.
    web_user = f"web-{uuid.uuid4().hex}"
    await turn(pipeline, "web", web_user, "你好")
    web_reply = "\n".join(m.text for m in (await turn(pipeline, "web", web_user, "2")).messages)
    assert "请告诉我您的10位户号" not in web_reply
