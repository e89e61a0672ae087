"""Repair tickets on a seeded database (SQLite and PostgreSQL): the status path and its
history, refused transitions, readable ids, the promised arrival, masking."""
import logging

import pytest

from services import clock
from services.db import session_scope
from services.errors import Conflict, Invalid, NotFound
from services.outage import reports, tickets
from services.outage.promise import AVERAGE_ARRIVAL_MINUTES

MOBILE = "13812345678"


def open_one(db_url: str, address: str = "北京市朝阳区建国路88号1幢101室", **kw) -> str:
    fields = {"kind": "household", "contact_mobile": MOBILE, "conversation_id": "conv-t", **kw}
    with session_scope(db_url) as session:
        return reports.report_outage(session, address=address, **fields).ticket.id


def change(db_url: str, code: str, status: str, **kw):
    with session_scope(db_url) as session:
        return tickets.change_status(session, code, status, **kw)


def test_a_ticket_walks_accepted_dispatched_on_site_restored_with_its_history(db_url, move_clock):
    code = open_one(db_url)
    move_clock(10)
    change(db_url, code, "dispatched", note="抢修一班已出发", cause="表箱内开关烧坏")
    move_clock(40)
    change(db_url, code, "on_site", note="已到达")
    move_clock(90)
    done = change(db_url, code, "restored", note="更换开关后恢复供电")
    assert [e.status for e in done.history] == ["accepted", "dispatched", "on_site", "restored"]
    assert [e.note for e in done.history][1:] == ["抢修一班已出发", "已到达", "更换开关后恢复供电"]
    times = [e.at for e in done.history]
    assert times == sorted(times) and (times[-1] - times[0]).total_seconds() >= 90 * 60 - 5
    assert done.open is False and done.closed_at == times[-1] and done.cause == "表箱内开关烧坏"
    with session_scope(db_url) as session:
        assert tickets.get_ticket(session, code).status == "restored"  # what a progress question reads


@pytest.mark.parametrize("path, refused", [
    ([], "restored"),                                   # accepted cannot skip to restored
    (["dispatched"], "accepted"),                       # no way back
    (["dispatched", "on_site", "restored"], "on_site"),  # closed stays closed
    (["closed_customer_side"], "dispatched"),
])
def test_a_transition_the_status_does_not_allow_is_refused(db_url, path, refused):
    code = open_one(db_url)
    for status in path:
        change(db_url, code, status)
    with pytest.raises(Conflict) as conflict:
        change(db_url, code, refused)
    assert conflict.value.code == "invalid_transition" and conflict.value.status_code == 409
    with session_scope(db_url) as session:
        ticket = tickets.get_ticket(session, code)
    assert ticket.status == (path[-1] if path else "accepted") and len(ticket.history) == len(path) + 1


def test_closing_as_customer_side_ends_the_ticket_and_frees_the_conversation(db_url):
    code = open_one(db_url)
    closed = change(db_url, code, "closed_customer_side", note="表后线路故障，属客户产权")
    assert closed.open is False and closed.status_zh.startswith("已结单")
    assert open_one(db_url) != code


def test_unknown_status_and_ids_are_refused(db_url):
    code = open_one(db_url)
    with pytest.raises(Invalid):
        change(db_url, code, "fixed")
    with pytest.raises(Invalid) as malformed:
        change(db_url, "42", "dispatched")
    assert malformed.value.code == "malformed_ticket_id"
    with pytest.raises(NotFound):
        change(db_url, "QX20000101-0001", "dispatched")


def test_ids_are_readable_and_numbered_within_the_day(db_url):
    first = open_one(db_url, conversation_id="a")
    second = open_one(db_url, address="北京市朝阳区建国路88号1幢102室", conversation_id="b")
    day = f"QX{clock.today():%Y%m%d}-"
    assert first.startswith(day) and second.startswith(day)
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_the_promised_arrival_is_an_average_by_area_type(db_url):
    with session_scope(db_url) as session:
        urban = reports.report_outage(session, address="杭州市西湖区文三路88号", kind="household",
                                      contact_mobile=MOBILE, conversation_id="u").ticket
        rural = reports.report_outage(session, address="湖州市长兴县和平镇城山村", kind="area",
                                      contact_mobile=MOBILE, conversation_id="r").ticket
        remote = reports.report_outage(session, address="杭州市淳安县千岛湖镇", kind="area", contact_mobile=MOBILE,
                                       conversation_id="x", area_type="remote").ticket
    got = {t.promised_arrival.area_type: t.promised_arrival.average_minutes for t in (urban, rural, remote)}
    assert got == {"urban": 45, "rural": 90, "remote": 120} == AVERAGE_ARRIVAL_MINUTES
    assert all(t.promised_arrival.is_average for t in (urban, rural, remote))
    assert rural.promised_arrival.area_type_zh == "农村" and "十项承诺" in rural.promised_arrival.basis_zh


def test_the_contact_mobile_is_masked_in_every_view_and_log(db_url, caplog):
    caplog.set_level(logging.DEBUG)
    code = open_one(db_url, description=f"联系我{MOBILE}")
    ticket = change(db_url, code, "dispatched", note=f"已电话联系{MOBILE}")
    with session_scope(db_url) as session:
        listed = tickets.list_tickets(session, conversation_id="conv-t")
        again = reports.report_outage(session, address="北京市朝阳区建国路88号1幢101室", kind="household",
                                      contact_mobile=MOBILE, conversation_id="conv-t")
    assert ticket.contact_mobile == "138****5678"
    for view in (ticket, listed, again):
        assert MOBILE not in view.model_dump_json()
    assert "138****5678" in ticket.history[-1].note and "138****5678" in ticket.description
    assert MOBILE not in caplog.text and code in caplog.text  # the log speaks of the ticket, never the number


def test_listing_filters_and_pages(db_url):
    codes = [open_one(db_url, address=f"北京市朝阳区建国路88号1幢{n}01室", conversation_id=f"c{n}") for n in (1, 2, 3)]
    change(db_url, codes[0], "dispatched")
    with session_scope(db_url) as session:
        dispatched = tickets.list_tickets(session, status="dispatched", district="朝阳区")
        page = tickets.list_tickets(session, district="朝阳区", kind="household", limit=2)
        with pytest.raises(Invalid):
            tickets.list_tickets(session, limit=0)
    assert [t.id for t in dispatched.tickets] == [codes[0]]
    assert page.total == 3 and [t.id for t in page.tickets] == [codes[2], codes[1]]  # newest first
