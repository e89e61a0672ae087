"""WeChat's XML: the pushed messages in, the passive replies out.

Parsing goes through defusedxml with DTDs forbidden: WeChat never sends one, and a
DTD is how entity-expansion bombs and external entities get in, so any DOCTYPE is
refused before anything is expanded.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

REQUIRED = ("ToUserName", "FromUserName", "CreateTime", "MsgType")


class BadMessage(ValueError):
    """Not a WeChat push: malformed XML, a DTD, or a required field missing."""


@dataclass(frozen=True)
class Push:
    """One pushed message or event (WeChat docs "接收普通消息", "接收事件推送")."""
    to_user: str        # the Official Account's own id (gh_…)
    from_user: str      # the user's OpenID
    create_time: int
    msg_type: str       # text, voice, image, location, video, shortvideo, link, file, event
    msg_id: str | None  # messages only
    content: str | None = None      # text
    recognition: str | None = None  # voice, when WeChat's speech recognition is on
    event: str | None = None        # subscribe, unsubscribe, CLICK, VIEW, SCAN, LOCATION …
    event_key: str | None = None    # CLICK: the menu item's key

    @property
    def key(self) -> str:
        """What makes a push unique across WeChat's retries: the MsgId, or for an
        event (no MsgId) the user and the second it happened, as WeChat advises; the
        event and its key are added so that two different clicks in one second stay
        two (a retry repeats them all)."""
        if self.msg_id:
            return self.msg_id
        return f"{self.from_user}@{self.create_time}:{self.event or ''}:{self.event_key or ''}"[:160]


def parse_xml(body: bytes | str) -> ET.Element:
    try:
        root = fromstring(body, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise BadMessage(f"not acceptable XML: {type(exc).__name__}") from exc
    if root.tag != "xml":
        raise BadMessage("the root element is not <xml>")
    return root


def field(root: ET.Element, name: str) -> str | None:
    child = root.find(name)
    return child.text if child is not None and child.text is not None else None


def parse_push(root: ET.Element) -> Push:
    missing = [name for name in REQUIRED if not (field(root, name) or "").strip()]
    if missing:
        raise BadMessage(f"missing {', '.join(missing)}")
    try:
        create_time = int(field(root, "CreateTime"))
    except ValueError as exc:
        raise BadMessage("CreateTime is not a number") from exc
    msg_type = field(root, "MsgType").strip()
    return Push(
        to_user=field(root, "ToUserName"), from_user=field(root, "FromUserName").strip(),
        create_time=create_time, msg_type=msg_type, msg_id=(field(root, "MsgId") or "").strip() or None,
        content=field(root, "Content"), recognition=field(root, "Recognition"),
        event=field(root, "Event"), event_key=field(root, "EventKey"),
    )


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(push: Push, text: str, now: int) -> str:
    """A passive text reply to ``push`` (WeChat docs "被动回复用户消息")."""
    return (f"<xml><ToUserName>{_cdata(push.from_user)}</ToUserName>"
            f"<FromUserName>{_cdata(push.to_user)}</FromUserName>"
            f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{_cdata(text)}</Content></xml>")


def encrypted_envelope(encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    """A safe-mode reply: the encrypted reply and its signature."""
    return (f"<xml><Encrypt>{_cdata(encrypted)}</Encrypt><MsgSignature>{_cdata(msg_signature)}</MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>")
