"""The Official Account's menu: each CLICK item's EventKey and the request it stands for.

A click is taken as the customer having said the item's label (stored and shown as
such, ``api/wording.py`` WECHAT_MENU_LABELS) and Rasa reads the intent payload, so the
bot answers exactly as for the typed request.  To create the matching menu in the
account, see the README's WeChat section.
"""
from __future__ import annotations

from api import wording

PAYLOADS = {
    "QUERY_BILL": "/query_bill",
    "TOP_UP": "/top_up",
    "REPORT_OUTAGE": "/report_outage",
    "HUMAN": "/request_human",
}


def menu_request(event_key: str | None) -> tuple[str, str] | None:
    """(label, payload) of a menu item; None for a key the menu does not have."""
    key = (event_key or "").strip()
    if key not in PAYLOADS:
        return None
    return wording.WECHAT_MENU_LABELS[key], PAYLOADS[key]
