"""Who the customer is, for the agent: only when the customer verified a 户号 in this
conversation (services/conversations links it), read through the billing and outage
services' own code, and masked (name, 户号, mobile, address) for every role: a
supervisor sees a field in clear only through handoff/unmask.py, which audits it."""
from __future__ import annotations

from sqlalchemy import select

from handoff.models import Complaint
from handoff.times import iso
from services.billing import payments, service as billing
from services.billing.models import Account, Customer
from services.masking import mask_account_no
from services.outage import tickets

RECENT_BILLS, RECENT_PAYMENTS, RECENT_TICKETS = 6, 5, 5


def mask_address(address: str | None) -> str:
    """The first 6 characters (province, city) and stars: enough to route, not to visit."""
    if not address:
        return ""
    return address[:6] + "****"


def profile(session, account_no: str | None) -> dict | None:
    if not account_no or session.get(Account, account_no) is None:
        return None
    summary = billing.account_summary(session, account_no)
    account = session.get(Account, account_no)
    customer = session.get(Customer, account.customer_id)
    found = tickets.list_tickets(session, account_no=account_no, limit=RECENT_TICKETS)
    complaint_rows = session.scalars(select(Complaint).where(Complaint.account_no == account_no)
                                     .order_by(Complaint.id.desc()).limit(5))
    return {
        "account_no": mask_account_no(account_no), "name": summary["customer_name"], "mobile": summary["mobile"],
        "address": mask_address(customer.address), "segment": summary["segment"], "province": summary["province"],
        "tariff_plan": summary["tariff_plan"]["name_zh"], "billing_mode": summary["billing_mode"],
        "balance": summary["balance"], "arrears": summary["arrears_total"],
        "overdue_bills": len(summary["overdue_bills"]),
        "next_due": summary["next_due"]["due_date"] if summary["next_due"] else None,
        "identity_locked_until": summary["identity_locked_until"],
        "bills": [{"month": b["period"], "kwh": b["kwh_total"], "amount": b["total_amount"], "status": b["status"],
                   "due_date": b["due_date"]} for b in billing.recent_bills(session, account_no, RECENT_BILLS)],
        "payments": [{"paid_at": p["created_at"], "amount": p["amount"], "channel": p["channel"],
                      "status": p["status"]} for p in payments.list_payments(session, account_no, RECENT_PAYMENTS)],
        "tickets": [{"id": t.id, "kind": t.kind_zh, "status": t.status_zh, "created_at": iso(t.created_at)}
                    for t in found.tickets],
        "complaints": [{"id": c.id, "category": c.category, "status": c.status, "created_at": iso(c.created_at)}
                       for c in complaint_rows],
        "masked": True,
    }
