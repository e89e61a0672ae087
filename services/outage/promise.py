"""The repair crew's promised arrival time: the one place it is defined.

Source: 国家电网 供电服务"十项承诺" (2023 edition; yantai.gov.cn 2023-12-08), as recorded in
shared/reference/power-facts.md ("Service commitments"): fault repair 24 hours a day;
average arrival urban 45 min, rural 90 min, remote areas 2 h.  These are averages ("一般为"),
not guaranteed maximums, so the data says ``is_average`` and a reply says 平均/一般, never 保证.

Which promise applies depends on where the fault is.  The demo has no register of the
utility's rural and remote service areas, so a town (镇/乡) or a village (村) address is
rural and anything else urban; remote is set only when the caller (an operator) says so.
"""
from __future__ import annotations

from services.errors import Invalid
from services.outage.address import NormalizedAddress

AREA_TYPES = ("urban", "rural", "remote")
AVERAGE_ARRIVAL_MINUTES = {"urban": 45, "rural": 90, "remote": 120}
AREA_TYPE_ZH = {"urban": "城区", "rural": "农村", "remote": "边远地区"}
BASIS_ZH = "国家电网供电服务“十项承诺”"


def area_type_of(address: NormalizedAddress, given: str | None = None) -> str:
    """``given`` if it is one of AREA_TYPES; else rural for a town or village address, urban otherwise."""
    if given is not None:
        if given not in AREA_TYPES:
            raise Invalid("unknown_area_type", f"area_type must be one of {', '.join(AREA_TYPES)}",
                          "区域类型无效。")
        return given
    rural = (address.town or "").endswith(("镇", "乡")) or (address.street or "").endswith("村")
    return "rural" if rural else "urban"


def promised_arrival(area_type: str) -> dict:
    """What the customer may be told: the average arrival time for the area, and its basis."""
    return {"area_type": area_type, "area_type_zh": AREA_TYPE_ZH[area_type],
            "average_minutes": AVERAGE_ARRIVAL_MINUTES[area_type], "is_average": True, "basis_zh": BASIS_ZH}
