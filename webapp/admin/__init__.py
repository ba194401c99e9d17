"""The staff's face: accounts and sign-in; search, order detail and exceptions build on them."""

from webapp.admin.views import bp

__all__ = ["bp"]
