"""The session cookie: HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class SessionCookies(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure over HTTPS (behind a proxy too, given MLN_PROXY_FIX_X_FOR); not in the demo."""
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def save_session(self, app: Flask, session: SessionMixin, response) -> None:
        """Leave customers' pages alone: only the staff panel depends on the session.

        Flask-Login looks into every request's session, which would add `Vary: Cookie` to pages
        that are the same for everyone.
        """
        if request.blueprint != "admin" and not session and not session.modified:
            return
        super().save_session(app, session, response)
