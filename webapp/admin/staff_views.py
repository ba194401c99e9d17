"""Staff accounts in the panel: admins add members and change their role or access; everyone
changes their own password."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.admin import staff
from webapp.admin.access import requires
from webapp.admin.accounts import MIN_PASSWORD_LENGTH, ROLES
from webapp.admin.staff import StaffError
from webapp.extensions import db

bp = Blueprint("staff", __name__)


@bp.get("/staff")
@requires("admin")
def members():
    """Every member of staff, their role, and what an admin can change."""
    return _members_page()


@bp.post("/staff")
@requires("admin")
def add():
    """Add a member of staff; their first password is shown here, once."""
    user, password = staff.add_member(
        current_user, request.form.get("email", "")[:320], request.form.get("role", "")
    )
    db.session.commit()
    return _members_page(handed_over=(user, password)), 201


@bp.post("/staff/<int:user_id>/role")
@requires("admin")
def change_role(user_id: int):
    """Give a member another role; it applies to their open pages at once."""
    user = _member(user_id)
    staff.change_role(current_user, user, request.form.get("role", ""))
    return _done(f"{user.email} is now {user.role}.")


@bp.post("/staff/<int:user_id>/access")
@requires("admin")
def set_access(user_id: int):
    """Disable an account, ending its sessions at once, or enable it again."""
    user = _member(user_id)
    choice = request.form.get("active")
    if choice not in ("yes", "no"):
        abort(400)
    active = choice == "yes"
    staff.set_access(current_user, user, active)
    return _done(f"{user.email} {'can sign in again' if active else 'is signed out and disabled'}.")


@bp.post("/staff/<int:user_id>/password")
@requires("admin")
def reset_password(user_id: int):
    """A new password for a member who lost theirs, shown here once; their sessions end."""
    user = _member(user_id)
    password = staff.reset_password(current_user, user)
    db.session.commit()
    return _members_page(handed_over=(user, password))


@bp.get("/account")
def account():
    """The signed-in member's own account: change the password."""
    return _account_page()


@bp.post("/account/password")
def change_password():
    """Change one's own password; every other session of this account ends."""
    form = request.form
    try:
        staff.change_own_password(
            current_user, form.get("current", ""), form.get("new", ""), form.get("repeated", "")
        )
    except StaffError as error:
        db.session.rollback()
        return _account_page(str(error)), 422
    db.session.commit()
    flash("Your password is changed; you were signed out everywhere else.")
    return redirect(url_for(".account"), 303)


@bp.errorhandler(StaffError)
def refuse(error: StaffError):
    """Show the staff page again with the reason beside the form that asked."""
    db.session.rollback()
    problem = (request.view_args.get("user_id"), str(error))
    return _members_page(problem=problem, typed=request.form), 422


def _member(user_id: int):
    user = staff.find_member(user_id)
    if user is None:
        abort(404)
    return user


def _members_page(handed_over=None, problem=None, typed=None) -> str:
    return render_template(
        "admin/staff.html",
        users=staff.members(),
        roles=ROLES,
        handed_over=handed_over,
        problem=problem,
        typed=typed or {},
    )


def _account_page(problem: str | None = None) -> str:
    return render_template("admin/account.html", problem=problem, minimum=MIN_PASSWORD_LENGTH)


def _done(message: str):
    db.session.commit()
    flash(message)
    return redirect(url_for(".members"), 303)
