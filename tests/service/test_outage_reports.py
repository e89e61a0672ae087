"""Outage reports on a seeded database (SQLite and PostgreSQL): idempotent intake, and the
planned outages and open faults that answer a report instead of a new ticket.

The seed (services/outage/seed.py) gives the demo accounts their scenarios: the 1st is
inside a planned outage now, the 2nd has one tomorrow, the 3rd's street has an open area
fault, the 4th has nothing."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services import clock
from services.db import session_scope
from services.errors import Invalid
from services.outage import planned, reports, tickets
from services.outage.address import normalize_address
from services.outage.models import Ticket
from services.outage.seed import demo_addresses

COVERED_NOW, COVERED_TOMORROW, FAULT_ON_STREET, UNCOVERED = "3300000001", "3300000002", "3300000003", "1100000001"
MOBILE = "13800005678"


def demo(db_url: str, account_no: str) -> str:
    with session_scope(db_url) as session:
        return demo_addresses(session)[account_no].raw


def report(db_url: str, address: str, **kw):
    fields = {"kind": "household", "contact_mobile": MOBILE, "conversation_id": "conv-1", **kw}
    with session_scope(db_url) as session:
        return reports.report_outage(session, address=address, **fields)


def ticket_count(db_url: str) -> int:
    with session_scope(db_url) as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def test_an_uncovered_household_report_opens_an_accepted_ticket(db_url):
    before = ticket_count(db_url)
    result = report(db_url, demo(db_url, UNCOVERED), account_no=UNCOVERED, description="家里突然没电了")
    assert result.case == "created"
    ticket = result.ticket
    assert ticket.id.startswith(f"QX{clock.today():%Y%m%d}-") and ticket.status == "accepted"
    assert ticket.priority == "normal" and ticket.account_no == UNCOVERED and ticket.conversation_id == "conv-1"
    assert ticket.address.text == normalize_address(demo(db_url, UNCOVERED)).text
    assert [e.status for e in ticket.history] == ["accepted"]
    assert ticket_count(db_url) == before + 1


def test_the_same_conversation_reporting_again_gets_its_ticket(db_url):
    first = report(db_url, demo(db_url, UNCOVERED))
    again = report(db_url, "另一个地址：文三路1号", kind="building")
    assert (again.case, again.reason, again.ticket.id) == ("existing_ticket", "same_conversation", first.ticket.id)


def test_the_same_address_from_another_conversation_gets_the_open_ticket_without_its_reporter(db_url):
    address = demo(db_url, UNCOVERED)
    first = report(db_url, address, account_no=UNCOVERED, description="我是户主")
    rewritten = address.replace("北京市", "北京")  # another writing of the same home
    other = report(db_url, rewritten, conversation_id="conv-2", contact_mobile="13900001234")
    assert (other.case, other.reason, other.ticket.id) == ("existing_ticket", "same_address", first.ticket.id)
    assert other.ticket.conversation_id is None and other.ticket.account_no is None and other.ticket.description is None
    with session_scope(db_url) as session:
        assert tickets.list_tickets(session, conversation_id="conv-2").total == 0


def test_a_closed_ticket_no_longer_answers_a_new_report(db_url):
    first = report(db_url, demo(db_url, UNCOVERED))
    with session_scope(db_url) as session:
        for status in ("dispatched", "on_site", "restored"):
            tickets.change_status(session, first.ticket.id, status)
    again = report(db_url, demo(db_url, UNCOVERED))
    assert again.case == "created" and again.ticket.id != first.ticket.id


def test_a_planned_outage_in_force_answers_instead_of_a_ticket(db_url):
    before = ticket_count(db_url)
    result = report(db_url, demo(db_url, COVERED_NOW), kind="building")
    assert result.case == "planned_outage" and result.ticket is None
    outage = result.planned_outage
    assert outage.status == "in_progress" and outage.reason
    assert outage.starts_at <= clock.now() < outage.ends_at
    assert ticket_count(db_url) == before


def test_a_planned_outage_covers_only_its_window_and_numbers(db_url):
    address = demo(db_url, COVERED_TOMORROW)
    with session_scope(db_url) as session:
        place = normalize_address(address)
        assert planned.planned_covering(session, place) is None
        tomorrow_noon = clock.now().replace(hour=12, minute=0) + timedelta(days=1)
        assert planned.planned_covering(session, place, tomorrow_noon) is not None
        far_number = normalize_address(f"{place.city}{place.district}{place.street}{place.house_no + 500}号")
        assert planned.planned_covering(session, far_number, tomorrow_noon) is None
    assert report(db_url, address).case == "created"


def test_a_cancelled_planned_outage_no_longer_covers(db_url):
    address = demo(db_url, COVERED_NOW)
    with session_scope(db_url) as session:
        outage = planned.planned_covering(session, normalize_address(address))
        planned.cancel_planned(session, outage.code, "天气原因")
    assert report(db_url, address).case == "created"


def test_an_open_area_fault_on_the_street_answers_instead_of_a_ticket(db_url):
    result = report(db_url, demo(db_url, FAULT_ON_STREET), kind="area")
    assert result.case == "known_fault" and result.ticket is None
    fault = result.fault
    assert fault.kind == "area" and fault.status == "dispatched" and fault.cause
    assert fault.area in demo(db_url, FAULT_ON_STREET)  # 南湖区东风路 …: the street, no household
    # whoever reported the fault stays unknown: no contact, conversation or household details
    assert set(fault.model_dump()) == {"id", "kind", "kind_zh", "status", "status_zh", "area", "cause",
                                       "expected_restore_at", "reported_at"}


def test_a_danger_report_opens_an_urgent_ticket_even_inside_a_planned_outage(db_url):
    result = report(db_url, demo(db_url, COVERED_NOW), kind="danger", description="电线掉在地上还在打火")
    assert result.case == "created"
    assert (result.ticket.kind, result.ticket.priority) == ("danger", "urgent")


def test_a_danger_report_raises_the_open_ticket_to_urgent(db_url):
    first = report(db_url, demo(db_url, UNCOVERED))
    danger = report(db_url, demo(db_url, UNCOVERED), kind="danger")
    assert (danger.case, danger.escalated, danger.ticket.id) == ("existing_ticket", True, first.ticket.id)
    assert (danger.ticket.kind, danger.ticket.priority) == ("danger", "urgent")
    assert [e.status for e in danger.ticket.history] == ["accepted", "accepted"]
    assert "紧急" in danger.ticket.history[-1].note


def test_the_check_answers_like_a_report_but_opens_nothing(db_url):
    before = ticket_count(db_url)
    with session_scope(db_url) as session:
        assert reports.check_report(session, address=demo(db_url, UNCOVERED)).case == "none"
        assert reports.check_report(session, address=demo(db_url, COVERED_NOW)).case == "planned_outage"
        assert reports.check_report(session, address=demo(db_url, FAULT_ON_STREET)).case == "known_fault"
    assert ticket_count(db_url) == before


def test_reports_racing_from_one_conversation_open_one_ticket(db_url):
    address = demo(db_url, UNCOVERED)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: report(db_url, address, conversation_id="race"), range(4)))
    assert len({r.ticket.id for r in results}) == 1
    assert sorted(r.case for r in results) == ["created"] + ["existing_ticket"] * 3
    with session_scope(db_url) as session:
        assert tickets.list_tickets(session, conversation_id="race").total == 1


@pytest.mark.parametrize("fields, code", [
    ({"contact_mobile": "12345"}, "malformed_mobile"),
    ({"kind": "fire"}, "unknown_kind"),
    ({"account_no": "33000"}, "bad_account_no"),
    ({"conversation_id": "has space"}, "bad_conversation_id"),
    ({"address": "3幢2单元"}, "address_too_vague"),
])
def test_bad_report_input_is_refused_before_anything_is_written(db_url, fields, code):
    before = ticket_count(db_url)
    fields = {"address": "杭州市西湖区文三路88号", **fields}
    with pytest.raises(Invalid) as refused:
        report(db_url, **fields)
    assert refused.value.code == code and refused.value.status_code == 422
    assert ticket_count(db_url) == before
