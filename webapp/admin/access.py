"""Who may do what in the staff panel: each view names the least role it needs."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user


def requires(role: str):
    """Let only staff with this role (or a higher one) through; others get a 403."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.may(role):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate
