"""The customer's face: order lookup and the live tracking page."""

from webapp.track.views import bp

__all__ = ["bp"]
