"""Absolute links into this service for e-mails, which are written far from any request."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from webapp.models import Order, new_token


class MailSetupError(RuntimeError):
    """The service is not set up to write this message (the message says what to set)."""


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint at the configured public address (MLN_PUBLIC_URL)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    if base.scheme not in ("http", "https") or not base.netloc:
        raise MailSetupError("Set MLN_PUBLIC_URL to the address customers open this service at.")
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def stop_key(order: Order) -> str:
    """The order's key for the stop link in its e-mails, made the first time one is written."""
    if order.mail_key is None:
        order.mail_key = new_token()
    return order.mail_key
