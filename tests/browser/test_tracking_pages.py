"""The customer's pages in a real browser: lookup, live page, time zones, phones, accessibility."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser

SPLIT_ORDER = "LL-10238"
LONG_JOURNEY = "LL-10234"
DELAYED = "LL-10237"


def test_lookup_by_email_opens_the_tracking_page(page, live_server):
    page.goto(f"{live_server.url}/track")
    page.get_by_label("Order number").fill(SPLIT_ORDER)
    page.get_by_label("E-mail address or postcode").fill("harry.wilson@example.co.uk")
    page.get_by_role("button", name="Track order").click()
    expect(page.get_by_role("heading", name=f"Order {SPLIT_ORDER}")).to_be_visible()
    assert page.url == live_server.order_url(SPLIT_ORDER)
    assert "harry" not in page.url
    assert SPLIT_ORDER not in page.url


def test_lookup_with_wrong_details_says_so(page, live_server):
    page.goto(f"{live_server.url}/track")
    page.get_by_label("Order number").fill(SPLIT_ORDER)
    page.get_by_label("E-mail address or postcode").fill("someone@example.com")
    page.get_by_role("button", name="Track order").click()
    expect(page.get_by_role("alert")).to_contain_text("could not find an order")
    expect(page.get_by_role("alert")).to_be_focused()
    screenshot(page, "lookup-not-found-desktop")


def test_a_lookup_with_a_field_missing_puts_focus_on_that_field(page, live_server):
    page.goto(f"{live_server.url}/track")
    page.get_by_label("Order number").fill(SPLIT_ORDER)
    page.get_by_role("button", name="Track order").click()
    contact = page.get_by_label("E-mail address or postcode")
    expect(contact).to_have_attribute("aria-invalid", "true")
    expect(contact).to_be_focused()


def test_split_order_shows_both_parcels_with_five_cards_each(page, live_server):
    page.goto(live_server.order_url(SPLIT_ORDER))
    parcels = page.locator("section.shipment")
    expect(parcels).to_have_count(2)
    for index in range(2):
        expect(parcels.nth(index).locator("li.stage")).to_have_count(5)
        expect(parcels.nth(index).locator("li.stage[aria-current=step]")).to_have_count(1)
    screenshot(page, "tracking-desktop")


def test_times_are_shown_in_the_viewers_time_zone(browser, live_server):
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    page.goto(live_server.order_url(LONG_JOURNEY))
    current = page.locator("li.stage[aria-current=step]")
    expect(current.locator(".viewer-clock time")).to_contain_text("your time")
    expect(current.locator(".carrier-clock")).to_contain_text("local")
    context.close()


def test_viewer_time_is_not_repeated_when_it_matches_the_carriers(browser, live_server):
    """A Berlin viewer of a Berlin scan sees one clock, not the same time twice."""
    context = browser.new_context(timezone_id="Europe/Berlin")
    page = context.new_page()
    page.goto(live_server.order_url(LONG_JOURNEY))
    berlin_scan = page.locator("li.event").first.locator(".scan-time")
    expect(berlin_scan).to_have_class(re.compile("same-zone"))
    expect(berlin_scan.locator(".viewer-clock")).to_be_hidden()
    london_scan = page.locator("details.older-events li.event .scan-time").last
    expect(london_scan).not_to_have_class(re.compile("same-zone"))
    context.close()


def test_older_scans_unfold_on_request(page, live_server):
    page.goto(live_server.order_url(LONG_JOURNEY))
    older = page.locator("details.older-events")
    expect(older.locator("li.event").first).to_be_hidden()
    older.locator("summary").click()
    expect(older.locator("li.event").first).to_be_visible()


def test_delay_banner_is_announced(page, live_server):
    page.goto(live_server.order_url(DELAYED))
    expect(page.get_by_role("alert")).to_contain_text("Bad weather")
    screenshot(page, "delayed-desktop")


@pytest.mark.parametrize("number", [SPLIT_ORDER, LONG_JOURNEY, DELAYED])
def test_phone_width_has_no_horizontal_scroll(browser, live_server, number):
    context = browser.new_context(viewport=PHONE, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.goto(live_server.order_url(number))
    expect(page.locator("li.stage").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if number == SPLIT_ORDER:
        screenshot(page, "tracking-phone")
        screenshot(page, "tracking-phone-top", full_page=False)
    context.close()


def test_lookup_form_at_phone_width(browser, live_server):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/track")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "lookup-phone")
    context.close()


def test_everything_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/track")
    page.get_by_label("Order number").fill(DELAYED)
    page.get_by_label("E-mail address or postcode").fill("75011")
    page.get_by_role("button", name="Track order").click()
    expect(page.get_by_role("heading", name=f"Order {DELAYED}")).to_be_visible()
    expect(page.locator("li.stage")).to_have_count(5)
    expect(page.locator("li.stage[aria-current=step] .viewer-clock")).to_contain_text("UTC")
    context.close()


@pytest.mark.parametrize("path", ["/track", "/t/not-a-token"])
def test_no_serious_accessibility_violations_on_plain_pages(page, live_server, path):
    page.goto(f"{live_server.url}{path}", wait_until="load")
    assert_accessible(page)


@pytest.mark.parametrize("number", [SPLIT_ORDER, DELAYED, LONG_JOURNEY])
def test_no_serious_accessibility_violations_on_tracking_pages(page, live_server, number):
    page.goto(live_server.order_url(number))
    assert_accessible(page)


def assert_accessible(page) -> None:
    results = Axe().run(page)
    serious = [
        f"{violation['id']}: {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []
