"""The agent console in a real browser, beside the customer's chat page (issue 13, "Done when").

Two browser contexts on the real stack (services, Rasa, action server, gateway): a
customer on /chat looks up a bill, verifies, and asks for a human in the middle; an
agent, created here through the handoff package, logs in to /agent, sees the queue entry
with its reason, opens it (masked profile, summary, the bot's history), replies; the
customer sees the reply under the agent's name; the agent resolves; the customer taps
the fifth star and the score is stored.  Screenshots of each step go to
reports/screenshots/console-*.png, and two delays are measured and written to
reports/handoff.md (a measure, not an assertion): the customer's 转人工 → the console
showing it, and the agent's send → the customer's screen.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from handoff import agents
from services.settings import REPO_ROOT, Settings, get_settings
from tests.stack import Customer

REPORT = REPO_ROOT / "reports" / "handoff.md"
BOT_WAIT_MS = 60_000     # a bot turn on this loaded machine (Rasa + action server)
LIVE_WAIT_MS = 30_000    # a live push (SSE to the console, WebSocket to the widget)
PASSWORD = "console-test-Passw0rd"


@pytest.fixture
def stack_database(stack_settings: Settings, stack, monkeypatch) -> Iterator[None]:
    """The handoff package's plain functions, pointed at the running stack's database."""
    monkeypatch.setenv("POWERDESK_DATABASE_URL", stack_settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def new_agent(role: str, display_name: str) -> str:
    username = f"{role[:3]}.{uuid.uuid4().hex[:8]}"
    agents.create_agent(username, display_name, role=role, capacity=3, password=PASSWORD)
    return username


def log_in(page: Page, gateway_url: str, username: str) -> None:
    page.goto(f"{gateway_url}/agent/")
    page.fill("#login-id", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#me-name")).to_be_visible()
    expect(page.locator("#live-status")).to_have_class("live-dot on", timeout=LIVE_WAIT_MS)


def say(page: Page, text: str) -> None:
    """The customer types a message and sends it with Enter; waits for the bot's answer."""
    answers = page.locator("#messages .row.bot:not(.typing), #messages .notice")
    before = answers.count()
    page.fill("#input", text)
    page.press("#input", "Enter")
    expect(answers).not_to_have_count(before, timeout=BOT_WAIT_MS)


def queue_ids(console: Page) -> list[str]:
    return console.locator("#queue-list .item").evaluate_all("items => items.map(i => i.dataset.handoff)")


def new_queue_entry(console: Page, known: list[str]) -> str:
    """Wait until the console's queue shows an entry that was not there before; its id.
    (Other tests sharing the stack may have left entries of their own.)"""
    handle = console.wait_for_function(
        """known => [...document.querySelectorAll('#queue-list .item')]
                      .map(i => i.dataset.handoff).find(id => !known.includes(id))""",
        arg=known, timeout=LIVE_WAIT_MS)
    return handle.json_value()


def customer_page(browser: Browser, gateway_url: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 390, "height": 780}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{gateway_url}/chat")
    expect(page.locator("#input")).to_be_editable()
    return context, page


def agent_page(browser: Browser) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    return context, context.new_page()


def transcript(customer: Customer) -> list[str]:
    """The texts of the customer's conversation as their page would show them again."""
    return [m["text"] for m in customer.client.get("/api/v1/conversation").json()["messages"]]


def write_measures(to_console_s: float, to_customer_s: float) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        "# Human handoff: delays measured in the browser test\n\n"
        "Measured by `tests/browser/test_console.py` (real stack on this 2-core machine, "
        "Debian's Chromium headless, customer and agent in two browser contexts); one run, "
        "so a measure, not a benchmark.\n\n"
        "| delay | seconds |\n|---|---|\n"
        f"| customer presses Enter on 转人工 → the entry shows in the agent's queue (bot turn, queue, SSE) | {to_console_s:.2f} |\n"
        f"| agent presses Enter on a reply → the reply shows on the customer's chat page (API, outbox, WebSocket) | {to_customer_s:.2f} |\n",
        encoding="utf-8")


def test_customer_asks_for_a_human_mid_lookup_and_an_agent_answers_and_resolves(
        browser: Browser, gateway_url: str, stack_database, screenshot_dir: Path) -> None:
    username = new_agent("agent", "客服小林")
    agent_context, console = agent_page(browser)
    customer_context, chat = customer_page(browser, gateway_url)
    try:
        # The agent is at the desk before the customer asks (logging in puts them online).
        log_in(console, gateway_url, username)
        expect(console.locator("#banner")).to_contain_text("桌面通知")  # asked politely, not on load
        console.screenshot(path=screenshot_dir / "console-01-desk.png")
        console.click("#banner-no")

        # The customer looks a bill up and verifies.
        say(chat, "我想查一下上个月的电费")
        say(chat, "3300000001")
        say(chat, "5678")
        expect(chat.locator("#messages")).to_contain_text("元", timeout=BOT_WAIT_MS)
        chat.screenshot(path=screenshot_dir / "console-02-customer-bill.png")

        # 转人工: the entry appears in the console's queue, live, with its reason.
        known = queue_ids(console)
        started = time.monotonic()
        chat.fill("#input", "转人工")
        chat.press("#input", "Enter")
        handoff_id = new_queue_entry(console, known)
        to_console_s = time.monotonic() - started
        entry = console.locator(f"#queue-list .item[data-handoff='{handoff_id}']")
        expect(entry).to_contain_text("转人工")
        expect(console.locator("#queue-count")).not_to_have_text("0")
        console.screenshot(path=screenshot_dir / "console-03-queue.png")
        chat.screenshot(path=screenshot_dir / "console-04-customer-queued.png")

        # The agent opens it: the masked profile, the summary, the bot's history.
        entry.click()
        expect(console.locator("#history .turn.bot").first).to_be_visible()
        profile = console.locator("#profile")
        expect(profile).to_contain_text("户号")
        expect(profile).not_to_contain_text("3300000001")
        expect(profile).not_to_contain_text("13800005678")
        expect(profile).to_contain_text("****")
        expect(console.locator("[data-unmask]")).to_have_count(0)  # an agent cannot unmask
        expect(console.locator("#summary")).not_to_be_empty()
        expect(console.locator("#history")).to_contain_text("我想查一下上个月的电费")
        expect(console.locator("#history .turn.user").last).to_contain_text("转人工")
        console.screenshot(path=screenshot_dir / "console-05-conversation.png")

        # The agent replies; the customer sees it under the agent's name.
        reply = "您好，我是客服小林，您上个月的电费已逾期，需要我帮您看看缴费方式吗？"
        console.fill("#reply-text", reply)
        started = time.monotonic()
        console.press("#reply-text", "Enter")
        agent_bubble = chat.locator("#messages .row.agent").filter(has_text=reply)
        expect(agent_bubble).to_have_count(1, timeout=LIVE_WAIT_MS)
        to_customer_s = time.monotonic() - started
        expect(agent_bubble.locator(".author")).to_contain_text("客服小林")
        expect(console.locator("#history .turn.agent")).to_contain_text(reply)
        chat.screenshot(path=screenshot_dir / "console-06-customer-sees-reply.png")

        # A private note stays in the console, marked, and never reaches the customer.
        console.click("#mode-note")
        console.fill("#reply-text", "客户情绪平稳，已提示逾期")
        console.press("#reply-text", "Enter")
        expect(console.locator("#history .turn.note")).to_contain_text("仅坐席可见")
        console.click("#mode-reply")

        # The customer answers; the console shows it live.
        chat.fill("#input", "好的，谢谢，我自己在网上国网交")
        chat.press("#input", "Enter")
        expect(console.locator("#history .turn.user").last).to_contain_text("网上国网", timeout=LIVE_WAIT_MS)
        console.screenshot(path=screenshot_dir / "console-07-live-message.png")

        # The agent resolves with the satisfaction question; the customer taps five stars.
        console.click("#resolve")
        expect(console.locator("#resolve-csat")).to_be_checked()
        console.click("#resolve-ok")
        expect(console.locator("#conv-status")).to_contain_text("已结束", timeout=LIVE_WAIT_MS)
        stars = chat.locator("#messages .stars .star")
        expect(stars).to_have_count(5, timeout=LIVE_WAIT_MS)
        chat.screenshot(path=screenshot_dir / "console-08-customer-stars.png")
        stars.nth(4).click()
        expect(chat.locator("#messages")).to_contain_text("感谢", timeout=BOT_WAIT_MS)
        chat.screenshot(path=screenshot_dir / "console-09-customer-rated.png")
        console.screenshot(path=screenshot_dir / "console-10-resolved.png")

        # The score is stored: the agents' API reports it for this handoff.
        deadline = time.monotonic() + 30
        while True:
            detail = agent_context.request.get(f"{gateway_url}/api/v1/handoffs/{handoff_id}").json()
            if (detail.get("csat") or {}).get("score") is not None or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert detail["status"] == "resolved"
        assert detail["csat"]["score"] == 5

        write_measures(to_console_s, to_customer_s)

        # The same console on a 1024 px tablet.
        console.set_viewport_size({"width": 1024, "height": 768})
        console.screenshot(path=screenshot_dir / "console-11-tablet.png")
    finally:
        customer_context.close()
        agent_context.close()


def test_a_supervisor_unmasks_with_a_reason_sees_the_audit_and_manages_agents_and_canned_replies(
        browser: Browser, gateway_url: str, stack_database, customer, screenshot_dir: Path) -> None:
    username = new_agent("supervisor", "王班长")
    new_agent("agent", "客服小赵")
    context, console = agent_page(browser)
    try:
        log_in(console, gateway_url, username)
        expect(console.locator("#nav-admin")).to_be_visible()

        # A verified customer asks for a human (over the chat API, as the widget does),
        # then writes something that looks like markup: the console shows it as text.
        for text in ("我想查电费", "3300000001", "5678"):
            customer.say(text)
        known = queue_ids(console)
        customer.say("转人工")
        handoff_id = new_queue_entry(console, known)
        customer.client.post("/api/v1/chat", json={"text": "<img src=x onerror=\"window.pwned=1\"><b>加急</b>"})
        console.locator(f"#queue-list .item[data-handoff='{handoff_id}']").click()
        last_turn = console.locator("#history .turn.user").last
        expect(last_turn).to_contain_text("<b>加急</b>", timeout=LIVE_WAIT_MS)
        assert console.evaluate("() => window.pwned === undefined && !document.querySelector('#history img, #history b')")

        # Unmask the mobile: a reason is required, the clear value shows, the audit records it.
        mobile = console.locator("#profile dd[data-field='mobile']")
        expect(mobile).to_contain_text("****")
        mobile.locator("[data-unmask]").click()
        console.click("#unmask-ok")
        expect(console.locator("#unmask-error")).to_be_visible()  # no reason, no unmask
        console.fill("#unmask-reason", "客户要求核对登记手机号")
        console.click("#unmask-ok")
        expect(mobile).to_contain_text("13800005678")
        console.screenshot(path=screenshot_dir / "console-12-supervisor-unmask.png")

        # Transfer it to a colleague, then (supervisors may act on any conversation) back
        # to the bot, which asks no satisfaction question.
        console.click("#transfer")
        console.check("#transfer-form input[value='agent']")
        console.select_option("#transfer-agent", label=console.locator("#transfer-agent option", has_text="客服小赵").inner_text())
        console.click("#transfer-ok")
        expect(console.locator("#conv-status")).to_contain_text("客服小赵", timeout=LIVE_WAIT_MS)
        console.click("#transfer")
        console.check("#transfer-form input[value='bot']")
        console.click("#transfer-ok")
        expect(console.locator("#conv-status")).to_contain_text("已结束", timeout=LIVE_WAIT_MS)

        # The supervisors' page: the audit entry, a new agent, a canned reply for the desk.
        console.click("#nav-admin")
        expect(console.locator("#audit-body")).to_contain_text("客户要求核对登记手机号")
        expect(console.locator("#agents-body")).to_contain_text("王班长")
        new_username = f"agt.{uuid.uuid4().hex[:8]}"
        console.fill("#new-agent-id", new_username)
        console.fill("#new-agent-name", "客服小周")
        console.fill("#new-agent-password", PASSWORD)
        console.click("#agent-form button[type=submit]")
        expect(console.locator("#agents-body")).to_contain_text(new_username)
        console.fill("#canned-title", "缴费渠道")
        console.fill("#canned-text", "您可以通过网上国网App、微信或支付宝缴纳电费。")
        console.click("#canned-form button[type=submit]")
        expect(console.locator("#canned-admin")).to_contain_text("缴费渠道")
        console.set_viewport_size({"width": 1280, "height": 1200})  # the page scrolls inside the app frame
        console.screenshot(path=screenshot_dir / "console-13-supervisor-admin.png")
        console.set_viewport_size({"width": 1280, "height": 800})
        console.click("#nav-desk")
        expect(console.locator("#canned option", has_text="缴费渠道")).to_have_count(1)

        # Log-out ends the server-side session: a reload shows the log-in again.
        console.click("#logout")
        expect(console.locator("#login-view")).to_be_visible()
        console.reload()
        expect(console.locator("#login-view")).to_be_visible()
        assert context.request.get(f"{gateway_url}/api/v1/agents/me").status == 401
    finally:
        context.close()


def test_an_agent_serves_two_customers_at_once_and_keeps_each_draft(
        browser: Browser, gateway_url: str, stack_database, screenshot_dir: Path) -> None:
    username = new_agent("agent", "客服小陈")
    context, console = agent_page(browser)
    try:
        log_in(console, gateway_url, username)
        first, second = Customer(gateway_url), Customer(gateway_url)
        known = queue_ids(console)
        first.say("转人工")
        first_id = new_queue_entry(console, known)
        second.say("转人工")
        second_id = new_queue_entry(console, known + [first_id])

        # Claim the first and leave a draft; answer the second; the draft is still there.
        console.locator(f"[data-handoff='{first_id}']").click()
        console.click("#claim")
        expect(console.locator("#claim")).to_be_hidden()
        console.fill("#reply-text", "稍等，我正在为您查询")
        console.locator(f"[data-handoff='{second_id}']").click()
        expect(console.locator("#reply-text")).to_have_value("")
        console.fill("#reply-text", "您好，我是客服小陈，请讲。")
        console.press("#reply-text", "Enter")
        expect(console.locator("#history .turn.agent")).to_contain_text("我是客服小陈")
        expect(console.locator("#mine-count")).to_have_text("2")
        console.screenshot(path=screenshot_dir / "console-14-two-conversations.png")
        console.locator(f"#mine-list [data-handoff='{first_id}']").click()
        expect(console.locator("#reply-text")).to_have_value("稍等，我正在为您查询")

        # Each customer got only their own agent's message.
        assert any("我是客服小陈" in t for t in transcript(second))
        assert not any("我是客服小陈" in t for t in transcript(first))

        # Resolve both without the satisfaction question.
        for handoff_id in (first_id, second_id):
            console.locator(f"#mine-list [data-handoff='{handoff_id}']").click()
            console.click("#resolve")
            console.uncheck("#resolve-csat")
            console.click("#resolve-ok")
            expect(console.locator(f"#mine-list [data-handoff='{handoff_id}']")).to_have_count(0, timeout=LIVE_WAIT_MS)
        expect(console.locator("#mine-count")).to_have_text("0")
    finally:
        context.close()
