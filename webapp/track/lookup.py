"""Finding an order from what a customer knows, without telling strangers which orders exist."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from webapp.extensions import db, limiter
from webapp.models import Order, Shipment

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_NUMBER_LENGTH = 64
MAX_CONTACT_LENGTH = 320
_ABSENT = secrets.token_hex(16)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _configured_limit() -> str:
    return current_app.config["LOOKUP_RATE_LIMIT"]


def _missed(response) -> bool:
    return response.status_code != 303


# One budget per client for every lookup form, the tracking site's and the widget's alike.
rate_limited = limiter.shared_limit(_configured_limit, scope="lookup", deduct_when=_missed)


@dataclass(frozen=True)
class LookupForm:
    number: str
    contact: str

    @classmethod
    def parse(cls, form) -> LookupForm:
        return cls(number=form.get("number", "").strip(), contact=form.get("contact", "").strip())

    def errors(self) -> dict[str, str]:
        """Problems with the input itself, field by field."""
        problems = {}
        if not normalise_number(self.number):
            problems["number"] = "Enter your order number."
        elif len(self.number) > MAX_NUMBER_LENGTH:
            problems["number"] = "That is longer than any order number we issue."
        if not self.contact.strip():
            problems["contact"] = "Enter the e-mail address or postcode you ordered with."
        elif len(self.contact) > MAX_CONTACT_LENGTH:
            problems["contact"] = "That is longer than any e-mail address or postcode."
        for field in ("number", "contact"):
            if field not in problems and _CONTROL.search(getattr(self, field)):
                problems[field] = "That contains characters we cannot read."
        return problems


def normalise_number(number: str) -> str:
    """'#ll-1001 ' and 'LL-1001' are the same order."""
    return number.strip().lstrip("#").strip().upper()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_postcode(postcode: str) -> str:
    return "".join(postcode.split()).upper()


def find_order(number: str, contact: str) -> Order | None:
    """The order if the e-mail or postcode matches; the same work is done when it does not exist."""
    order = db.session.scalar(select(Order).where(Order.number == normalise_number(number)))
    email = order.email if order else _ABSENT
    postcode = (order.postcode if order else "") or _ABSENT
    email_ok = _same(normalise_email(contact), normalise_email(email))
    postcode_ok = _same(normalise_postcode(contact), normalise_postcode(postcode))
    if order is None or not (email_ok or (postcode_ok and order.postcode)):
        return None
    return order


_REVISION_BY_TOKEN = select(Order.revision).where(Order.token == bindparam("token"))


def page_revision(token: str) -> tuple[str, int] | None:
    """(token, revision) for a valid token: one indexed read that tells if the page changed.

    Keyed by token, not order id: a deleted order's id can be reused by SQLite for another order.
    """
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    # One statement needs no transaction: no BEGIN and ROLLBACK round trips on PostgreSQL.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        revision = connection.execute(_REVISION_BY_TOKEN, {"token": token}).scalar()
    return None if revision is None else (token, revision)


def find_by_token(token: str) -> Order | None:
    """The order this capability opens, with everything its tracking page shows."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    return db.session.scalar(
        select(Order)
        .where(Order.token == token)
        .options(
            selectinload(Order.items),
            selectinload(Order.shipments).selectinload(Shipment.events),
        )
    )


def _same(given: str, expected: str) -> bool:
    """Compare digests in constant time, so neither length nor content leaks through timing."""
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )
