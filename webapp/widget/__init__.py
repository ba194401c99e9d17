"""The embeddable widget: widget.js for the shop's pages, and the /embed pages it frames."""

from webapp.widget.views import bp

__all__ = ["bp"]
