"""The customer's chat page (/chat) in a real browser (Debian's Chromium) against the
real stack: Rasa, the action server, the services and the gateway.

What a customer does: a bill lookup by typing and clicking the bot's buttons, a
reload in the middle of the form, a network drop, an agent's message pushed while the
page is open, the satisfaction stars, a Chinese input method, the page embedded on
another site.  Everything anyone writes must appear as text, once.
Screenshots of what a person would see go to reports/screenshots/.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from api import wording
from scripts.stack import Stack
from services.outbox import store as outbox
from services.settings import get_settings

pytestmark = pytest.mark.conversation

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
BOT_TIMEOUT_MS = 60_000  # a turn on this loaded machine can take seconds
ASKS_ACCOUNT = "10位户号"
ASKS_LAST4 = "后4位"
BILL = "户号330****001"


class ChatPage:
    """The widget as a customer uses it."""

    def __init__(self, page: Page):
        self.page = page
        self.user = page.locator(".row.user .bubble")
        self.bot = page.locator(".row.bot .bubble")
        self.agent = page.locator(".row.agent")
        self.notices = page.locator(".notice span")
        self.replies = page.locator("#replies .reply")

    def open(self, base_url: str, query: str = "") -> ChatPage:
        self.page.goto(f"{base_url}/chat{query}")
        self.wait_connected()
        return self

    def wait_connected(self) -> None:
        """The socket is open: the page says nothing about the connection any more."""
        expect(self.page.locator("#status")).to_be_hidden(timeout=BOT_TIMEOUT_MS)

    def type(self, text: str) -> None:
        self.page.locator("#input").fill(text)
        self.page.locator("#input").press("Enter")

    def click_reply(self, title: str) -> None:
        self.replies.filter(has_text=re.compile(f"^{re.escape(title)}$")).click()

    def wait_bot(self, says: str) -> None:
        expect(self.bot.filter(has_text=says).last).to_be_visible(timeout=BOT_TIMEOUT_MS)

    def settled(self) -> None:
        """No message is on its way: none marked as sending, no typing indicator."""
        expect(self.page.locator(".row.sending")).to_have_count(0, timeout=BOT_TIMEOUT_MS)
        expect(self.page.locator("#typing")).to_have_count(0, timeout=BOT_TIMEOUT_MS)

    def user_texts(self) -> list[str]:
        return self.user.all_inner_texts()

    def record(self) -> dict:
        """The server's record of this page's conversation (the page's own cookie)."""
        response = self.page.request.get(self.page.url.split("/chat")[0] + "/api/v1/conversation")
        assert response.ok, response.text()
        return response.json()


@pytest.fixture
def base_url(gateway_url: str) -> str:
    return gateway_url


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN", has_touch=True)
    yield context
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    yield context
    context.close()


@pytest.fixture
def stack_database(stack: Stack, monkeypatch) -> str:
    """This process's services.* functions on the stack's database (to enqueue as an agent would)."""
    monkeypatch.setenv("POWERDESK_DATABASE_URL", stack.settings.database_url)
    get_settings.cache_clear()
    yield stack.settings.database_url
    get_settings.cache_clear()


def bill_lookup_until_last4(chat: ChatPage) -> None:
    chat.type("你好")
    chat.wait_bot("小电")
    chat.click_reply("查电费")  # the greeting's button: payload /query_bill
    chat.wait_bot(ASKS_ACCOUNT)
    chat.type("3300000001")
    chat.wait_bot(ASKS_LAST4)


def test_a_bill_lookup_by_typing_and_clicking_buttons(phone: BrowserContext, base_url: str,
                                                     screenshot_dir: Path) -> None:
    chat = ChatPage(phone.new_page()).open(base_url)
    bill_lookup_until_last4(chat)
    chat.type("5678")
    chat.wait_bot(BILL)
    chat.settled()
    assert chat.user_texts() == ["你好", "查电费", "3300000001", "5678"]
    # The button's title is what was stored; the bot read its payload.
    assert [m["text"] for m in chat.record()["messages"] if m["direction"] == "user"] == chat.user_texts()
    assert chat.bot.filter(has_text=BILL).count() == 1
    chat.page.screenshot(path=screenshot_dir / "chat-360.png")


def test_the_page_s_own_texts_are_the_gateway_s_wording(desktop: BrowserContext, base_url: str) -> None:
    """Nothing the page says by itself is written in its files: api/wording.py WIDGET."""
    texts = wording.WIDGET
    chat = ChatPage(desktop.new_page()).open(base_url)
    expect(chat.page).to_have_title(texts["pageTitle"])
    expect(chat.page.locator(".bar-title")).to_have_text(texts["barTitle"])
    expect(chat.page.locator("#mode")).to_have_text(texts["modeBot"])
    expect(chat.page.locator("#input")).to_have_attribute("placeholder", texts["placeholder"])
    expect(chat.page.locator("#send")).to_have_text(texts["send"])
    expect(chat.notices.first).to_have_text(texts["welcome"])
    assert chat.replies.all_inner_texts() == texts["starters"]
    assert "{{" not in chat.page.content()  # every placeholder filled


def test_a_reload_mid_form_shows_the_conversation_again_and_the_form_continues(
        desktop: BrowserContext, base_url: str, screenshot_dir: Path) -> None:
    chat = ChatPage(desktop.new_page()).open(base_url)
    bill_lookup_until_last4(chat)
    chat.settled()
    before = chat.page.locator("#messages").inner_text()

    chat.page.reload()
    chat.wait_connected()
    chat.settled()
    assert chat.page.locator("#messages").inner_text() == before  # each message once, in order
    assert chat.user_texts() == ["你好", "查电费", "3300000001"]

    chat.type("5678")
    chat.wait_bot(BILL)
    chat.settled()
    assert chat.user_texts() == ["你好", "查电费", "3300000001", "5678"]
    chat.page.screenshot(path=screenshot_dir / "chat-1280.png")


def test_without_its_session_cookie_the_page_starts_a_new_session(phone: BrowserContext, base_url: str) -> None:
    chat = ChatPage(phone.new_page()).open(base_url)
    chat.type("查电费")
    chat.wait_bot(ASKS_ACCOUNT)
    first = chat.record()["conversation_id"]
    phone.clear_cookies()  # the cookie expired or was deleted
    chat.page.reload()
    chat.wait_connected()
    assert chat.user_texts() == []  # a new customer session: nothing of the old one shows
    chat.type("查电费")
    chat.wait_bot(ASKS_ACCOUNT)
    assert chat.record()["conversation_id"] != first


def test_a_network_drop_reconnects_and_loses_or_repeats_nothing(
        phone: BrowserContext, base_url: str, stack_database: str) -> None:
    chat = ChatPage(phone.new_page()).open(base_url)
    chat.type("查电费")
    chat.wait_bot(ASKS_ACCOUNT)
    chat.settled()
    conversation_id = chat.record()["conversation_id"]

    phone.set_offline(True)
    expect(chat.page.locator("#status")).to_contain_text("网络", timeout=10_000)
    chat.type("3300000001")  # typed while offline: waits on the page
    expect(chat.page.locator(".row.sending")).to_have_count(1)
    notice = "您的停电报修已受理，抢修人员正在赶往现场。"
    outbox.enqueue(conversation_id, notice, "notice")  # pushed while the customer is away
    phone.set_offline(False)

    chat.wait_bot(ASKS_LAST4)
    chat.wait_connected()
    chat.settled()
    expect(chat.notices.filter(has_text=notice)).to_have_count(1, timeout=30_000)
    record = chat.record()
    assert [m["text"] for m in record["messages"] if m["direction"] == "user"] == ["查电费", "3300000001"]
    assert chat.user_texts() == ["查电费", "3300000001"]
    assert chat.bot.filter(has_text=ASKS_LAST4).count() == 1


def test_a_socket_closed_while_the_bot_answers_shows_the_answer_once_after_reconnecting(
        phone: BrowserContext, base_url: str) -> None:
    page = phone.new_page()
    dropped: list[str] = []

    def drop_after_a_message(route: WebSocketRoute) -> None:
        """The first socket is closed just after it carries the customer's message, before the answer."""
        server = route.connect_to_server()

        def from_page(message: str | bytes) -> None:
            server.send(message)
            if '"message"' in str(message) and not dropped:
                dropped.append(str(message))
                route.close()
                server.close()

        route.on_message(from_page)

    page.route_web_socket(re.compile(r".*/api/v1/ws.*"), drop_after_a_message)
    chat = ChatPage(page).open(base_url)
    chat.type("查电费")
    chat.wait_bot(ASKS_ACCOUNT)
    chat.settled()
    assert dropped, "the socket was not closed mid-turn"
    assert chat.user_texts() == ["查电费"]
    assert chat.bot.filter(has_text=ASKS_ACCOUNT).count() == 1
    assert [m["text"] for m in chat.record()["messages"] if m["direction"] == "user"] == ["查电费"]


def test_when_no_socket_stays_open_the_page_chats_over_http(phone: BrowserContext, base_url: str) -> None:
    page = phone.new_page()
    refused: list[str] = []

    def close_at_once(route: WebSocketRoute) -> None:
        """A proxy that lets no WebSocket through: every socket is closed as it opens."""
        refused.append(route.url)
        route.close()

    page.route_web_socket(re.compile(r".*/api/v1/ws.*"), close_at_once)
    page.goto(f"{base_url}/chat")
    chat = ChatPage(page)
    expect(chat.replies.first).to_be_visible(timeout=BOT_TIMEOUT_MS)  # the record was read over HTTP
    chat.type("查电费")
    chat.wait_bot(ASKS_ACCOUNT)
    chat.settled()
    assert len(refused) >= 3
    assert chat.user_texts() == ["查电费"]
    assert chat.bot.filter(has_text=ASKS_ACCOUNT).count() == 1
    assert [m["text"] for m in chat.record()["messages"] if m["direction"] == "user"] == ["查电费"]


def test_an_agent_message_pushed_while_connected_appears_once_as_text(
        phone: BrowserContext, base_url: str, stack_database: str, screenshot_dir: Path) -> None:
    chat = ChatPage(phone.new_page()).open(base_url)
    chat.type("你好")
    chat.wait_bot("小电")
    chat.settled()
    conversation_id = chat.record()["conversation_id"]
    html = '您好，我是客服小王。<img src=x onerror="window.__pwned=1"><b>请问</b>'
    message_id = outbox.enqueue(conversation_id, html, "agent", author="小王")

    expect(chat.agent.locator(".bubble")).to_have_text(html, timeout=30_000)
    expect(chat.agent.locator(".author")).to_have_text("人工客服 · 小王")
    expect(chat.page.locator("#mode")).to_have_text("人工客服为您服务")
    chat.page.screenshot(path=screenshot_dir / "chat-agent-360.png")
    assert chat.page.locator("#messages img[src=x], #messages b").count() == 0
    assert chat.page.evaluate("window.__pwned") is None
    chat.page.reload()  # acknowledged, and in the record: shown once after a reload too
    chat.wait_connected()
    chat.settled()
    expect(chat.agent).to_have_count(1)
    with_id = [m for m in chat.record()["messages"] if m.get("outbox_id") == message_id]
    assert len(with_id) == 1


def test_the_customer_s_html_is_shown_as_text_and_links_are_safe(phone: BrowserContext, base_url: str) -> None:
    chat = ChatPage(phone.new_page()).open(base_url)
    typed = '<b>粗体</b><script>window.__pwned=1</script> 见 https://www.95598.cn/ 和 javascript:alert(1)'
    chat.type(typed)
    chat.settled()
    bubble = chat.user.first
    expect(bubble).to_have_text(typed)
    assert bubble.locator("b, script").count() == 0
    links = bubble.locator("a")
    expect(links).to_have_count(1)
    assert links.first.get_attribute("href") == "https://www.95598.cn/"
    assert "noopener" in links.first.get_attribute("rel")
    assert chat.page.evaluate("window.__pwned") is None


def test_the_satisfaction_question_is_five_stars_and_a_tap_sends_the_digit(
        phone: BrowserContext, base_url: str, stack_database: str, screenshot_dir: Path) -> None:
    chat = ChatPage(phone.new_page()).open(base_url)
    chat.type("你好")
    chat.wait_bot("小电")
    chat.settled()
    buttons = [{"title": f"{n}分", "payload": str(n)} for n in range(1, 6)]
    outbox.enqueue(chat.record()["conversation_id"], "请问您对本次服务满意吗？请为我们打分。", "csat", buttons=buttons)
    stars = chat.page.locator(".stars .star")
    expect(stars).to_have_count(5, timeout=30_000)
    stars.nth(4).click()
    expect(chat.user.last).to_have_text("5")
    expect(chat.page.locator(".stars .star.on")).to_have_count(5)
    assert all(stars.nth(i).is_disabled() for i in range(5))
    chat.page.screenshot(path=screenshot_dir / "chat-csat-360.png")
    chat.settled()
    assert [m["text"] for m in chat.record()["messages"] if m["direction"] == "user"] == ["你好", "5"]


def test_enter_while_an_input_method_composes_does_not_send(phone: BrowserContext, base_url: str) -> None:
    chat = ChatPage(phone.new_page()).open(base_url)
    cdp = phone.new_cdp_session(chat.page)
    chat.page.locator("#input").focus()
    # What a pinyin input method does: compose "cha'dian'fei", Enter picks the candidate.
    cdp.send("Input.imeSetComposition", {"text": "cha'dian'fei", "selectionStart": 12, "selectionEnd": 12})
    chat.page.keyboard.press("Enter")
    cdp.send("Input.insertText", {"text": "查电费"})  # the candidate is committed (compositionend)
    chat.page.wait_for_timeout(300)
    assert chat.user.count() == 0
    # Nothing was sent; what the box holds is the committed word (a synthetic Enter may add a line break).
    expect(chat.page.locator("#input")).to_have_value(re.compile(r"^查电费\s*$"))
    chat.page.keyboard.press("Enter")  # now it sends
    chat.wait_bot(ASKS_ACCOUNT)
    assert chat.user_texts() == ["查电费"]


@pytest.fixture
def serve_shop(gateway_url: str) -> Iterator:
    """``serve_shop(host)``: the URL of another site's page with the embed tag
    (tests/browser/embed_host.html), served on ``host`` on a port of its own."""
    page = (Path(__file__).parent / "embed_host.html").read_text(encoding="utf-8")
    body = page.replace('src="/chat/embed.js"', f'src="{gateway_url}/chat/embed.js"').encode()
    servers: list[ThreadingHTTPServer] = []

    class ShopPage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    def serve(host: str) -> str:
        server = ThreadingHTTPServer((host, 0), ShopPage)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://{'localhost' if host == '127.0.0.1' else host}:{server.server_port}/"

    yield serve
    for server in servers:
        server.shutdown()


def test_one_script_tag_on_another_site_embeds_a_button_that_opens_the_chat(
        desktop: BrowserContext, serve_shop, screenshot_dir: Path) -> None:
    page = desktop.new_page()
    page.goto(serve_shop("127.0.0.1"))  # as localhost: a site the stack's gateway lists (tests/stack.py)
    button = page.locator("#powerdesk-chat-button")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-label", wording.WIDGET_EMBED["open"])  # the gateway's wording
    button.click()
    expect(button).to_have_attribute("aria-label", wording.WIDGET_EMBED["close"])
    frame = page.frame_locator("#powerdesk-chat-panel iframe")
    expect(frame.locator("#replies .reply").first).to_be_visible(timeout=BOT_TIMEOUT_MS)
    frame.locator("#input").fill("查电费")
    frame.locator("#input").press("Enter")
    expect(frame.locator(".row.bot .bubble").filter(has_text=ASKS_ACCOUNT)).to_be_visible(timeout=BOT_TIMEOUT_MS)
    page.screenshot(path=screenshot_dir / "chat-embed-1280.png")

    # In a frame of another site this Chromium withholds the session cookie and the
    # tab's storage: the page carried its token itself, for this page's lifetime.
    expect(frame.locator(".row.user .bubble")).to_have_text(["查电费"])

    frame.locator("#close").click()  # the frame asks the host page to close it
    expect(page.locator("#powerdesk-chat-panel")).to_be_hidden()
    page.set_viewport_size(PHONE)
    button.click()  # on a phone the chat takes the whole screen
    expect(page.locator("#powerdesk-chat-panel")).to_have_css("width", f"{PHONE['width']}px")
    page.screenshot(path=screenshot_dir / "chat-embed-360.png")


def test_in_another_sites_frame_the_widget_carries_its_token_and_nothing_is_refused(
        desktop: BrowserContext, serve_shop) -> None:
    """A utility's page embeds the chat: the SameSite=Strict cookie is not the frame's to
    use, so the page sends its token (bearer header, the socket's ?token=) from the start:
    one session, and no request that only a refusal would have told it to repeat."""
    page = desktop.new_page()
    answers: list[tuple[str, str, int]] = []
    page.on("response", lambda r: answers.append((r.request.method, urlparse(r.url).path, r.status))
            if "/api/v1/" in r.url else None)
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.goto(serve_shop("127.0.0.1"))
    page.locator("#powerdesk-chat-button").click()
    frame = page.frame_locator("#powerdesk-chat-panel iframe")
    frame.locator("#input").fill("查电费")
    frame.locator("#input").press("Enter")
    expect(frame.locator(".row.bot .bubble").filter(has_text=ASKS_ACCOUNT)).to_be_visible(timeout=BOT_TIMEOUT_MS)
    assert [a for a in answers if a[1] == "/api/v1/sessions"] == [("POST", "/api/v1/sessions", 201)], answers
    assert [a for a in answers if a[2] == 401] == [], answers
    assert sockets and all("token=" in url for url in sockets), sockets


def test_a_site_the_gateway_does_not_list_gets_no_chat_in_its_frame(desktop: BrowserContext, serve_shop) -> None:
    page = desktop.new_page()
    page.goto(serve_shop("127.0.0.2"))  # another loopback address: another site, not listed
    page.locator("#powerdesk-chat-button").click()
    expect(page.locator("#powerdesk-chat-panel iframe")).to_be_visible()
    page.wait_for_timeout(2000)
    frame = page.frame_locator("#powerdesk-chat-panel iframe")
    expect(frame.locator("#input")).to_have_count(0)  # the browser refused to show /chat there
