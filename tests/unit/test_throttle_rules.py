"""Which rate limits apply to which request (api/throttle.py), and how a wait is said."""
from __future__ import annotations

import pytest

from api.throttle import applicable, client_tag, rules_from, wait_zh
from services.settings import Settings

RULES = rules_from(Settings())


def names(method: str | None, path: str) -> list[str]:
    return [rule.name for rule in applicable(RULES, method, path)]


def test_chat_is_limited_per_ip_and_per_session():
    assert names("POST", "/api/v1/chat") == ["requests_ip", "chat_ip", "chat_session"]


def test_session_creation_is_limited_per_ip():
    assert names("POST", "/api/v1/sessions") == ["requests_ip", "sessions_ip"]


@pytest.mark.parametrize("path", ["/agent", "/api/v1/handoffs/7", "/chat", "/api/v1/ws"])
def test_routes_added_by_other_branches_get_the_per_ip_ceiling(path):
    assert names("POST", path) == ["requests_ip"] and names(None, path) == ["requests_ip"]


def test_agent_log_in_attempts_are_limited_per_ip_too():
    assert names("POST", "/api/v1/agents/login") == ["requests_ip", "agent_login_ip"]
    assert names("GET", "/api/v1/agents/me") == ["requests_ip"]


@pytest.mark.parametrize("path", ["/healthz", "/wechat", "/wechat/callback", "/api/v1/voice", "/api/v1/voice/turn"])
def test_health_and_the_server_to_server_channels_are_not_limited_per_ip(path):
    assert names("POST", path) == []


def test_a_prefix_does_not_match_a_longer_word():
    assert names("POST", "/wechatty") == ["requests_ip"]


@pytest.mark.parametrize(("seconds", "said"), [(0.2, "1秒"), (59, "59秒"), (61, "2分钟"), (3599, "60分钟"), (3601, "2小时")])
def test_a_wait_is_said_the_way_a_customer_reads_it(seconds, said):
    assert wait_zh(seconds) == said


def test_the_client_tag_hides_the_ip_but_is_stable():
    tag = client_tag("203.0.113.7", "secret")
    assert tag == client_tag("203.0.113.7", "secret") != client_tag("203.0.113.8", "secret")
    assert "203.0.113.7" not in tag and tag != client_tag("203.0.113.7", "other-secret")
