"""Carrier providers' webhooks: checked, kept and answered here; the worker records them."""

from webapp.webhooks.views import bp

__all__ = ["bp"]
