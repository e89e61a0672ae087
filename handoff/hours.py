"""When human agents answer: business hours in China time (``handoff_hours``, e.g.
"08:00-20:00"), from the one clock.  Outside them, or with nobody online, a customer
who asks for a human is offered a callback instead of a wait."""
from __future__ import annotations

from datetime import datetime, time

from services import clock
from services.settings import get_settings


def business_hours() -> tuple[time, time]:
    start, end = get_settings().handoff_hours.split("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def in_hours(moment: datetime | None = None) -> bool:
    start, end = business_hours()
    local = (moment or clock.now()).astimezone(clock.CHINA).time()
    return start <= local < end


def hours_zh() -> str:
    """"8:00至20:00", as the customer reads it."""
    start, end = business_hours()
    return f"{start.hour}:{start.minute:02d}至{end.hour}:{end.minute:02d}"
