"""The agent console's files and headers (api/agent_console.py, api/web/agent/), without
a database: the page is served under /agent with a policy that forbids inline script,
foreign origins and framing, and the front end never turns text into HTML."""
from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import agent_console
from api.agent_console import CONSOLE_DIR

SCRIPTS = sorted((CONSOLE_DIR / "js").glob("*.js"))


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    agent_console.install(app)
    return TestClient(app)


def test_the_page_forbids_inline_script_foreign_origins_and_framing(client: TestClient) -> None:
    page = client.get("/agent/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"


def test_agent_redirects_to_the_page_and_assets_carry_the_headers_too(client: TestClient) -> None:
    redirect = client.get("/agent", follow_redirects=False)
    assert redirect.status_code == 308 and redirect.headers["location"] == "/agent/"
    script = client.get("/agent/static/js/app.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-frame-options"] == "DENY"
    missing = client.get("/agent/static/js/nothing.js")
    assert missing.status_code == 404 and missing.headers["x-frame-options"] == "DENY"
    assert client.get("/agent/static/..%2F..%2Fagent_console.py").status_code == 404


def test_other_paths_are_left_alone(client: TestClient) -> None:
    assert "x-frame-options" not in client.get("/agents-and-more").headers


def test_the_page_loads_only_its_own_files_and_has_no_inline_script() -> None:
    html = (CONSOLE_DIR / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script(?![^>]*\bsrc=\"/agent/static/)[^>]*>", html) == []
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no inline event handlers
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from another origin


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_script_turns_text_into_html(script) -> None:
    source = script.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, f"{script.name} uses {sink}"
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", source)  # no CDN, no foreign API
