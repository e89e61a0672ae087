"""The demo outages (services/outage/seed.py): built around the clock's now, on the demo
accounts' own addresses, renewed when they go stale, and never touching other rows."""
from datetime import timedelta

from sqlalchemy import func, select

from services import clock
from services.db import session_scope
from services.outage import planned, reports, tickets
from services.outage.models import PlannedOutage, Ticket
from services.outage.seed import SOURCE, demo_addresses, renew

YEAR_S = 365 * 24 * 3600


def scenario_of(session, address, at=None) -> str:
    """What covers ``address`` at ``at`` (default now): planned | fault | nothing."""
    if planned.planned_covering(session, address, at) is not None:
        return "planned"
    return "fault" if tickets.fault_covering(session, address) is not None else "nothing"


def test_each_demo_account_has_its_scenario_now(db_url):
    with session_scope(db_url) as session:
        demos = list(demo_addresses(session).values())
        tomorrow_noon = clock.now().replace(hour=12, minute=0) + timedelta(days=1)
        assert [scenario_of(session, a) for a in demos] == ["planned", "nothing", "fault", "nothing"]
        assert scenario_of(session, demos[1], tomorrow_noon) == "planned"
        in_area = planned.list_planned(session, address=f"{demos[3].city}{demos[3].district}")
    assert any(o.status == "upcoming" for o in in_area.planned_outages)


def test_the_week_ahead_has_outages_in_progress_and_to_come(shared_db_url):
    with session_scope(shared_db_url) as session:
        week = planned.list_planned(session).planned_outages
    statuses = {o.status for o in week}
    assert {"in_progress", "upcoming"} <= statuses
    assert all(o.starts_at < o.ends_at for o in week)
    assert all(o.ends_at.date() >= clock.today() for o in week)


def test_seeding_again_while_current_changes_nothing(db_url):
    with session_scope(db_url) as session:
        before = session.scalars(select(PlannedOutage.code).order_by(PlannedOutage.code)).all()
        assert renew(session, clock.now()) is False
        assert session.scalars(select(PlannedOutage.code).order_by(PlannedOutage.code)).all() == before


def test_a_year_later_the_stale_demo_is_renewed_around_the_new_now(db_url, monkeypatch):
    with session_scope(db_url) as session:
        customer_ticket = reports.report_outage(session, address="北京市朝阳区建国路88号1幢101室", kind="household",
                                                contact_mobile="13812345678", conversation_id="kept").ticket.id
    monkeypatch.setenv(clock.OFFSET_ENV, str(clock.offset().total_seconds() + YEAR_S))
    with session_scope(db_url) as session:
        demos = list(demo_addresses(session).values())
        assert scenario_of(session, demos[0]) != "planned"  # last year's outage is long over
        assert renew(session, clock.now()) is True
    with session_scope(db_url) as session:
        assert [scenario_of(session, a) for a in demos] == ["planned", "nothing", "fault", "nothing"]
        seeded = session.scalars(select(PlannedOutage).where(PlannedOutage.source == SOURCE)).all()
        assert min(o.created_at for o in seeded) > clock.utcnow() - timedelta(days=10)
        assert tickets.get_ticket(session, customer_ticket).conversation_id == "kept"
        assert session.scalar(select(func.count()).select_from(Ticket).where(Ticket.source == SOURCE)) == 4
