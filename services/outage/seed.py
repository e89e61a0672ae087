"""Demo outages, always current: planned outages and open faults around "now" by the clock.

``python -m services.billing.seed`` (what `make db` runs) calls :func:`seed_outages` after
the billing data, on every run.  The seeded rows (``source = "seed"``) are kept while the
first demo account's outage below still has an hour to run; otherwise they are replaced
by a fresh set around the clock's now, so a demo started any day finds current and
upcoming outages.  Tickets and outages that anyone else created are never touched.

The demo accounts (billing/demo_accounts.yml, in that order) get one scenario each, on
the address the billing seed gave them (read from the database: it depends on the seed's
size):

* 1st (3300000001): a planned outage in progress now covers its address (its street,
  numbers within 20 of its own) → a report is answered with the outage.
* 2nd (3300000002): a planned outage tomorrow 08:00-17:00 covers it; nothing now → a
  report opens a ticket, and 明天 shows the outage.
* 3rd (3300000003): an open area fault (dispatched) on its street → a report is
  answered with the fault.
* 4th (1100000001): nothing covers it (a report opens a ticket); a planned outage on
  another street of its district the day after tomorrow.

Besides, every district of the billing seed (PLACES) gets a planned outage on one of its
roads within the coming week (by the time of day, today's may be in progress or over),
with one cancelled and one that ended yesterday, and three open area faults; none of
these is on a demo account's street.  One ``random.Random(SEED)`` drives the choices: the same now gives
the same rows.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services import clock
from services.billing.models import Account, Customer
from services.billing.seed import DEMO_FILE, PLACES, ROADS
from services.db import session_scope
from services.outage import tickets
from services.outage.address import NormalizedAddress, normalize_address
from services.outage.models import PlannedOutage, PlannedOutageStreet, Ticket, TicketEvent
from services.outage.planned import StreetRange, area_name_for, insert_planned, planned_covering
from services.outage.times import from_operator

SEED = 20261123
SOURCE = "seed"
NEARBY_NUMBERS = 20
REASONS = ["10千伏线路检修", "配电变压器增容改造", "线路迁改工程施工", "配电房设备例行检修", "老旧电缆更换"]
FAULT_CAUSES = ["10千伏线路故障，抢修人员正在排查", "配电变压器故障", "地下电缆被外部施工挖断", "大风导致线路跳闸"]
ANNOUNCED_DAYS_AHEAD = 7
STILL_CURRENT_FOR = timedelta(hours=1)


def seed_outages(url: str | None = None, today: date | None = None) -> bool:
    """Renew the demo outages in the database at ``url`` around the clock's now (on
    ``today`` if given); False when the seeded ones are still current."""
    now = clock.now() if today is None else datetime.combine(today, clock.now().timetz())
    with session_scope(url) as session:
        return renew(session, now)


def renew(session: Session, now: datetime) -> bool:
    """Replace the seeded outages by a set around ``now`` unless they are current."""
    demos = list(demo_addresses(session).values())
    if _is_current(session, demos, now):
        return False
    _delete_seeded(session)
    rng = random.Random(SEED)
    taken = {(a.city, a.district, a.street) for a in demos}
    _seed_demo_scenarios(session, rng, demos, taken, now)
    _seed_district_outages(session, rng, taken, now)
    return True


def _is_current(session: Session, demos: list[NormalizedAddress], now: datetime) -> bool:
    """The first demo account's scenario still holds an hour from now: a seeded outage covers it."""
    if not demos:
        return False
    outage = planned_covering(session, demos[0], from_operator(now) + STILL_CURRENT_FOR)
    return outage is not None and outage.source == SOURCE


def _delete_seeded(session: Session) -> None:
    seeded_tickets = select(Ticket.id).where(Ticket.source == SOURCE)
    seeded_outages = select(PlannedOutage.id).where(PlannedOutage.source == SOURCE)
    session.execute(delete(TicketEvent).where(TicketEvent.ticket_id.in_(seeded_tickets)))
    session.execute(delete(Ticket).where(Ticket.source == SOURCE))
    session.execute(delete(PlannedOutageStreet).where(PlannedOutageStreet.planned_outage_id.in_(seeded_outages)))
    session.execute(delete(PlannedOutage).where(PlannedOutage.source == SOURCE))


def demo_addresses(session: Session) -> dict[str, NormalizedAddress]:
    """The demo accounts' seeded addresses by 户号, in demo_accounts.yml order (none before
    billing is seeded): what the scenarios above are built on."""
    numbers = [d["account_no"] for d in yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))["accounts"]]
    rows = session.execute(select(Account.account_no, Account.province, Customer.address)
                           .join(Customer, Customer.id == Account.customer_id).where(Account.account_no.in_(numbers)))
    found = {no: normalize_address(address, province) for no, province, address in rows}
    return {no: found[no] for no in numbers if no in found}


# ---------------------------------------------------------------- the demo accounts


def _seed_demo_scenarios(session: Session, rng: random.Random, demos: list[NormalizedAddress],
                         taken: set[tuple], now: datetime) -> None:
    hour = now.replace(minute=0, second=0, microsecond=0)
    scenarios = [
        lambda a: _planned(session, rng, a, [_around(a)], hour - timedelta(hours=2), hour + timedelta(hours=5)),
        lambda a: _planned(session, rng, a, [_around(a)], *_day_window(now, 1, 8, 17)),
        lambda a: _area_fault(session, rng, a, a.street, now - timedelta(minutes=40)),
        lambda a: _planned(session, rng, a, [StreetRange(_free_road(rng, a, taken))], *_day_window(now, 2, 9, 15)),
    ]
    for scenario, address in zip(scenarios, demos):
        scenario(address)


def _around(address: NormalizedAddress) -> StreetRange:
    """The address's street, numbers within NEARBY_NUMBERS of its own (all of it without one)."""
    number = address.house_no
    if number is None:
        return StreetRange(address.street)
    return StreetRange(address.street, max(1, number - NEARBY_NUMBERS), number + NEARBY_NUMBERS)


def _day_window(now: datetime, days_ahead: int, start_hour: int, end_hour: int) -> tuple[datetime, datetime]:
    day = now.date() + timedelta(days=days_ahead)
    return (datetime.combine(day, time(start_hour), tzinfo=clock.CHINA),
            datetime.combine(day, time(end_hour), tzinfo=clock.CHINA))


# ---------------------------------------------------------------- every demo district


def _seed_district_outages(session: Session, rng: random.Random, taken: set[tuple], now: datetime) -> None:
    places = [normalize_address(prefix + district, key)
              for key, (prefix, _, districts) in PLACES.items() for district in districts]
    for place in places:
        start = datetime.combine(now.date() + timedelta(days=rng.randint(0, 6)), time(rng.choice([8, 9, 13])),
                                 tzinfo=clock.CHINA)
        _planned(session, rng, place, [StreetRange(_free_road(rng, place, taken))], start,
                 start + timedelta(hours=rng.randint(3, 8)))
    cancelled = _planned(session, rng, places[1], [StreetRange(_free_road(rng, places[1], taken))],
                         *_day_window(now, 1, 9, 12))
    cancelled.cancelled_at, cancelled.cancel_reason = now, "施工计划调整，停电取消"
    _planned(session, rng, places[2], [StreetRange(_free_road(rng, places[2], taken))], *_day_window(now, -1, 8, 12))
    for place in rng.sample(places, 3):
        _area_fault(session, rng, place, _free_road(rng, place, taken), now - timedelta(minutes=rng.randint(20, 90)))


def _free_road(rng: random.Random, place: NormalizedAddress, taken: set[tuple]) -> str:
    """A road of the billing seed that no demo account lives on in ``place``'s district."""
    return rng.choice([road for road in ROADS if (place.city, place.district, road) not in taken])


# ---------------------------------------------------------------- rows


def _planned(session: Session, rng: random.Random, place: NormalizedAddress, streets: list[StreetRange],
             start: datetime, end: datetime) -> PlannedOutage:
    """Announced 7 days ahead (power-facts.md); every seeded start is at most 7 days away."""
    return insert_planned(session, place, streets, from_operator(start), from_operator(end), rng.choice(REASONS),
                          area_name_for(place, streets), SOURCE,
                          created_at=from_operator(start - timedelta(days=ANNOUNCED_DAYS_AHEAD)))


def _area_fault(session: Session, rng: random.Random, place: NormalizedAddress, street_name: str,
                reported: datetime) -> Ticket:
    """An open area fault on ``street_name`` in ``place``'s district, dispatched 8 minutes after it was reported."""
    street = NormalizedAddress(raw=f"{place.district}{street_name}", province=place.province, city=place.city,
                               district=place.district, street=street_name)
    reported = from_operator(reported)
    ticket = tickets.open_ticket(session, address=street, kind="area", contact_mobile=f"139{rng.randrange(10**8):08d}",
                                 description="整片停电，邻居家也没电", source=SOURCE, actor=SOURCE, created_at=reported)
    tickets.change_status(session, ticket.code, "dispatched", "抢修人员已出发", actor=SOURCE,
                          cause=rng.choice(FAULT_CAUSES), expected_restore_at=reported + timedelta(hours=3),
                          at=reported + timedelta(minutes=8))
    return ticket
