"""/docs in a real browser: Swagger UI from the gateway's own files (api/docs_page.py)
draws the gateway's operations, with no Content-Security-Policy violation and no request
leaving the gateway (there is no CDN at run time)."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect


def test_docs_render_the_operations_from_the_gateway_alone(browser: Browser, gateway_url: str,
                                                           screenshot_dir: Path) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    elsewhere: list[str] = []
    page.on("request", lambda request: elsewhere.append(request.url)
            if not request.url.startswith(gateway_url) else None)

    response = page.goto(f"{gateway_url}/docs")
    assert response is not None and response.ok
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/chat" in paths and "/api/v1/sessions" in paths and len(paths) >= 10, paths
    page.locator(".opblock-summary-path", has_text="/api/v1/chat").first.click()  # an operation opens
    expect(page.locator(".opblock.is-open .opblock-body")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "docs.png"))
    page.close()
    assert problems == [], problems  # a CSP violation is reported here as a console error
    assert elsewhere == [], elsewhere
