"""Staff accounts and the widget's snippet in a real browser, signed in as the demo admin."""

import re
import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


def _add_member(page: Page, live_server, role: str) -> tuple[str, str]:
    """Add a member through the form; their e-mail and the password shown for them."""
    email = f"staff-{secrets.token_hex(4)}@example.com"
    page.goto(f"{live_server.url}/admin/staff")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Role", exact=True).select_option(role)
    page.get_by_role("button", name="Add, and make a password").click()
    handover = page.locator(".handover")
    expect(handover).to_be_focused()
    expect(handover).to_contain_text(email)
    return email, page.locator("#handover-password").inner_text()


def _sign_in(browser, live_server, email: str, password: str) -> Page:
    """A browser of the member's own, signed in; closed with its context by the caller."""
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/admin/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    return page


def _serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_an_admin_adds_a_member_who_then_signs_in(staff_page, browser, live_server):
    email, password = _add_member(staff_page, live_server, "agent")
    expect(staff_page.get_by_role("row", name=re.compile(email))).to_be_visible()
    screenshot(staff_page, f"admin-staff-desktop-{live_server.database}")

    newcomer = _sign_in(browser, live_server, email, password)
    expect(newcomer.get_by_role("link", name=f"{email} (agent)")).to_be_visible()
    newcomer.context.close()


def test_disabling_a_member_asks_first_and_marks_them(staff_page, live_server):
    email, _ = _add_member(staff_page, live_server, "viewer")
    row = staff_page.get_by_role("row", name=re.compile(email))
    staff_page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name=f"Disable {email}").click()
    expect(row.locator(".tag")).to_have_count(0)

    staff_page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=f"Disable {email}").click()
    expect(staff_page.get_by_role("status")).to_contain_text(f"{email} is signed out and disabled")
    expect(staff_page.get_by_role("row", name=re.compile(email)).locator(".tag")).to_have_text(
        "disabled"
    )


def test_the_staff_page_fits_a_phone_and_reads_well(staff_page, live_server):
    _add_member(staff_page, live_server, "viewer")
    assert _serious_violations(staff_page) == []
    staff_page.set_viewport_size(PHONE)
    staff_page.goto(f"{live_server.url}/admin/staff")  # a reload would send the form again
    expect(staff_page.get_by_role("heading", name="Members")).to_be_visible()
    assert staff_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(staff_page, f"admin-staff-phone-{live_server.database}")


def test_a_member_changes_their_own_password(staff_page, browser, live_server):
    email, password = _add_member(staff_page, live_server, "viewer")
    member = _sign_in(browser, live_server, email, password)
    member.get_by_role("link", name=f"{email} (viewer)").click()

    member.get_by_label("Current password").fill("not the password")
    member.get_by_label("New password", exact=True).fill("my own passphrase")
    member.get_by_label("The new password again").fill("my own passphrase")
    member.get_by_role("button", name="Change the password").click()
    expect(member.get_by_role("alert")).to_have_text("That is not your current password.")
    expect(member.get_by_role("alert")).to_be_focused()

    member.get_by_label("Current password").fill(password)
    member.get_by_label("New password", exact=True).fill("my own passphrase")
    member.get_by_label("The new password again").fill("my own passphrase")
    member.get_by_role("button", name="Change the password").click()
    expect(member.get_by_role("status")).to_contain_text("Your password is changed")
    assert _serious_violations(member) == []
    member.context.close()


def test_the_widget_page_builds_the_snippet_to_paste(staff_page, live_server):
    staff_page.goto(f"{live_server.url}/admin")
    staff_page.get_by_role("link", name="Widget").click()
    snippet = staff_page.locator("#widget-snippet")
    expect(snippet).to_contain_text(f'<script src="{live_server.url}/widget.js" async></script>')
    staff_page.get_by_label("Layout").select_option("full")
    staff_page.get_by_label("Accent colour").fill("#8a4b6e")
    staff_page.get_by_role("button", name="Update the snippet").click()
    expect(snippet).to_contain_text(
        '<div data-mln-track data-mln-layout="full" data-mln-accent="#8a4b6e"></div>'
    )
    expect(
        staff_page.get_by_role("list").filter(has_text=live_server.demo_shop_origin)
    ).to_be_visible()
    assert _serious_violations(staff_page) == []
    screenshot(staff_page, f"admin-widget-desktop-{live_server.database}")
    staff_page.set_viewport_size(PHONE)
    assert staff_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(staff_page, f"admin-widget-phone-{live_server.database}")
