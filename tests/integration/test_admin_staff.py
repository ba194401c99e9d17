"""Admins manage staff accounts in the panel; every member changes their own password."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.support import STAFF_PASSWORD as PASSWORD
from tests.support import csrf_token, sign_in
from webapp.extensions import db
from webapp.models import AdminSession, AdminUser, AuditEntry

HANDED_OVER = re.compile(r'id="handover-password">([^<]+)<')


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin"), **data})


def member_id(app, email) -> int:
    with app.app_context():
        return db.session.scalar(select(AdminUser.id).where(AdminUser.email == email))


def audit_entries(app, action) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def admin(client, staff):
    """The test client, signed in as the admin."""
    sign_in(client, staff("admin"))
    return client


@pytest.fixture
def other_browser(app):
    """A second browser, for the member an admin acts on."""
    return app.test_client()


def test_an_admin_adds_a_member_who_signs_in_with_the_password_shown_once(
    app, admin, other_browser
):
    response = post(admin, "/admin/staff", email=" New.Agent@Example.com", role="agent")
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    password = HANDED_OVER.search(page).group(1)
    assert len(password) >= 20
    assert "new.agent@example.com" in page
    assert password not in admin.get("/admin/staff").get_data(as_text=True)

    assert sign_in(other_browser, "new.agent@example.com", password).status_code == 303
    assert other_browser.get("/admin/orders.csv").status_code == 200, "an agent exports"
    (entry,) = audit_entries(app, "staff_added")
    assert (entry.actor_email, entry.detail) == (
        "admin@example.com",
        {"member": "new.agent@example.com", "role": "agent"},
    )


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("viewer@example.com", "agent", "There is an account for viewer@example.com already."),
        ("no address", "agent", "That is not an e-mail address."),
        ("x@example.com", "owner", "The role must be one of viewer, agent, admin."),
    ],
)
def test_a_member_that_cannot_be_added_is_refused_with_the_form_kept(
    app, admin, email, role, message
):
    response = post(admin, "/admin/staff", email=email, role=role)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="add-error" role="alert" tabindex="-1" data-arrival-focus>{message}<' in page
    assert f'value="{email}"' in page
    assert 'id="handover-password"' not in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count(AdminUser.id))) == 3
    assert not audit_entries(app, "staff_added")


def test_a_new_role_applies_to_the_members_open_pages_at_once(app, admin, other_browser):
    sign_in(other_browser, "viewer@example.com")
    assert other_browser.get("/admin/orders.csv").status_code == 403
    viewer = member_id(app, "viewer@example.com")

    response = post(admin, f"/admin/staff/{viewer}/role", role="agent")
    assert response.status_code == 303
    assert "viewer@example.com is now agent." in admin.get("/admin/staff").get_data(as_text=True)
    assert other_browser.get("/admin/orders.csv").status_code == 200
    (entry,) = audit_entries(app, "staff_role_changed")
    assert entry.detail == {"member": "viewer@example.com", "was": "viewer", "now": "agent"}


def test_disabling_a_member_signs_them_out_everywhere_until_enabled(app, admin, other_browser):
    sign_in(other_browser, "agent@example.com")
    agent = member_id(app, "agent@example.com")

    assert post(admin, f"/admin/staff/{agent}/access", active="no").status_code == 303
    assert other_browser.get("/admin").status_code == 302, "signed out at once"
    assert sign_in(other_browser, "agent@example.com").status_code == 200, "refused"
    with app.app_context():
        assert db.session.scalar(select(AdminSession).where(AdminSession.user_id == agent)) is None

    assert post(admin, f"/admin/staff/{agent}/access", active="yes").status_code == 303
    assert sign_in(other_browser, "agent@example.com").status_code == 303
    actions = [entry.action for entry in audit_entries(app, "staff_disabled")]
    actions += [entry.action for entry in audit_entries(app, "staff_enabled")]
    assert actions == ["staff_disabled", "staff_enabled"]


def test_a_reset_password_replaces_the_old_one_and_ends_the_members_sessions(
    app, admin, other_browser
):
    sign_in(other_browser, "viewer@example.com")
    viewer = member_id(app, "viewer@example.com")

    response = post(admin, f"/admin/staff/{viewer}/password")
    assert response.status_code == 200
    password = HANDED_OVER.search(response.get_data(as_text=True)).group(1)
    assert other_browser.get("/admin").status_code == 302
    assert sign_in(other_browser, "viewer@example.com", PASSWORD).status_code == 200
    assert sign_in(other_browser, "viewer@example.com", password).status_code == 303
    (entry,) = audit_entries(app, "staff_password_reset")
    assert entry.detail == {"member": "viewer@example.com"}
    assert password not in str(entry.detail)


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("role", {"role": "viewer"}, "You cannot change your own role: another admin can."),
        ("access", {"active": "no"}, "You cannot disable your own account: another admin can."),
        ("password", {}, "You cannot reset your own password here"),
    ],
)
def test_an_admin_cannot_lock_themselves_out(app, admin, path, data, message):
    own = member_id(app, "admin@example.com")
    response = post(admin, f"/admin/staff/{own}/{path}", **data)
    assert response.status_code == 422
    assert f"data-arrival-focus>{message}" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(AdminUser, own)
        assert (user.role, user.active) == ("admin", True)
    assert sign_in(app.test_client(), "admin@example.com").status_code == 303


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("role", {"role": "agent"}, "agent@example.com is an agent already."),
        ("role", {"role": "owner"}, "Choose a role: viewer, agent, admin."),
        ("access", {"active": "yes"}, "agent@example.com is enabled already."),
    ],
)
def test_a_change_that_changes_nothing_is_refused_beside_its_member(
    app, admin, path, data, message
):
    agent = member_id(app, "agent@example.com")
    response = post(admin, f"/admin/staff/{agent}/{path}", **data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        f'id="member-{agent}-error" role="alert" tabindex="-1" data-arrival-focus>{message}<'
        in page
    )
    assert not audit_entries(app, "staff_role_changed")


@pytest.mark.parametrize("choice", ["", "maybe"])
def test_access_is_changed_only_when_asked_plainly(app, admin, choice):
    agent = member_id(app, "agent@example.com")
    assert post(admin, f"/admin/staff/{agent}/access", active=choice).status_code == 400
    with app.app_context():
        assert db.session.get(AdminUser, agent).active is True


def test_an_unknown_member_is_not_found(admin):
    assert post(admin, "/admin/staff/999999/role", role="agent").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "agent"])
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("", {"email": "x@example.com", "role": "admin"}),
        ("/1/role", {"role": "admin"}),
        ("/1/access", {"active": "no"}),
        ("/1/password", {}),
    ],
)
def test_only_admins_change_staff_accounts(app, client, staff, role, path, data):
    sign_in(client, staff(role))
    assert post(client, f"/admin/staff{path}", **data).status_code == 403
    with app.app_context():
        roles = dict(db.session.execute(select(AdminUser.email, AdminUser.role)).all())
    assert roles == {f"{r}@example.com": r for r in ("viewer", "agent", "admin")}


def test_staff_changes_need_the_csrf_token(app, admin):
    viewer = member_id(app, "viewer@example.com")
    assert admin.post(f"/admin/staff/{viewer}/role", data={"role": "admin"}).status_code == 400
    with app.app_context():
        assert db.session.get(AdminUser, viewer).role == "viewer"


def password_change(client, current, new, repeated=None):
    data = {"current": current, "new": new, "repeated": new if repeated is None else repeated}
    return post(client, "/admin/account/password", **data)


def test_a_member_changes_their_password_and_their_other_browsers_are_signed_out(
    app, client, staff, other_browser
):
    sign_in(client, staff("viewer"))
    sign_in(other_browser, staff("viewer"))
    response = password_change(client, PASSWORD, "a much better passphrase")
    assert response.status_code == 303
    assert "Your password is changed" in client.get("/admin/account").get_data(as_text=True)
    assert client.get("/admin").status_code == 200, "this browser stays signed in"
    assert other_browser.get("/admin").status_code == 302
    assert sign_in(other_browser, staff("viewer"), PASSWORD).status_code == 200
    assert sign_in(other_browser, staff("viewer"), "a much better passphrase").status_code == 303
    (entry,) = audit_entries(app, "password_changed")
    assert entry.actor_email == "viewer@example.com"


@pytest.mark.parametrize(
    ("current", "new", "repeated", "message"),
    [
        ("wrong password!", "a much better passphrase", None, "That is not your current password."),
        (PASSWORD, "a much better passphrase", "another one entirely", "and its repetition differ"),
        (PASSWORD, "too short", None, "needs at least 12 characters"),
        (PASSWORD, PASSWORD, None, "is the one you have now"),
    ],
)
def test_a_password_change_that_cannot_be_made_says_why(
    app, client, staff, current, new, repeated, message
):
    sign_in(client, staff("agent"))
    response = password_change(client, current, new, repeated)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert sign_in(app.test_client(), staff("agent"), PASSWORD).status_code == 303
    assert not audit_entries(app, "password_changed")


def test_the_widget_page_gives_the_snippet_with_the_chosen_options(app_factory, staff):
    client = app_factory(EMBED_ORIGINS=["https://shop.example"]).test_client()
    sign_in(client, staff("viewer"))
    page = client.get("/admin/widget?layout=full&accent=%238A4B6E&locale=de-DE").get_data(
        as_text=True
    )
    snippet = re.search(r'id="widget-snippet">([^<]*)<', page).group(1)
    assert snippet == (
        "&lt;div data-mln-track data-mln-layout=&#34;full&#34; data-mln-accent=&#34;#8a4b6e&#34;"
        " data-mln-locale=&#34;de-DE&#34;&gt;&lt;/div&gt;\n"
        "&lt;script src=&#34;http://localhost/widget.js&#34; async&gt;&lt;/script&gt;"
    )
    assert "<li><code>https://shop.example</code></li>" in page


def test_the_widget_page_drops_bad_options_and_warns_when_no_site_may_show_it(client, staff):
    sign_in(client, staff("viewer"))
    response = client.get('/admin/widget?layout=huge&accent="><script>x</script>&locale=1')
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    snippet = re.search(r'id="widget-snippet">([^<]*)<', page).group(1)
    assert snippet.startswith("&lt;div data-mln-track&gt;&lt;/div&gt;")
    assert "<script>x" not in page
    assert "No site is allowed yet" in page
