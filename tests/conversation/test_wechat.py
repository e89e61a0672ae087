"""The WeChat Official Account endpoint through the real stack (gateway, Rasa, action
server, services): WeChat's side is played by signed pushes from this test, and its
customer-service API by a recording fake on 127.0.0.1 (tests/fake_wechat.py).

A second gateway process on the same database ("the slow gateway") answers with a
reply deadline of 10 ms, so every reply it produces is late: it shows the async path
(``success`` at once, the reply through the outbox), and with the stack's own gateway
it shows that de-duplication holds across processes.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import select

from api import wording
from api.wechat.crypto import MessageCrypto, signature
from api.wechat.messages import parse_xml
from scripts.stack import APP_PYTHON, Stack, settings_env
from services import clock
from services.conversations import store as conversations
from services.conversations.models import Conversation
from services.db import session_scope
from services.outbox.models import OutboxMessage
from services.settings import REPO_ROOT, Settings
from services.wechat import store as pushes
from tests.fake_wechat import FakeWeChatApi
from tests.postgres import free_port
from tests.unit.test_wechat_messages import BILLION_LAUGHS

pytestmark = pytest.mark.conversation
ACCOUNT = "gh_powerdesk_test"
# The bill and top-up forms' first question, in every channel's variant (which variant
# WeChat gets is tests/conversation/test_channels.py's business).
ASKS_FOR_ACCOUNT = "10位户号"


@pytest.fixture(scope="module")
def wechat_api(stack: Stack) -> Iterator[FakeWeChatApi]:
    s = stack.settings
    with FakeWeChatApi(s.wechat_app_id, s.wechat_app_secret, port=urlparse(s.wechat_api_base).port) as fake:
        yield fake


@pytest.fixture(scope="module")
def slow_gateway(stack: Stack, wechat_api: FakeWeChatApi) -> Iterator[str]:
    """A second gateway process on the stack's database and Rasa, reply deadline 10 ms."""
    settings = stack.settings.model_copy(update={"gateway_port": free_port(), "wechat_reply_deadline_s": 0.01})
    url = f"http://127.0.0.1:{settings.gateway_port}"
    with open(settings.var_dir / "logs" / "gateway-slow.log", "ab") as log:
        process = subprocess.Popen(
            [str(APP_PYTHON), "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(settings.gateway_port)],
            cwd=REPO_ROOT, env={**os.environ, **settings_env(settings)}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, "the second gateway exited; see gateway-slow.log"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the second gateway did not come up"
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


class WeChat:
    """WeChat's servers pushing one user's messages to a gateway, signed with the
    account's token; in safe mode encrypted with its EncodingAESKey."""

    def __init__(self, settings: Settings, base_url: str, open_id: str | None = None):
        self.settings = settings
        self.open_id = open_id or f"o{uuid.uuid4().hex[:27]}"
        self.client = httpx.Client(base_url=base_url, timeout=30)
        self.crypto = MessageCrypto(settings.wechat_encoding_aes_key, settings.wechat_app_id)

    def xml(self, msg_type: str, fields: str, create_time: int | None = None) -> str:
        """A push; messages get a fresh 64-bit MsgId, events none (as WeChat sends them)."""
        msg_id = str(uuid.uuid4().int >> 65) if msg_type != "event" else None
        return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{self.open_id}]]></FromUserName>"
                f"<CreateTime>{create_time or int(clock.utcnow().timestamp())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
                f"{fields}{f'<MsgId>{msg_id}</MsgId>' if msg_id else ''}</xml>")

    def text_xml(self, text: str) -> str:
        return self.xml("text", f"<Content><![CDATA[{text}]]></Content>")

    def event_xml(self, event: str, key: str | None = None) -> str:
        return self.xml("event", f"<Event><![CDATA[{event}]]></Event>"
                                 + (f"<EventKey><![CDATA[{key}]]></EventKey>" if key else ""))

    def push(self, body: str | bytes, safe: bool = False, sign: bool = True, client: httpx.Client | None = None,
             age_s: int = 0) -> httpx.Response:
        timestamp, nonce = str(int(clock.utcnow().timestamp()) - age_s), uuid.uuid4().hex[:10]
        params = {"timestamp": timestamp, "nonce": nonce, "openid": self.open_id}
        if safe:
            encrypted = self.crypto.encrypt(body if isinstance(body, str) else body.decode())
            params |= {"encrypt_type": "aes",
                       "msg_signature": signature(self.settings.wechat_token, timestamp, nonce, encrypted) if sign else "0" * 40}
            body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        params["signature"] = signature(self.settings.wechat_token, timestamp, nonce) if sign else "0" * 40
        return (client or self.client).post("/wechat", params=params, content=body,
                                            headers={"Content-Type": "text/xml"})

    def say(self, text: str, **kwargs) -> str:
        """The passive reply's Content (fails on anything else)."""
        return self.content(self.push(self.text_xml(text), **kwargs))

    def content(self, response: httpx.Response) -> str:
        assert response.status_code == 200, response.text
        assert response.text != "success", "no passive reply"
        reply = parse_xml(response.content)
        assert (reply.findtext("ToUserName"), reply.findtext("FromUserName"), reply.findtext("MsgType")) == (
            self.open_id, ACCOUNT, "text")
        return reply.findtext("Content")

    def conversation_id(self) -> str | None:
        return conversations.current_conversation_id("wechat", self.open_id)

    def stored(self, direction: str = "user") -> list[str]:
        return [m.text for m in conversations.history(self.conversation_id()) if m.direction == direction]


@pytest.fixture
def wechat(stack: Stack, gateway_url: str, stack_db: None) -> WeChat:
    return WeChat(stack.settings, gateway_url)


def test_the_server_check_answers_echostr_only_when_signed_with_the_token(wechat: WeChat) -> None:
    token = wechat.settings.wechat_token
    good = {"signature": signature(token, "1764720000", "n1"), "timestamp": "1764720000", "nonce": "n1", "echostr": "e-123"}
    response = wechat.client.get("/wechat", params=good)
    assert (response.status_code, response.text) == (200, "e-123")
    for bad in ({**good, "signature": signature("wrong-token", "1764720000", "n1")}, {**good, "nonce": "n2"},
                {k: v for k, v in good.items() if k != "signature"}):
        refused = wechat.client.get("/wechat", params=bad)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "invalid_signature" and refused.json()["error"]["message_zh"]


def test_a_push_with_a_bad_signature_is_refused_and_nothing_is_stored(wechat: WeChat) -> None:
    for safe in (False, True):
        response = wechat.push(wechat.text_xml("我想查电费"), safe=safe, sign=False)
        assert response.status_code == 403 and response.json()["error"]["code"] == "invalid_signature"
    assert wechat.conversation_id() is None


def test_a_replayed_push_with_an_old_signed_timestamp_is_refused(wechat: WeChat) -> None:
    for safe in (False, True):
        response = wechat.push(wechat.text_xml("我想查电费"), safe=safe, age_s=600)  # signed, 10 minutes ago
        assert response.status_code == 403 and response.json()["error"]["code"] == "stale_timestamp"
    assert wechat.conversation_id() is None
    assert ASKS_FOR_ACCOUNT in wechat.say("我想查电费")  # a fresh one is answered


def test_plain_mode_a_text_gets_the_bots_reply_as_wechat_xml(wechat: WeChat) -> None:
    reply = wechat.say("我想查一下电费")
    assert ASKS_FOR_ACCOUNT in reply  # the bill form's first question
    assert wechat.stored() == ["我想查一下电费"]


def test_safe_mode_round_trip_encrypted_both_ways(wechat: WeChat) -> None:
    response = wechat.push(wechat.text_xml("我想查一下电费"), safe=True)
    assert response.status_code == 200
    envelope = parse_xml(response.content)
    encrypted, timestamp, nonce = (envelope.findtext(k) for k in ("Encrypt", "TimeStamp", "Nonce"))
    assert envelope.findtext("MsgSignature") == signature(wechat.settings.wechat_token, timestamp, nonce, encrypted)
    reply = parse_xml(wechat.crypto.decrypt(encrypted))
    assert reply.findtext("ToUserName") == wechat.open_id and ASKS_FOR_ACCOUNT in reply.findtext("Content")
    assert "电费" not in response.text  # nothing in the clear


def test_safe_mode_refuses_a_payload_for_another_account(wechat: WeChat) -> None:
    other = WeChat(wechat.settings.model_copy(update={"wechat_app_id": "wxffffffffffffffff"}), str(wechat.client.base_url))
    response = other.push(other.text_xml("我想查电费"), safe=True)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_message"


@pytest.mark.parametrize("body", [b"<xml><ToUserName>", b"{\"text\": \"json\"}", BILLION_LAUGHS.encode(),
                                  b"<xml><MsgType>text</MsgType></xml>"])
def test_malformed_xml_or_an_entity_bomb_is_a_400_not_a_crash(wechat: WeChat, body: bytes) -> None:
    for safe in (False, True):
        response = wechat.push(body, safe=safe)  # correctly signed, so only the body is wrong
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_message"
    assert wechat.client.get("/healthz").status_code == 200  # the gateway is fine


def test_a_body_larger_than_any_wechat_message_is_refused(wechat: WeChat) -> None:
    response = wechat.push(wechat.text_xml("电" * 40_000))
    # The gateway's request limit (api/request_limits.py) answers before the endpoint reads it.
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"


def test_the_same_msgid_three_times_is_one_turn_and_one_reply(wechat: WeChat, wechat_api: FakeWeChatApi) -> None:
    body = wechat.text_xml("我想查一下电费")
    replies = [wechat.content(wechat.push(body)) for _ in range(3)]
    assert len(set(replies)) == 1 and ASKS_FOR_ACCOUNT in replies[0]
    assert wechat.stored() == ["我想查一下电费"]  # one inbound message, one turn
    assert len(wechat.stored("bot")) == 1
    assert wechat_api.sent_to(wechat.open_id) == []  # nothing sent twice through the API either


def wait_until_claimed(key: str, timeout_s: float = 10) -> None:
    """The first delivery of the push has claimed it and its answer is not decided yet."""
    deadline = time.monotonic() + timeout_s
    while (outcome := pushes.outcome(key)) is None:
        assert time.monotonic() < deadline, "the first delivery was never claimed"
        time.sleep(0.005)
    assert outcome.delivery is None, "the turn finished before the retry could be sent"


def test_a_retry_that_arrives_mid_turn_gets_the_same_reply(wechat: WeChat) -> None:
    wechat.say("你好")
    body = wechat.text_xml("帮我查一下电费")
    key = parse_xml(body).findtext("MsgId")
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(wechat.push, body, client=httpx.Client(base_url=wechat.client.base_url, timeout=30))
        wait_until_claimed(key)
        retry = wechat.push(body)  # while the first is still in Rasa
        assert wechat.content(first.result()) == wechat.content(retry)
    assert wechat.stored() == ["你好", "帮我查一下电费"]


def outbox_rows(open_id: str) -> list[tuple[str, str]]:
    """(kind, status) of the outbox rows for one WeChat user, oldest first."""
    with session_scope() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel_user_id == open_id)
                               .order_by(OutboxMessage.id)).all()
        return [(r.kind, r.status) for r in rows]


def test_a_late_reply_is_success_at_once_then_arrives_through_the_outbox(stack: Stack, slow_gateway: str,
                                                                       wechat_api: FakeWeChatApi, stack_db: None) -> None:
    user = WeChat(stack.settings, slow_gateway)
    body = user.text_xml("我想查一下电费")
    response = user.push(body)
    assert (response.status_code, response.text) == (200, "success")
    deadline = time.monotonic() + 60
    while not wechat_api.sent_to(user.open_id):
        assert time.monotonic() < deadline, "the late reply never reached WeChat's API"
        time.sleep(0.1)
    [sent] = wechat_api.sent_to(user.open_id)
    assert sent.msgtype == "text" and ASKS_FOR_ACCOUNT in sent.content
    assert sent.content == "\n".join(user.stored("bot"))
    # The row is marked sent once WeChat's API has answered: a moment after it received it.
    while (rows := outbox_rows(user.open_id)) != [("bot", "sent")]:
        assert time.monotonic() < deadline, rows
        time.sleep(0.1)
    # WeChat retrying it now (to either gateway) starts nothing and sends nothing more.
    assert user.push(body).text == "success"
    assert WeChat(stack.settings, f"http://127.0.0.1:{stack.settings.gateway_port}", user.open_id).push(body).text == "success"
    time.sleep(1.0)
    assert len(wechat_api.sent_to(user.open_id)) == 1 and user.stored() == ["我想查一下电费"]


@contextmanager
def action_server_paused(stack: Stack) -> Iterator[None]:
    """The action server frozen (SIGSTOP to its process group) for a moment: a turn then
    waits at the gateway's action-server check, so the test acts while it is surely in
    flight instead of racing a turn that takes some 50 ms."""
    group = next(p for p in stack.processes if p.name == "actions").popen.pid  # its own session
    os.killpg(group, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(group, signal.SIGCONT)


def test_a_retry_on_another_gateway_process_starts_no_second_turn(wechat: WeChat, slow_gateway: str,
                                                                   stack: Stack) -> None:
    wechat.say("你好")
    body = wechat.text_xml("帮我查一下电费")
    key = parse_xml(body).findtext("MsgId")
    other_process = WeChat(wechat.settings, slow_gateway, wechat.open_id)
    with ThreadPoolExecutor(max_workers=1) as pool:
        with action_server_paused(stack):  # the first turn waits at the gateway's action-server check
            first = pool.submit(wechat.push, body, client=httpx.Client(base_url=wechat.client.base_url, timeout=30))
            wait_until_claimed(key)
            retry = other_process.push(body)  # not ready within its 10 ms: "success", and no turn of its own
        assert retry.text == "success"
        assert "户号" in wechat.content(first.result())  # the first process still answers in time
    assert wechat.stored() == ["你好", "帮我查一下电费"]
    assert pushes.outcome(key).delivery == pushes.PASSIVE


def test_a_message_for_a_user_outside_the_48_hour_window_expires(stack: Stack, slow_gateway: str,
                                                                  wechat_api: FakeWeChatApi, stack_db: None) -> None:
    from services.outbox import store as outbox

    open_id = f"o{uuid.uuid4().hex[:27]}"  # never wrote to the account
    conversation = conversations.open_conversation("wechat", open_id)
    message_id = outbox.enqueue(conversation.id, "您的报修工单已处理完毕。", "notice")
    deadline = time.monotonic() + 30
    while True:
        with session_scope() as session:
            row = session.get(OutboxMessage, message_id)
            status, reason = row.status, row.last_error
        if status != "pending":
            break
        assert time.monotonic() < deadline, "never settled"
        time.sleep(0.2)
    assert status == "expired" and "48-hour" in reason
    assert wechat_api.sent_to(open_id) == []


def test_following_gets_the_welcome_and_unfollowing_closes_the_conversation(wechat: WeChat) -> None:
    assert wechat.content(wechat.push(wechat.event_xml("subscribe"))) == wording.WECHAT_WELCOME
    wechat.say("你好")
    conversation_id = wechat.conversation_id()
    time.sleep(1.1)  # events are told apart by user and second (CreateTime)
    response = wechat.push(wechat.event_xml("unsubscribe"))
    assert (response.status_code, response.text) == (200, "success")
    assert wechat.conversation_id() is None
    with session_scope() as session:
        closed = session.get(Conversation, conversation_id)
        assert (closed.state, closed.end_reason) == ("closed", "unsubscribed")


def test_a_menu_click_is_the_matching_request(wechat: WeChat) -> None:
    reply = wechat.content(wechat.push(wechat.event_xml("CLICK", "TOP_UP")))
    assert "户号" in reply
    assert wechat.stored() == ["交电费"]  # the menu item's label is what the customer said
    time.sleep(1.1)
    assert wechat.content(wechat.push(wechat.event_xml("CLICK", "NO_SUCH_ITEM"))) == wording.WECHAT_UNSUPPORTED


def test_images_and_other_media_get_a_polite_note_voice_is_read_as_text(wechat: WeChat) -> None:
    image = wechat.xml("image", "<PicUrl><![CDATA[http://example.invalid/a.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>")
    assert wechat.content(wechat.push(image)) == wording.WECHAT_UNSUPPORTED
    location = wechat.xml("location", "<Location_X>30.27</Location_X><Location_Y>120.15</Location_Y><Scale>15</Scale>")
    assert wechat.content(wechat.push(location)) == wording.WECHAT_UNSUPPORTED
    unheard = wechat.xml("voice", "<MediaId><![CDATA[m2]]></MediaId><Format><![CDATA[amr]]></Format>")
    assert wechat.content(wechat.push(unheard)) == wording.WECHAT_VOICE_UNRECOGNIZED
    voice = wechat.xml("voice", "<MediaId><![CDATA[m3]]></MediaId><Format><![CDATA[amr]]></Format>"
                                "<Recognition><![CDATA[我想查一下电费]]></Recognition>")
    assert ASKS_FOR_ACCOUNT in wechat.content(wechat.push(voice))
    assert wechat.stored() == ["我想查一下电费"]  # only what the bot could read became a turn


def test_replying_2_picks_the_second_numbered_choice(wechat: WeChat) -> None:
    greeting = wechat.say("你好")
    assert "回复2：交电费" in greeting.splitlines()
    assert ASKS_FOR_ACCOUNT in wechat.say("2")  # the top-up form (/top_up) asks for the 户号
