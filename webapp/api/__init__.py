"""The shop API: orders and shipments in, their tracking out, for the shop's own systems."""

from webapp.api.views import bp

__all__ = ["bp"]
