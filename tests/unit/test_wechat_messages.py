"""WeChat's XML: pushes parsed with defusedxml (a DTD, hence any entity bomb, refused at
once), events keyed by user and time, replies that survive any text."""
from __future__ import annotations

import pytest
from defusedxml import DTDForbidden

from api import wording
from api.wechat.menu import PAYLOADS, menu_request
from api.wechat.messages import BadMessage, parse_push, parse_xml, text_reply

TEXT = ("<xml><ToUserName><![CDATA[gh_powerdesk]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>"
        "<CreateTime>1764720000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[我想查电费]]></Content><MsgId>24000000000000001</MsgId></xml>")
CLICK = ("<xml><ToUserName><![CDATA[gh_powerdesk]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>"
         "<CreateTime>1764720001</CreateTime><MsgType><![CDATA[event]]></MsgType>"
         "<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[TOP_UP]]></EventKey></xml>")
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
                  + ']><xml><Content>&lol9;</Content></xml>')


def test_a_text_message_and_a_menu_click_are_read() -> None:
    text = parse_push(parse_xml(TEXT.encode()))
    assert (text.from_user, text.msg_type, text.content, text.key) == ("oUser1", "text", "我想查电费", "24000000000000001")
    click = parse_push(parse_xml(CLICK))
    assert (click.event, click.event_key, click.msg_id) == ("CLICK", "TOP_UP", None)
    assert click.key == "oUser1@1764720001:CLICK:TOP_UP"  # events carry no MsgId: user and second


@pytest.mark.parametrize("body", [
    b"<xml><ToUserName>", b"not xml at all", b"", "<xml>\u0000</xml>".encode(),
    BILLION_LAUGHS.encode(),
    b'<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml>&x;</xml>',
    b"<html><body/></html>",
])
def test_malformed_xml_any_dtd_and_other_roots_are_refused(body: bytes) -> None:
    with pytest.raises(BadMessage):
        parse_xml(body)


@pytest.mark.parametrize("body", [BILLION_LAUGHS, '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml>&x;</xml>'])
def test_an_entity_bomb_is_refused_at_its_dtd_before_anything_is_expanded(body: str) -> None:
    with pytest.raises(BadMessage) as refused:
        parse_xml(body)
    assert isinstance(refused.value.__cause__, DTDForbidden)


def test_a_push_without_its_required_fields_is_refused() -> None:
    with pytest.raises(BadMessage, match="FromUserName"):
        parse_push(parse_xml(TEXT.replace("<![CDATA[oUser1]]>", "")))
    with pytest.raises(BadMessage, match="CreateTime"):
        parse_push(parse_xml(TEXT.replace("1764720000", "yesterday")))


def test_a_reply_goes_back_to_the_sender_and_keeps_any_text_intact() -> None:
    push = parse_push(parse_xml(TEXT))
    tricky = "您的电费是12.50元 <b>]]></xml> & 回复1：交电费"
    reply = parse_xml(text_reply(push, tricky, 1764720005))
    assert reply.findtext("ToUserName") == "oUser1" and reply.findtext("FromUserName") == "gh_powerdesk"
    assert (reply.findtext("MsgType"), reply.findtext("Content")) == ("text", tricky)


def test_every_menu_key_has_a_label_and_an_intent() -> None:
    assert set(PAYLOADS) == set(wording.WECHAT_MENU_LABELS)
    assert menu_request(" QUERY_BILL ") == ("查电费", "/query_bill")
    assert menu_request("NO_SUCH_KEY") is None and menu_request(None) is None
