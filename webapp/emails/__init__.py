"""Customer e-mails: composing them, handing them over, and the page that stops them."""

from webapp.emails.views import bp

__all__ = ["bp"]
