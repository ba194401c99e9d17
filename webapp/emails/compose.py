"""One notification as the e-mail a customer gets: plain text and HTML from the templates under
templates/emails/, times in the customer's language and time zone, links absolute."""

from __future__ import annotations

import hashlib
import hmac
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from urllib.parse import urlsplit

import css_inline
from flask import current_app, render_template

from webapp.emails import dates
from webapp.emails.links import MailSetupError, public_url, stop_key
from webapp.models import Notification, utcnow
from webapp.tracking.carriers import CARRIERS
from webapp.tracking.notices import Delay, Kind
from webapp.tracking.statuses import REASON_MESSAGES, ExceptionReason

SUBJECTS = {
    Kind.ORDER_CONFIRMATION: "Order {number} is confirmed",
    Kind.SHIPPED: "Your order {number} is on its way",
    Kind.OUT_FOR_DELIVERY: "Your order {number} is out for delivery",
    Kind.AVAILABLE_FOR_PICKUP: "Your order {number} is ready to collect",
    Kind.FAILED_ATTEMPT: "We tried to deliver your order {number}",
    Kind.DELIVERED: "Your order {number} has been delivered",
    Kind.DELAYED: "Your order {number} is delayed",
}
RETURNING_SUBJECT = "Your order {number} is on its way back to us"

DELAY_MESSAGES = {
    Delay.STALLED: "The carrier has not reported on your parcel for a few days. We are looking "
    "into it and will write again when it moves.",
    Delay.LATER_ETA: "The carrier now expects to deliver it later than it first said.",
    Delay.RETURNING: "Your parcel is on its way back to us. We will be in touch about what "
    "happens next.",
}

_INLINER = css_inline.CSSInliner(keep_style_tags=False)


def compose(notification: Notification) -> EmailMessage:
    """The message for this notification, ready for any transport."""
    config = current_app.config
    order, parcel = notification.order, notification.shipment
    kind = Kind(notification.kind)
    context = {
        "kind": kind.value,
        "order": order,
        "parcel": parcel,
        "carrier": CARRIERS.get(parcel.carrier) if parcel else None,
        "delay": _delay_text(notification),
        "returning": notification.detail == Delay.RETURNING,
        "track_url": public_url("track.order_page", token=order.token),
        "stop_url": public_url("emails.stop_form", key=stop_key(order)),
        "shop_name": config["SHOP_NAME"],
        "shop_url": config["SHOP_URL"],
        "support_email": config["SUPPORT_EMAIL"],
        "when": dates.Formatter.of(order, config["SHOP_TIME_ZONE"]),
    }
    message = EmailMessage()
    message["Subject"] = _subject(kind, notification, order.number)
    message["From"] = _sender(config)
    message["To"] = formataddr((order.name, notification.recipient))
    if config["SUPPORT_EMAIL"]:
        message["Reply-To"] = config["SUPPORT_EMAIL"]
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = _message_id(notification, context["track_url"])
    # RFC 8058: mail clients show an unsubscribe button that POSTs to the link, no page needed.
    message["List-Unsubscribe"] = f"<{context['stop_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template(f"emails/{kind.value}.txt", **context))
    html = render_template(f"emails/{kind.value}.html", **context)
    message.add_alternative(_INLINER.inline(html), subtype="html")
    return message


def _subject(kind: Kind, notification: Notification, number: str) -> str:
    if notification.detail == Delay.RETURNING:
        return RETURNING_SUBJECT.format(number=number)
    return SUBJECTS[kind].format(number=number)


def _delay_text(notification: Notification) -> str:
    """What a delay notice says happened; empty for the other kinds."""
    if notification.kind != Kind.DELAYED:
        return ""
    if notification.detail in DELAY_MESSAGES:
        return DELAY_MESSAGES[Delay(notification.detail)]
    return REASON_MESSAGES[ExceptionReason.parse(notification.detail)]


def _sender(config) -> str:
    if config["MAIL_FROM"]:
        return config["MAIL_FROM"]
    if not config["SUPPORT_EMAIL"]:
        raise MailSetupError("Set MLN_MAIL_FROM (or MLN_SUPPORT_EMAIL): e-mails need a sender.")
    return formataddr((config["SHOP_NAME"], config["SUPPORT_EMAIL"]))


def _message_id(notification: Notification, link: str) -> str:
    """The same id for every try of one notification, so a duplicate sent after a crash can be
    recognised as one by the receiving side; nothing guessable about other messages."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"notification:{notification.id}".encode(), hashlib.sha256)
    host = urlsplit(link).hostname or "localhost"
    return f"<{notification.id}.{digest.hexdigest()[:20]}@{host}>"
