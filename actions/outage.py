"""Outage and fault reports, and their progress, through the outage service.

A report is a form (outage_form): where (the address), how far it reaches (only my
home / the building / the area; danger is told by the words, services/outage/triage.py)
and a contact mobile.  Danger comes first: the safety advice is the bot's first words,
before any question, and a human is offered at once; the ticket is urgent.  Only my
home: the customer checks the breaker and the meter first; a lit meter means the fault
is behind it, the customer's wiring (产权分界点, power-facts.md), so no free repair
ticket.  The building or the area: a planned outage or a known fault that covers the
address answers instead of a new ticket, and the customer is offered a notice when power
is back (stored by the service, sent through the outbox when an operator ends the outage or
the crew restores the fault).  A verified customer is offered the account's own address and
mobile (masked) as buttons; anyone may type others.  The service decides what a report
becomes (a new ticket, the open one, a planned outage, a known fault); these actions only
pass data and choose the response.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_turn as turn
from actions import services_client as svc
from actions.faq import take_up_after_an_answer, take_up_second_question
from actions.handoff import hand_over
from actions.not_ours import then_second_not_ours
from actions.replies import HANDOFF_BUTTON, days_zh, time_zh
from services.outage.schemas import AccountContactView, ReportResult
from services.outage.triage import is_danger, kind_of, ticket_id_in
from services.prompt_words import waits
from services.textnorm import parse_phone

PLACE_WORDS = re.compile(r"路|街|道|巷|弄|号|村|镇|乡|区|县|市|小区|花园|苑|栋|幢|单元|楼|大厦|广场")
HOUSE_NUMBER = re.compile(r"[\d０-９]|[一二三四五六七八九十百零]+\s*(号|栋(?!楼)|幢(?!楼)|单元|室|弄)")
METER_DARK = re.compile(r"黑屏|黑了|黑着|不亮|没显示|没有显示|灭了|没反应|黑的|没电")
METER_LIT = re.compile(r"亮着|有显示|亮的|正常|有数字|在走|有电")
PHONE_PROMPT = "contact_mobile"
# The contact_mobile slot's value when the customer picked the account's own mobile: the
# service reads the number (the client only ever sees it masked).
ACCOUNT_MOBILE = "account"
ACCOUNT_MOBILE_BUTTON = '/inform{"account_contact": "mobile"}'
RESTORE_OFFER = "utter_offer_restore_notice"
RESTORE_BUTTONS = [{"title": "需要，来电提醒我", "payload": "/affirm"}, {"title": "不用了", "payload": "/deny"}]
OUTAGE_SLOTS = ("outage_address", "outage_kind", "meter_dark", "contact_mobile", "outage_cover")


def scope_only(text: str) -> bool:
    """"整栋楼都停了" at the address prompt says how far it reaches, not where: scope
    words and no number (an address has its 号/栋/单元 numbers: 阳光小区3栋)."""
    return bool(kind_of(text)) and not HOUSE_NUMBER.search(text)


class ActionReportOutage(Action):
    """Runs before the form: the safety advice first when it is a danger, then a second
    question the message asks (地址 顺便问下…)."""

    def name(self) -> str:
        return "action_report_outage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = turn.text(tracker)
        new_report = tracker.active_loop_name != "outage_form"
        events: list[dict[str, Any]] = [SlotSet(slot, None) for slot in OUTAGE_SLOTS] if new_report else []
        if is_danger(text):
            dispatcher.utter_message(response="utter_danger_safety", buttons=[HANDOFF_BUTTON])
        # What the message already says is not asked again (我家文三路188号停电了).
        kind, address = kind_of(text), turn.entity(tracker, "address")
        if kind and (new_report or not tracker.get_slot("outage_kind") or kind == "danger"):
            events.append(SlotSet("outage_kind", kind))
        if address and (new_report or not tracker.get_slot("outage_address")):
            events.append(SlotSet("outage_address", address))
        # after the safety advice; one not ours waits for the form's prompt
        return events + await take_up_second_question(dispatcher, tracker, not_ours_after=True)


class ValidateOutageForm(FormValidationAction):
    def name(self) -> str:
        return "validate_outage_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        slots = ["outage_address", "outage_kind"]
        if tracker.get_slot("outage_kind") == "household":
            slots.append("meter_dark")
            if tracker.get_slot("meter_dark") is False:
                return slots  # behind the meter: nothing to file
        if tracker.get_slot("outage_cover"):
            return slots  # a planned outage or a known fault answers it
        return slots + ["contact_mobile"]

    def _asked(self, tracker: Tracker, slot: str) -> bool:
        return turn.is_fresh(tracker) and turn.requested_slot(tracker) == slot

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Fill and check the slots; an answer that goes on to ask (西湖区文三路100号 顺便问下…)
        gets its question answered, or said to be out of scope, before the next prompt."""
        events = await super().run(dispatcher, tracker, domain)
        return events + await take_up_after_an_answer(dispatcher, tracker, events)

    async def extract_outage_address(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("outage_address") or not turn.is_fresh(tracker):
            return {}
        address = turn.entity(tracker, "address")
        text = turn.text(tracker)
        if not address and self._asked(tracker, "outage_address") and PLACE_WORDS.search(text) and not scope_only(text):
            address = text
        return turn.slots_from({"outage_address": address})

    async def extract_outage_kind(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("outage_kind") or not turn.is_fresh(tracker):
            return {}
        return turn.slots_from({"outage_kind": kind_of(turn.text(tracker))})

    async def extract_meter_dark(self, dispatcher, tracker, domain) -> dict[str, Any]:
        text = turn.text(tracker)  # asked: 电表屏幕是黑的吗？ or told up front (电表黑屏 总闸没跳)
        if not self._asked(tracker, "meter_dark"):
            told = turn.is_fresh(tracker) and tracker.get_slot("meter_dark") is None and "电表" in text
            return {"meter_dark": True} if told and METER_DARK.search(text) and not METER_LIT.search(text) else {}
        if METER_DARK.search(text) or (turn.intent(tracker) == "affirm" and not METER_LIT.search(text)):
            return {"meter_dark": True}
        if METER_LIT.search(text) or turn.intent(tracker) == "deny":
            return {"meter_dark": False}
        return {}

    async def extract_contact_mobile(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not self._asked(tracker, PHONE_PROMPT):
            return turn.slots_from({"contact_mobile": turn.entity(tracker, "phone")}) if turn.is_fresh(tracker) else {}
        if turn.entity(tracker, "account_contact") == "mobile" and tracker.get_slot("verified_account"):
            return {"contact_mobile": ACCOUNT_MOBILE}  # the button offering the account's mobile
        return {"contact_mobile": turn.entity(tracker, "phone") or parse_phone(turn.text(tracker)) or turn.text(tracker)}

    async def validate_outage_address(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"outage_address": value, "outage_cover": cover_slot(await covering(value, tracker.get_slot("outage_kind")))}

    async def validate_outage_kind(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"outage_kind": value, "outage_cover": cover_slot(await covering(tracker.get_slot("outage_address"), value))}

    async def validate_contact_mobile(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value == ACCOUNT_MOBILE and tracker.get_slot("verified_account"):
            return {"contact_mobile": ACCOUNT_MOBILE}
        mobile = parse_phone(str(value or ""))
        if mobile is None:
            dispatcher.utter_message(response="utter_bad_contact_mobile")
        return {"contact_mobile": mobile}


async def account_contact(tracker: Tracker) -> AccountContactView | None:
    """The verified account's address and masked mobile (services/outage/contact.py), or None."""
    account_no = tracker.get_slot("verified_account")
    if not account_no:
        return None
    try:
        return await svc.account_contact(account_no)
    except (svc.ServiceUnavailable, svc.ServiceFailed):
        return None  # asked without the offer, as for anyone


class ActionAskOutageAddress(Action):
    """Where is the outage: a verified customer gets the account's address as a button."""

    def name(self) -> str:
        return "action_ask_outage_address"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        contact = await account_contact(tracker)
        buttons = [{"title": contact.address, "payload": "/inform" + json.dumps({"address": contact.address},
                                                                                ensure_ascii=False)}] if contact else []
        dispatcher.utter_message(response="utter_ask_outage_address", buttons=buttons)
        return []


class ActionAskContactMobile(Action):
    """A contact mobile: a verified customer gets the account's own, masked, as a button."""

    def name(self) -> str:
        return "action_ask_contact_mobile"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        contact = await account_contact(tracker)
        buttons = [{"title": f"用尾号{contact.mobile_last4}的手机", "payload": ACCOUNT_MOBILE_BUTTON}] if contact else []
        dispatcher.utter_message(response="utter_ask_contact_mobile", buttons=buttons)
        return []


async def covering(address: str | None, kind: str | None) -> ReportResult | None:
    """A whole building or area dark: the planned outage or known fault that covers the
    address, if any (asked of the service before a contact mobile is)."""
    if not address or kind not in ("building", "area"):
        return None
    try:
        found = await svc.check_outage(address, kind)
    except (svc.ServiceUnavailable, svc.ServiceFailed):
        return None  # the report itself will ask again
    return found if found.case in ("planned_outage", "known_fault") else None


def cover_slot(found: ReportResult | None) -> dict | None:
    """The ``outage_cover`` slot's value: the covering answer as its JSON (a slot holds JSON)."""
    return found.model_dump(mode="json") if found else None


def cover_of(tracker: Tracker) -> ReportResult | None:
    """The planned outage or known fault the form found, read back from its slot."""
    found = tracker.get_slot("outage_cover")
    return ReportResult.model_validate(found) if found else None


def restore_zh(moment: datetime | None) -> str:
    return time_zh(moment) if moment else "尽快"


class ActionSubmitOutage(Action):
    """What the completed form becomes, said with the service's figures."""

    def name(self) -> str:
        return "action_submit_outage"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        events = await self._submit(dispatcher, tracker)
        if tracker.get_slot("outage_kind") == "danger":  # an urgent ticket, and a human at once
            hand_over(dispatcher, tracker, "danger_outage")
        return events

    @staticmethod
    async def _submit(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        cover = cover_of(tracker)
        if cover:
            say_covered(dispatcher, cover)
            return []
        mobile = tracker.get_slot("contact_mobile")
        if tracker.get_slot("meter_dark") is False:
            dispatcher.utter_message(response="utter_outage_behind_meter", buttons=[HANDOFF_BUTTON])
            return []
        try:
            result = await svc.report_outage({
                "address": tracker.get_slot("outage_address"), "kind": tracker.get_slot("outage_kind"),
                "contact_mobile": None if mobile == ACCOUNT_MOBILE else mobile,
                "contact_from_account": mobile == ACCOUNT_MOBILE, "conversation_id": tracker.sender_id,
                "account_no": tracker.get_slot("verified_account"), "description": turn.form_trigger_text(tracker, "outage_form"),
            })
        except (svc.ServiceUnavailable, svc.ServiceFailed):
            dispatcher.utter_message(response="utter_outage_unavailable", buttons=[HANDOFF_BUTTON])
            return []
        if result.case in ("planned_outage", "known_fault"):
            say_covered(dispatcher, result)
            return [SlotSet("outage_cover", cover_slot(result))]
        ticket = result.ticket
        if ticket is None:  # "none" is the check's answer only: a report always ends in one of the above
            dispatcher.utter_message(response="utter_outage_unavailable", buttons=[HANDOFF_BUTTON])
            return []
        promise = ticket.promised_arrival
        response = "utter_outage_ticket_created" if result.case == "created" else "utter_outage_ticket_existing"
        buttons = [{"title": "查询进度", "payload": f"查询工单{ticket.id}的进度"}]
        dispatcher.utter_message(response=response, ticket_id=ticket.id, area_type=promise.area_type_zh,
                                 minutes=promise.average_minutes, status=ticket.status_zh, buttons=buttons)
        return [SlotSet("last_ticket", ticket.id)]


def say_covered(dispatcher: CollectingDispatcher, found: ReportResult) -> None:
    """The planned outage or known fault that answers the report, then the offer to be
    told when power is back (ActionRestoreNotice takes the answer)."""
    _say_cover(dispatcher, found)
    dispatcher.utter_message(response=RESTORE_OFFER, buttons=RESTORE_BUTTONS)


def _say_cover(dispatcher: CollectingDispatcher, found: ReportResult) -> None:
    if found.planned_outage:
        planned = found.planned_outage
        dispatcher.utter_message(response="utter_outage_planned", reason=planned.reason,
                                 start=time_zh(planned.starts_at), end=time_zh(planned.ends_at))
    elif found.fault:
        fault = found.fault
        dispatcher.utter_message(response="utter_outage_known_fault", area=fault.area, status=fault.status_zh,
                                 restore=restore_zh(fault.expected_restore_at))


class ActionRestoreNotice(Action):
    """The answer to the offer of a notice when power is back.  A yes counts only right
    after the offer (a stray 好的 later is only acknowledged); the service stores the
    subscription with this conversation's channel, once."""

    def name(self) -> str:
        return "action_restore_notice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        cover = cover_of(tracker)
        if turn.last_bot_response(tracker) != RESTORE_OFFER or not cover:
            dispatcher.utter_message(response="utter_ack")
            return []
        if turn.intent(tracker) != "affirm":
            dispatcher.utter_message(response="utter_restore_notice_declined")
            return []
        subject = {"ticket_id": cover.fault.id} if cover.fault else {"planned_outage_id": cover.planned_outage.id}
        mobile = tracker.get_slot("contact_mobile")
        try:
            await svc.subscribe_restore_notice({
                "conversation_id": tracker.sender_id, **subject,
                "contact_mobile": mobile if mobile and mobile != ACCOUNT_MOBILE else None})
        except svc.ServiceFailed as failed:
            already = failed.code == "power_restored"
            dispatcher.utter_message(response="utter_restore_notice_already" if already else "utter_outage_unavailable")
            return []
        except svc.ServiceUnavailable:
            dispatcher.utter_message(response="utter_outage_unavailable", buttons=[HANDOFF_BUTTON])
            return []
        dispatcher.utter_message(response="utter_restore_notice_stored")
        return []


class ActionQueryOutage(Action):
    """A ticket's progress (by its id, or this conversation's last ticket), or the
    planned outages at an address."""

    def name(self) -> str:
        return "action_query_outage"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if waits(turn.text(tracker)):  # 等一下 when asked for the ticket or the address
            dispatcher.utter_message(response="utter_wait")
            return []
        ticket_id = ticket_id_in(turn.text(tracker))
        address = turn.entity(tracker, "address") or tracker.get_slot("outage_address")
        try:
            if ticket_id or (tracker.get_slot("last_ticket") and not turn.entity(tracker, "address")):
                return await self._progress(dispatcher, ticket_id or tracker.get_slot("last_ticket"))
            if address:
                return await self._planned(dispatcher, address, turn.text(tracker)[:200])
        except (svc.ServiceUnavailable, svc.ServiceFailed):
            dispatcher.utter_message(response="utter_outage_unavailable", buttons=[HANDOFF_BUTTON])
            return []
        dispatcher.utter_message(response="utter_ask_outage_query")
        return []

    @staticmethod
    async def _progress(dispatcher: CollectingDispatcher, ticket_id: str) -> list[dict[str, Any]]:
        try:
            ticket = await svc.outage_ticket(ticket_id)
        except svc.ServiceFailed as failed:
            if not failed.refused:
                raise  # the service's own fault: the customer hears it is unavailable
            dispatcher.utter_message(response="utter_ticket_not_found", ticket_id=ticket_id)
            return []
        latest = ticket.history[-1]
        dispatcher.utter_message(response="utter_ticket_progress", ticket_id=ticket.id, status=ticket.status_zh,
                                 at=time_zh(latest.at), note=f"（{latest.note}）" if latest.note else "")
        return [SlotSet("last_ticket", ticket.id)]

    @staticmethod
    async def _planned(dispatcher: CollectingDispatcher, address: str, words: str) -> list[dict[str, Any]]:
        """The planned outages at ``address`` on the days the customer's ``words`` name
        (明天, 下周, 这两天 …; the service reads them), else in the coming week."""
        try:
            found = await svc.planned_outages(address, words)
        except svc.ServiceFailed as failed:
            if not failed.refused:
                raise  # the service's own fault: the customer hears it is unavailable
            # an address the service cannot place: nothing is planned there
            dispatcher.utter_message(response="utter_no_planned_outage", address=address, period="近期")
            return []
        period = days_zh(found.date_from, found.date_to, found.days_named)
        outages = found.planned_outages
        if not outages:
            dispatcher.utter_message(response="utter_no_planned_outage", address=address, period=period)
            return []
        lines = "\n".join(f"{time_zh(p.starts_at)}至{time_zh(p.ends_at)}，{p.area_name}，{p.reason}" for p in outages[:3])
        dispatcher.utter_message(response="utter_planned_outages", address=address, period=period, outages=lines)
        return []
