"""The real stack for conversation, channel and browser tests: services, Rasa server,
action server and gateway, started once per test session on free loopback ports with a
throw-away database.  Its fixtures are made visible to every test by tests/conftest.py,
so the conversation, channel and browser tests share one stack.

Needs the trained model (var/models/powerdesk.tar.gz; `make test` trains it first).
"""
from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from scripts.stack import MODEL_PATH, Stack
from services.billing.models import Account, Customer as CustomerRow
from services.billing.seed import seed
from services.db import migrate, session_scope
from services.settings import REPO_ROOT, Settings, get_settings
from tests.postgres import free_port

SEED_ACCOUNTS = 200


def throwaway_settings(var_dir: Path, token_prefix: str = "test") -> Settings:
    """Free loopback ports and a database under ``var_dir`` (also used by make eval-dialogues)."""
    gateway_port = free_port()
    return Settings(
        var_dir=var_dir,
        database_url=f"sqlite:///{var_dir / 'powerdesk.db'}",
        gateway_port=gateway_port,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        action_server_url=f"http://127.0.0.1:{free_port()}",
        services_url=f"http://127.0.0.1:{free_port()}",
        service_token=f"{token_prefix}-{uuid.uuid4().hex}",
        rasa_token=f"{token_prefix}-rasa-{uuid.uuid4().hex}",
        action_token=f"{token_prefix}-actions-{uuid.uuid4().hex}",
        handoff_hours="00:00-23:59:59.999999",  # agents answer at any hour, so the suite passes at any time
        # The chat widget may be framed by pages on localhost (another site than 127.0.0.1).
        widget_frame_ancestors="'self' http://localhost:*",
        # WeChat (tests/conversation/test_wechat.py): a test account in safe mode's reach, whose
        # customer-service API is the fake one that test starts on this port.
        wechat_token=f"{token_prefix}-wechat-{uuid.uuid4().hex[:8]}",
        wechat_app_id="wx0123456789abcdef",
        wechat_app_secret=f"{token_prefix}-wechat-secret-{uuid.uuid4().hex[:8]}",
        wechat_encoding_aes_key=base64.b64encode(uuid.uuid4().bytes * 2).decode().rstrip("="),
        wechat_api_base=f"http://127.0.0.1:{free_port()}",
        # Passive replies even when this shared machine makes a turn slow (below the 12 s
        # after which a retry takes an unanswered push over); the late path is tested on
        # a second gateway with a 10 ms deadline.
        wechat_reply_deadline_s=10.0,
        # One client (127.0.0.1) runs thousands of conversations here: the per-IP and
        # per-session rate limits are tested on their own (tests/service/test_hardening_gateway.py).
        requests_per_ip_per_min=1_000_000, sessions_per_ip_per_hour=1_000_000, chat_per_ip_per_min=1_000_000,
        chat_per_session_per_min=1_000_000, identity_checks_per_account_per_hour=1_000_000,
        identity_failures_per_client_per_hour=1_000_000, agent_logins_per_ip_per_hour=1_000_000,
    )


def prepare_throwaway(settings: Settings) -> None:
    """The KG index `make kg` built (linked, not rebuilt) and a migrated, seeded database."""
    (settings.var_dir / "kg").symlink_to(REPO_ROOT / "var" / "kg", target_is_directory=True)
    migrate(settings.database_url)
    seed(settings.database_url, n_accounts=SEED_ACCOUNTS)  # bills up to last month, by the one clock


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return throwaway_settings(tmp_path_factory.mktemp("stack-var"))


@pytest.fixture(scope="session")
def stack(stack_settings: Settings) -> Iterator[Stack]:
    if not (REPO_ROOT / MODEL_PATH).exists():
        pytest.fail("no trained Rasa model: run `make model` (make test does it)")
    prepare_throwaway(stack_settings)
    with Stack(stack_settings) as running:
        yield running


class Customer:
    """One customer chatting through the gateway, as the web widget does: a session
    first (POST /api/v1/sessions), then every message with its bearer token."""

    def __init__(self, base_url: str):
        self.client = httpx.Client(base_url=base_url, timeout=60)
        response = self.client.post("/api/v1/sessions", json={"channel": "web"})
        assert response.status_code == 201, response.text
        session = response.json()
        self.token = session["token"]
        self.conversation_id = session["conversation_id"]
        self.client.cookies.clear()  # the bearer token alone names the customer
        self.client.headers["Authorization"] = f"Bearer {self.token}"

    def say(self, text: str) -> dict:
        response = self.client.post("/api/v1/chat", json={"text": text})
        assert response.status_code == 200, response.text
        reply = response.json()
        self.conversation_id = reply["conversation_id"]
        return reply

    @staticmethod
    def text_of(reply: dict) -> str:
        return "\n".join(m["text"] for m in reply["messages"])


@pytest.fixture
def stack_db(stack: Stack, monkeypatch) -> Iterator[Settings]:
    """This process's store and service functions on the stack's database (to check what
    the gateway stored, or to set up what a test needs); yields the stack's settings."""
    monkeypatch.setenv("POWERDESK_DATABASE_URL", stack.settings.database_url)
    get_settings.cache_clear()
    yield stack.settings
    get_settings.cache_clear()


@pytest.fixture
def gateway_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.settings.gateway_port}"


@pytest.fixture
def customer(gateway_url: str) -> Customer:
    return Customer(gateway_url)


def service_client(stack: Stack, service: str, timeout: float = 30) -> httpx.Client:
    """A service's API (billing, outage, forecast …) on the services' internal port, with
    the service token: what crews and operators use, and what tests check results with."""
    return httpx.Client(base_url=f"{stack.settings.services_url}/{service}",
                        headers={"Authorization": f"Bearer {stack.settings.service_token}"}, timeout=timeout)


@pytest.fixture
def billing(stack: Stack) -> httpx.Client:
    """The billing API on the services' internal port (service token), to check what happened."""
    return service_client(stack, "billing")


@pytest.fixture
def outage(stack: Stack) -> httpx.Client:
    """The outage API on the services' internal port, as crews and operators use it."""
    return service_client(stack, "outage")


_taken: set[str] = set()


def take_spare(stack: Stack, *conditions) -> tuple[str, str]:
    """(户号, last four of its mobile) of a generated account matching ``conditions`` that
    no other test has taken: tests that lock, pay or depend on exact balances use these,
    so the demo accounts' figures do not depend on test order."""
    with session_scope(stack.settings.database_url) as session:
        rows = session.execute(
            select(Account.account_no, CustomerRow.mobile).join(CustomerRow, Account.customer_id == CustomerRow.id)
            .where(Account.account_no.not_like("%0000000%"), *conditions).order_by(Account.account_no)
        ).all()
    account_no, mobile = next((a, m) for a, m in rows if a not in _taken)
    _taken.add(account_no)
    return account_no, mobile[-4:]


@pytest.fixture
def spare_account(stack: Stack) -> tuple[str, str]:
    """Any generated account no other test uses (e.g. for locking its identity check)."""
    return take_spare(stack)
