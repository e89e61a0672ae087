"""Planned outages (计划停电): announcing one, cancelling it, and finding the ones that
cover an address or an area.

A planned outage belongs to one district and lists the streets it covers, each whole or
as a range of numbers.  An address is covered when its city, district and street match
and its number (the 门牌号, or the 幢 in a community) is in the range; an address that
names a street but no number matches any range on that street (the customer spoke of
the street).  Whether it is upcoming, in progress or ended follows from the clock.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from services import clock
from services.errors import Conflict, Invalid
from services.outage.address import MAX_HOUSE_NO, NormalizedAddress, normalize_address
from services.outage.codes import PLANNED_PREFIX, next_code, row_by_code
from services.outage.models import PlannedOutage, PlannedOutageStreet
from services.outage.times import china_day, from_operator, in_china, start_of_day
from services.outage.schemas import PlannedOutageList, PlannedOutageView, StreetView
from services.outage.when import days_asked

log = logging.getLogger(__name__)

STATUS_ZH = {"upcoming": "即将停电", "in_progress": "停电进行中", "ended": "已结束", "cancelled": "已取消"}
MAX_DURATION = timedelta(days=3)
MAX_WINDOW_DAYS = 62
MAX_YEARS_AWAY = 2  # how far from today a listing may start
DEFAULT_WINDOW_DAYS = 7  # planned maintenance is announced 7 days ahead (power-facts.md)
ATTEMPTS = 3


@dataclass(frozen=True)
class StreetRange:
    """A street a planned outage covers: whole (no numbers) or from_no..to_no."""

    street: str
    from_no: int | None = None
    to_no: int | None = None


# ---------------------------------------------------------------- announcing and cancelling


def create_planned(session: Session, *, area: str, streets: list[StreetRange], starts_at: datetime,
                   ends_at: datetime, reason: str, area_name: str | None = None, province: str | None = None,
                   source: str = "operator") -> PlannedOutageView:
    """Announce a planned outage in the district ``area`` names (e.g. 杭州市西湖区).
    Times without an offset are China time.  Invalid (422) for an area without a
    district, no or malformed streets, or a window that is not ahead and at most 3 days."""
    place = _district_of(area, province)
    streets = [_checked_street(s) for s in streets]
    if not streets:
        raise Invalid("no_streets", "A planned outage must list at least one street", "请列出停电涉及的道路或小区。")
    start, end = from_operator(starts_at), from_operator(ends_at)
    _check_window(start, end)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise Invalid("bad_reason", "reason must be 1-200 characters", "请填写停电原因（200字以内）。")
    name = (area_name or "").strip() or area_name_for(place, streets)
    for _ in range(ATTEMPTS):
        try:
            outage = insert_planned(session, place, streets, start, end, reason, name[:128], source)
            log.info("planned outage %s announced in %s", outage.code, place.district)
            return planned_view(session, outage)
        except IntegrityError:
            session.rollback()  # another announcement took the same id: number it again
    raise Conflict("busy", "Too many announcements at once; try again", "系统繁忙，请稍后再试。")


def area_name_for(place: NormalizedAddress, streets: list[StreetRange]) -> str:
    """How an outage's area is announced when the operator names none: 西湖区学院路、文三路沿线."""
    return f"{place.district}{'、'.join(s.street for s in streets)}沿线"[:128]


def _district_of(area: str, province: str | None) -> NormalizedAddress:
    place = normalize_address(area, province)
    if not (place.city and place.district):
        raise Invalid("area_without_district", "area must name a city and a district (e.g. Hangzhou, Xihu district)",
                      "请写明停电所在的市和区县，例如杭州市西湖区。")
    return place


def _checked_street(street: StreetRange) -> StreetRange:
    name = (street.street or "").strip()
    numbers = (street.from_no, street.to_no)
    if not name or len(name) > 64:
        raise Invalid("bad_street", "Each street needs a name of 1-64 characters", "道路或小区名称无效。")
    if (None in numbers and numbers != (None, None)) or (
            None not in numbers and not 1 <= street.from_no <= street.to_no <= MAX_HOUSE_NO):
        raise Invalid("bad_numbers",
                      f"A street range needs both from_no and to_no (1 <= from_no <= to_no <= {MAX_HOUSE_NO}), or neither",
                      f"{name}的门牌号范围无效。")
    return StreetRange(name, *numbers)


def _check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise Invalid("bad_window", "ends_at must be after starts_at", "停电结束时间必须晚于开始时间。")
    if end <= clock.utcnow():
        raise Invalid("window_past", "ends_at must be in the future", "停电结束时间已过。")
    if end - start > MAX_DURATION:
        raise Invalid("window_too_long", "A planned outage may last at most 3 days", "单次计划停电不能超过3天。")


def insert_planned(session: Session, place: NormalizedAddress, streets: list[StreetRange], start: datetime,
                   end: datetime, reason: str, name: str, source: str,
                   created_at: datetime | None = None) -> PlannedOutage:
    """Insert checked values (create_planned checks them; the seed writes past ones too)."""
    now = created_at or clock.utcnow()
    seq, code = next_code(session, PlannedOutage, PLANNED_PREFIX, china_day(now))
    outage = PlannedOutage(code=code, day=china_day(now), seq=seq, province=place.province, city=place.city,
                           district=place.district, area_name=name, reason=reason, starts_at=start, ends_at=end,
                           source=source, created_at=now)
    session.add(outage)
    session.flush()
    session.add_all(PlannedOutageStreet(planned_outage_id=outage.id, street=s.street, from_no=s.from_no,
                                        to_no=s.to_no) for s in streets)
    session.flush()
    return outage


def cancel_planned(session: Session, code: str, reason: str | None = None) -> PlannedOutageView:
    """Cancel an announced outage; cancelling it again changes nothing, an ended one is 409."""
    outage = planned_row(session, code)
    now = clock.utcnow()
    if outage.cancelled_at is None and outage.ends_at <= now:
        raise Conflict("planned_outage_ended", "The planned outage has already ended", "该计划停电已经结束。")
    if outage.cancelled_at is None:
        session.execute(update(PlannedOutage).where(PlannedOutage.id == outage.id, PlannedOutage.cancelled_at.is_(None))
                        .values(cancelled_at=now, cancel_reason=(reason or "").strip()[:200] or None)
                        .execution_options(synchronize_session=False))
        session.flush()
        session.expire(outage)
        log.info("planned outage %s cancelled", outage.code)
    return planned_view(session, outage)


def end_planned(session: Session, code: str) -> PlannedOutageView:
    """An operator says power is back: an outage in progress ends now (its end time is
    brought forward), and everyone waiting is told (notify.py), once each.  Saying it again,
    or after the scheduled end, ends nothing more and tells only those not yet told; an
    upcoming or cancelled outage is 409."""
    from services.outage import notify  # notify reads planned: imported here, not at the top

    outage = planned_row(session, code)
    now = clock.utcnow()
    status = status_of(outage, now)
    if status in ("upcoming", "cancelled"):
        raise Conflict(f"planned_outage_{status}", f"The planned outage is {status}, not in progress",
                       "该计划停电尚未开始或已取消。")
    if status == "in_progress":
        session.execute(update(PlannedOutage).where(PlannedOutage.id == outage.id, PlannedOutage.ends_at > now)
                        .values(ends_at=now).execution_options(synchronize_session=False))
        session.flush()
        session.expire(outage)
        log.info("planned outage %s ended early", outage.code)
    notify.notify_planned_ended(session, outage)
    return planned_view(session, outage)


# ---------------------------------------------------------------- finding


def planned_row(session: Session, code: str) -> PlannedOutage:
    return row_by_code(session, PlannedOutage, PLANNED_PREFIX, code, "planned_outage", "没有找到这条计划停电信息。")


def get_planned(session: Session, code: str) -> PlannedOutageView:
    return planned_view(session, planned_row(session, code))


def planned_covering(session: Session, address: NormalizedAddress, at: datetime | None = None) -> PlannedOutage | None:
    """The planned outage in force at ``at`` (default now) that covers ``address``, if any."""
    if not address.has_street():
        return None
    at = at or clock.utcnow()
    query = _in_area(select(PlannedOutage), address).where(
        PlannedOutage.cancelled_at.is_(None), PlannedOutage.starts_at <= at, PlannedOutage.ends_at > at)
    return session.scalars(query.order_by(PlannedOutage.ends_at.desc()).limit(1)).first()


def list_planned(session: Session, *, address: str | None = None, date_from: date | None = None,
                 date_to: date | None = None, when: str | None = None, province: str | None = None,
                 include_cancelled: bool = False) -> PlannedOutageList:
    """Planned outages overlapping the China dates ``date_from``..``date_to``, or the days
    the customer's words ``when`` name (明天, 下周, 这两天 …), by default today and the 7
    days after; in the area or at the address given, earliest first."""
    named = date_from is not None or date_to is not None
    if when and not named:
        asked = days_asked(when, clock.today(), address)
        if asked:
            (date_from, date_to), named = asked, True
    start, end = _window(date_from, date_to)
    query = select(PlannedOutage).where(PlannedOutage.starts_at < end, PlannedOutage.ends_at > start)
    if address is not None:
        query = _in_area(query, normalize_address(address, province))
    if not include_cancelled:
        query = query.where(PlannedOutage.cancelled_at.is_(None))
    rows = session.scalars(query.order_by(PlannedOutage.starts_at, PlannedOutage.id)).unique()
    return PlannedOutageList(planned_outages=[planned_view(session, o) for o in rows], date_from=china_day(start),
                             date_to=china_day(end) - timedelta(days=1), days_named=named)


def _window(date_from: date | None, date_to: date | None) -> tuple[datetime, datetime]:
    today = clock.today()
    first = date_from or today
    if abs((first - today).days) > MAX_YEARS_AWAY * 366:
        raise Invalid("bad_dates", f"date_from must be within {MAX_YEARS_AWAY} years of today", "查询的日期范围无效。")
    last = date_to or first + timedelta(days=DEFAULT_WINDOW_DAYS)
    if last < first or (last - first).days > MAX_WINDOW_DAYS:
        raise Invalid("bad_dates", f"date_to must be on or after date_from, at most {MAX_WINDOW_DAYS} days later",
                      "查询的日期范围无效。")
    return start_of_day(first), start_of_day(last + timedelta(days=1))


def _in_area(query: Select, place: NormalizedAddress) -> Select:
    """Outages in the place's city (and district, and on its street, when it names them)."""
    if not place.city:
        raise Invalid("area_too_vague", "Name at least a city or a district to look up planned outages",
                      "请告诉我具体的区县或街道，例如西湖区文三路。")
    query = query.where(PlannedOutage.city == place.city)
    if place.district:
        query = query.where(PlannedOutage.district == place.district)
    return _on_street(query, place) if place.street else query


def _on_street(query: Select, address: NormalizedAddress) -> Select:
    """``query`` narrowed to outages with a street range that takes in ``address``."""
    query = query.join(PlannedOutageStreet, PlannedOutageStreet.planned_outage_id == PlannedOutage.id).where(
        PlannedOutageStreet.street == address.street)
    number = address.house_no
    if number is None:
        return query
    return query.where(or_(PlannedOutageStreet.from_no.is_(None),
                           and_(PlannedOutageStreet.from_no <= number, PlannedOutageStreet.to_no >= number)))


# ---------------------------------------------------------------- views


def status_of(outage: PlannedOutage, now: datetime) -> str:
    if outage.cancelled_at is not None:
        return "cancelled"
    if now < outage.starts_at:
        return "upcoming"
    return "in_progress" if now < outage.ends_at else "ended"


def planned_view(session: Session, outage: PlannedOutage) -> PlannedOutageView:
    streets = session.scalars(select(PlannedOutageStreet).where(PlannedOutageStreet.planned_outage_id == outage.id)
                              .order_by(PlannedOutageStreet.id))
    status = status_of(outage, clock.utcnow())
    return PlannedOutageView(
        id=outage.code, province=outage.province, city=outage.city, district=outage.district,
        area_name=outage.area_name, streets=[StreetView(street=s.street, from_no=s.from_no, to_no=s.to_no) for s in streets],
        reason=outage.reason, starts_at=in_china(outage.starts_at), ends_at=in_china(outage.ends_at),
        status=status, status_zh=STATUS_ZH[status], cancel_reason=outage.cancel_reason,
        created_at=in_china(outage.created_at))
