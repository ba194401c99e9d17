"""Staff accounts: sign-in, sessions that end, CSRF, the login limit, roles and the CLI."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests.support import STAFF_PASSWORD as PASSWORD
from tests.support import csrf_token, sign_in
from webapp.admin.accounts import create_user
from webapp.extensions import db
from webapp.models import AdminSession, AdminUser, AuditEntry


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_the_panel_asks_who_you_are_first(client):
    response = client.get("/admin/staff")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=%2Fadmin%2Fstaff")


def test_signing_in_opens_the_panel_and_returns_where_you_were_going(client, staff):
    response = sign_in(client, staff("admin"), next="/admin/staff")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/staff"
    assert "admin@example.com (admin)" in client.get("/admin").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/track", "/admin\\@x"]
)
def test_sign_in_never_sends_you_to_another_site(client, staff, target):
    response = sign_in(client, staff("viewer"), next=target)
    assert response.headers["Location"] == "/admin"


@pytest.mark.parametrize(
    ("email", "password"),
    [("admin@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)],
)
def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, staff, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 200
    assert "do not match an account" in response.get_data(as_text=True)
    assert client.get("/admin").status_code == 302


def test_the_email_is_not_case_sensitive(client, staff):
    assert sign_in(client, "  Agent@Example.COM ").status_code == 303


def test_a_disabled_account_cannot_sign_in(app, client, staff):
    with app.app_context():
        db.session.scalar(select(AdminUser).where(AdminUser.role == "agent")).active = False
        db.session.commit()
    assert sign_in(client, staff("agent")).status_code == 200


def test_passwords_are_stored_as_argon2id_hashes(app, staff):
    with app.app_context():
        stored = db.session.scalar(select(AdminUser.password_hash).where(AdminUser.role == "admin"))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_signing_in_starts_a_new_session(client, staff):
    """Session fixation: what the browser held before signing in opens nothing afterwards."""
    csrf_token(client)
    before = session_cookie(client)
    sign_in(client, staff("admin"))
    after = session_cookie(client)
    assert before is not None
    assert after not in (None, before)

    client.set_cookie("session", before)
    assert client.get("/admin").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site_lax(client, staff):
    response = sign_in(client, staff("admin"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(client, staff):
    client.get("/admin/login", base_url="https://localhost")
    token = csrf_token(client)
    response = client.post(
        "/admin/login",
        base_url="https://localhost",
        data={"email": staff("admin"), "password": PASSWORD, "csrf_token": token},
    )
    assert "; Secure" in response.headers["Set-Cookie"]


def test_signing_out_ends_the_session_on_the_server(app, client, staff):
    sign_in(client, staff("admin"))
    copied = session_cookie(client)
    response = client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin")})
    assert response.status_code == 303
    assert client.get("/admin").status_code == 302

    client.set_cookie("session", copied)  # a copy of the cookie kept from before
    assert client.get("/admin").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AdminSession)) is None


def test_state_changes_need_the_csrf_token(client, staff):
    data = {"email": staff("admin"), "password": PASSWORD}
    assert client.post("/admin/login", data=data).status_code == 400
    sign_in(client, staff("admin"))
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin").status_code == 200, "still signed in"


def test_the_csrf_token_is_accepted_from_the_htmx_header(client, staff):
    sign_in(client, staff("admin"))
    token = csrf_token(client, "/admin")
    assert client.post("/admin/logout", headers={"X-CSRFToken": token}).status_code == 303


def test_customer_forms_need_no_session_and_get_no_cookie(client):
    response = client.post("/track", data={"number": "LL-1", "contact": "a@example.com"})
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_failed_sign_ins_are_rate_limited(app_factory, staff):
    client = app_factory(ADMIN_LOGIN_RATE_LIMIT="2 per minute").test_client()
    assert [sign_in(client, staff("admin"), "nope nope nope").status_code for _ in range(2)] == [
        200,
        200,
    ]
    limited = sign_in(client, staff("admin"))
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("agent", 403), ("admin", 200)])
def test_only_admins_manage_staff(client, staff, role, status):
    sign_in(client, staff(role))
    assert client.get("/admin/staff").status_code == status


def test_the_staff_list_escapes_what_it_shows(app, client, staff):
    with app.app_context():
        create_user("<b>x</b>@example.com", PASSWORD, "viewer")
        db.session.commit()
    sign_in(client, staff("admin"))
    page = client.get("/admin/staff").get_data(as_text=True)
    assert "&lt;b&gt;x&lt;/b&gt;@example.com" in page
    assert "<b>x</b>" not in page


def test_users_create_reads_the_password_from_standard_input(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "Ops@Example.com", "--role", "agent"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "ops@example.com can now sign in as agent" in result.output
    assert sign_in(client, "ops@example.com").status_code == 303


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["viewer@example.com"], PASSWORD, "there is an account for viewer@example.com"),
        (["new@example.com"], "short", "at least 12 characters"),
        (["not-an-email"], PASSWORD, "not an e-mail address"),
        (["new@example.com", "--role", "owner"], PASSWORD, "Invalid value for '--role'"),
    ],
)
def test_users_create_refuses_what_it_cannot_create(app, staff, args, password, message):
    result = app.test_cli_runner().invoke(args=["users", "create", *args], input=password + "\n")
    assert result.exit_code != 0
    assert message in result.output


def test_demo_seed_prints_a_demo_admin_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--base-url", "http://x.test"])
    pattern = r"staff panel: http://x.test/admin, signed in as (\S+) with the password (\S+)"
    line = re.search(pattern, result.output)
    assert line, result.output
    assert sign_in(client, line.group(1), line.group(2)).status_code == 303


def test_sign_ins_refusals_and_sign_outs_are_audited(app, client, staff):
    sign_in(client, "nobody@example.com")
    sign_in(client, staff("agent"))
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin")})
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        agent_id = db.session.scalar(select(AdminUser.id).where(AdminUser.role == "agent"))
    assert [(e.action, e.actor_email, e.actor_id) for e in entries] == [
        ("sign_in_refused", "nobody@example.com", None),
        ("signed_in", "agent@example.com", agent_id),
        ("signed_out", "agent@example.com", agent_id),
    ]
    assert all(entry.client == "127.0.0.1" for entry in entries)


def test_the_audit_log_outlives_the_account(app, client, staff):
    sign_in(client, staff("viewer"))
    with app.app_context():
        db.session.delete(db.session.scalar(select(AdminUser).where(AdminUser.role == "viewer")))
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "signed_in"))
        assert (entry.actor_email, entry.actor_id) == ("viewer@example.com", None)
