"""The staff panel's blueprint and its guards; signing in and out; the overview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from webapp.admin import audit, dashboard, imports
from webapp.admin.access import requires
from webapp.admin.accounts import authenticate, end_session, find_session, start_session
from webapp.extensions import db, limiter, login_manager
from webapp.webhooks import inbox
from webapp.widget.options import LAYOUTS, EmbedOptions
from webapp.widget.snippet import embed_snippet

bp = Blueprint("admin", __name__, url_prefix="/admin")
PUBLIC_ENDPOINTS = ("admin.login_form", "admin.login")
IMPORT_MAX_BYTES = 5 * 1024 * 1024


@login_manager.user_loader
def load_staff(token: str):
    return find_session(token)


@bp.before_request
def require_sign_in():
    """Every admin page but the sign-in form needs a signed-in member of staff."""
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.after_request
def never_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _login_limit() -> str:
    return current_app.config["ADMIN_LOGIN_RATE_LIMIT"]


def _refused(response) -> bool:
    return response.status_code != 303


@bp.get("/login")
def login_form():
    """The sign-in form."""
    return render_template("admin/login.html", email="", next=_safe_next(), failed=False)


@bp.post("/login")
@limiter.limit(_login_limit, deduct_when=_refused)
def login():
    """Sign in with a new session: whatever session the browser had before is dropped."""
    email = request.form.get("email", "")[:320]
    user = authenticate(email, request.form.get("password", ""))
    if user is None:
        audit.record("sign_in_refused", email)
        db.session.commit()
        return render_template("admin/login.html", email=email, next=_safe_next(), failed=True)
    session.clear()
    lifetime = timedelta(seconds=current_app.config["ADMIN_SESSION_SECONDS"])
    staff = start_session(user, lifetime)
    audit.record("signed_in", user.email, user.id)
    db.session.commit()
    login_user(staff)
    return redirect(_safe_next() or url_for("admin.home"), 303)


@bp.post("/logout")
def logout():
    """End the session on the server, so a copy of its cookie opens nothing."""
    end_session(current_user.session_token)
    audit.record("signed_out", current_user.email, current_user.user_id)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("admin.login_form"), 303)


@bp.get("")
def home():
    """Where staff land: parcels by stage, the ones needing attention, each carrier's record."""
    return render_template(
        "admin/home.html",
        overview=dashboard.overview(datetime.now(UTC)),
        webhooks_waiting=inbox.waiting_for_staff(),
    )


@bp.get("/widget")
def widget():
    """The snippet a shop pastes into its pages, built from the options chosen here."""
    options = EmbedOptions.parse(request.args, [])
    snippet = embed_snippet(url_for("widget.script", _external=True), options)
    return render_template(
        "admin/widget.html",
        options=options,
        snippet=snippet,
        layouts=LAYOUTS,
        origins=current_app.config["EMBED_ORIGINS"],
    )


def _safe_next() -> str:
    """Where to go after signing in: only a path of this panel, never another site."""
    target = request.values.get("next", "")
    if target.startswith("/admin") and "//" not in target and "\\" not in target:
        return target
    return ""


@bp.get("/imports")
@requires("agent")
def imports_form():
    """Upload orders and parcels as CSV: the columns, and the form."""
    return render_template("admin/imports.html", columns=imports.COLUMNS, outcomes=None)


@bp.post("/imports")
@requires("agent")
def import_file():
    """Make the file's orders and parcels, and say per order what became of it."""
    request.max_content_length = IMPORT_MAX_BYTES
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise imports.FileError("Choose a CSV file first.")
        outcomes = imports.import_csv(upload.read())
    except imports.FileError as error:
        page = render_template(
            "admin/imports.html", columns=imports.COLUMNS, outcomes=None, error=str(error)
        )
        return page, 422
    audit.record(
        "orders_imported",
        current_user.email,
        current_user.user_id,
        file=(upload.filename or "")[:200],
        made=sum(o.state == "made" for o in outcomes),
        there_already=sum(o.state == "there already" for o in outcomes),
        refused=sum(o.state == "refused" for o in outcomes),
        parcels=sum(o.parcels for o in outcomes),
    )
    db.session.commit()
    return render_template("admin/imports.html", columns=imports.COLUMNS, outcomes=outcomes)
