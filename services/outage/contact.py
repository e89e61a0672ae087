"""The verified account's own address and mobile, for the outage form to offer.

A verified customer reporting an outage is offered the account's address and mobile as
buttons (they may still type others).  The address is shown to them as written on the
account; the mobile only masked (尾号5678), so the full number never travels to the
client: a report that takes the account's mobile names the account, and the service reads
the number here.  No HTTP.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.billing.models import Account, Customer
from services.errors import NotFound
from services.masking import mask_mobile
from services.outage.schemas import AccountContactView


def _row(session: Session, account_no: str) -> tuple[str, str]:
    found = session.execute(select(Customer.address, Customer.mobile)
                            .join(Account, Account.customer_id == Customer.id)
                            .where(Account.account_no == account_no)).first()
    if found is None:
        raise NotFound("account", "No such account", "没有找到这个户号。")
    return found.address, found.mobile


def account_contact(session: Session, account_no: str) -> AccountContactView:
    """The account's address and its mobile, masked."""
    address, mobile = _row(session, account_no)
    return AccountContactView(account_no=account_no, address=address, mobile=mask_mobile(mobile),
                              mobile_last4=mobile[-4:])


def account_mobile(session: Session, account_no: str) -> str:
    """The account's full mobile, for the crew's ticket."""
    return _row(session, account_no)[1]
