"""The widget on a shop's page from another origin: lookup, live updates, size, isolation."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from playwright.sync_api import FrameLocator, Locator, Page, expect

from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_live_updates import socket_probe
from tests.browser.test_tracking_pages import assert_accessible
from tests.processes import python, stop, wait_for

pytestmark = pytest.mark.browser

# Demo orders: (number, postcode, sandbox tracking number); the live ones are this file's alone.
LIVE = ("LL-10254", "10001", "SB4000000047")
OTHER_LIVE = ("LL-10255", "69002", "SB4000000058")
DELIVERED = ("LL-10238", "LS1 4AP")
LIVE_WAIT_MS = 15_000


def shop_page(service_url: str, body: str = "<div data-mln-track></div>", script: str = "") -> str:
    """A shop's page as a shop would write it: its own content, the widget, the script tag."""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A shop</title><link rel="icon" href="data:,"></head>
<body><h1>Where is my order?</h1><a href="#" id="shop-link">Shop home</a>
{body}
<script src="{service_url}/widget.js" async></script>{script}</body></html>"""


def widget(page: Page, index: int = 0) -> FrameLocator:
    return page.frame_locator("iframe").nth(index)


def look_up(frame: FrameLocator, number: str, contact: str) -> None:
    frame.get_by_label("Order number").fill(number)
    frame.get_by_label("E-mail address or postcode").fill(contact)
    frame.get_by_role("button", name="Track order").click()
    expect(frame.get_by_role("heading", name=f"Order {number}")).to_be_visible()


def expect_fitted(iframe: Locator) -> None:
    """The iframe is exactly as tall as its content: no inner scrollbar, no empty space."""
    iframe.content_frame.locator("body").wait_for()
    iframe.element_handle().content_frame().wait_for_function(
        """() => {
            const root = document.documentElement;
            const content = document.body.getBoundingClientRect().height;
            return root.scrollHeight <= innerHeight && root.scrollWidth <= innerWidth
                && Math.abs(innerHeight - Math.ceil(content)) <= 1;
        }"""
    )


def listen_from_now(page: Page, iframe: Locator) -> None:
    """Load the widget's order view again and wait for its socket's first frame.

    From then on the frame hears news; a change before that arrives in the snapshot, shown but
    (rightly) not announced.
    """
    frame = iframe.element_handle().content_frame()
    with page.expect_websocket() as opened:
        frame.goto(frame.url)
    opened.value.wait_for_event("framereceived")


def frame_height(iframe: Locator) -> float:
    return iframe.bounding_box()["height"]


def test_lookup_in_the_widget_shows_the_order_and_follows_it_live(page, live_server, shop_site):
    number, postcode, tracking_number = LIVE
    page.goto(shop_site.serve(shop_page(live_server.url, "<div data-mln-track></div>")))
    iframe = page.locator("iframe")
    expect_fitted(iframe)
    form_height = frame_height(iframe)

    look_up(widget(page), number, postcode)
    expect_fitted(iframe)
    assert frame_height(iframe) > form_height
    listen_from_now(page, iframe)

    frame = widget(page)
    current = frame.locator('.stage[aria-current="step"] .stage-title')
    expect(current).to_contain_text("Shipped")
    page.evaluate("window.loadedOnce = true")
    live_server.sandbox.inject(
        tracking_number, "OD", occurred_at=datetime.now(UTC).isoformat(), description="On the van"
    )
    expect(current).to_contain_text("Out for delivery", timeout=LIVE_WAIT_MS)
    expect(frame.locator("#live-status")).to_have_text("Your parcel: Out for delivery.")
    expect_fitted(iframe)
    assert page.evaluate("window.loadedOnce") is True, "the shop's page was not reloaded"
    assert postcode not in frame.locator("html").evaluate("() => location.href")


def test_two_widgets_on_one_page_work_independently(page, live_server, shop_site):
    body = """<div data-mln-track data-mln-layout="full"></div>
<aside><div data-mln-track data-mln-layout="compact" data-mln-accent="#ffcc00"></div></aside>"""
    page.goto(shop_site.serve(shop_page(live_server.url, body)))
    full, compact = page.locator("iframe").all()
    expect_fitted(full)
    expect_fitted(compact)
    compact_form_height = frame_height(compact)

    look_up(widget(page, 0), *DELIVERED)
    expect_fitted(full)
    expect(widget(page, 1).get_by_role("heading", name="Track your order")).to_be_visible()
    assert frame_height(compact) == compact_form_height

    look_up(widget(page, 1), *OTHER_LIVE[:2])
    expect_fitted(compact)
    expect(widget(page, 0).get_by_role("heading", name=f"Order {DELIVERED[0]}")).to_be_visible()
    expect(widget(page, 0).locator("#order-items")).to_be_visible()
    expect(widget(page, 1).locator("#order-items")).to_have_count(0)
    expect(widget(page, 1).locator(".timeline")).to_be_hidden()
    expect(widget(page, 0).locator(".timeline").first).to_be_visible()


def test_a_foreign_origin_cannot_frame_the_widget_nor_open_its_socket(
    browser, live_server, shop_site
):
    """Not configured: the browser refuses the frame, and the widget offers a link instead."""
    page = browser.new_page()
    warnings = []
    page.on("console", lambda message: warnings.append(message.text))
    page.goto(shop_site.serve(shop_page(live_server.url), host="localhost"))

    fallback = page.get_by_role("link", name="Track your order")
    expect(fallback).to_have_attribute("href", f"{live_server.url}/track", timeout=10_000)
    expect(page.locator("iframe")).to_have_count(0)
    assert any("frame-ancestors" in text for text in warnings), warnings
    assert any("MLN_EMBED_ORIGINS" in text for text in warnings), warnings

    socket_url = re.sub(r"^http", "ws", live_server.order_url(LIVE[0])) + "/live"
    page.goto(shop_site.serve(socket_probe(socket_url), host="localhost"))
    expect(page.locator("#result")).to_have_text(re.compile(r"^closed"))
    page.close()


def test_the_refused_frame_shows_nothing_of_ours(browser, live_server, shop_site):
    """Before the widget gives up on it, the refused frame holds the browser's error page."""
    page = browser.new_page()
    with page.expect_console_message(lambda message: "frame-ancestors" in message.text):
        page.goto(shop_site.serve(shop_page(live_server.url), host="localhost"))
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_url("chrome-error://chromewebdata/")
    assert frame.locator("form, #lookup-heading, [data-parent-origin]").count() == 0
    page.close()


def test_the_widget_can_be_used_by_keyboard_alone(page, live_server, shop_site):
    number, postcode = DELIVERED
    page.goto(shop_site.serve(shop_page(live_server.url)))
    frame = widget(page)
    expect_fitted(page.locator("iframe"))
    page.locator("#shop-link").focus()

    page.keyboard.press("Tab")
    expect(frame.get_by_label("Order number")).to_be_focused()
    page.keyboard.type(number)
    page.keyboard.press("Tab")
    expect(frame.get_by_label("E-mail address or postcode")).to_be_focused()
    page.keyboard.type(postcode)
    page.keyboard.press("Enter")

    heading = frame.get_by_role("heading", name=f"Order {number}")
    expect(heading).to_be_focused()
    page.keyboard.press("Tab")
    expect(frame.get_by_role("link", name="Track another order")).to_be_focused()
    full_page_link = frame.get_by_role("link", name=re.compile("Open the full tracking page"))
    for _ in range(12):
        if full_page_link.evaluate("link => link === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(full_page_link).to_be_focused()
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    expect(opened.value.get_by_role("heading", name=f"Order {number}")).to_be_visible()
    assert opened.value.url == live_server.order_url(number)


@pytest.mark.parametrize("view", ["lookup", "not found", "order"])
def test_no_serious_accessibility_violations_inside_the_widget(page, live_server, shop_site, view):
    body = '<div data-mln-track data-mln-accent="#ffcc00" data-mln-layout="full"></div>'
    page.goto(shop_site.serve(shop_page(live_server.url, body)))
    frame = widget(page)
    if view == "order":
        look_up(frame, *DELIVERED)
    elif view == "not found":
        frame.get_by_label("Order number").fill(DELIVERED[0])
        frame.get_by_label("E-mail address or postcode").fill("someone@example.com")
        frame.get_by_role("button", name="Track order").click()
        expect(frame.get_by_role("alert")).to_contain_text("could not find an order")
    expect_fitted(page.locator("iframe"))
    assert_accessible(page.locator("iframe").element_handle().content_frame())


def test_unknown_attributes_and_values_are_ignored_with_a_warning(page, live_server, shop_site):
    body = '<div data-mln-track data-mln-colour="red" data-mln-layout="huge" data-testid="x"></div>'
    warnings = []
    page.on("console", lambda message: message.type == "warning" and warnings.append(message.text))
    page.goto(shop_site.serve(shop_page(live_server.url, body)))
    expect(widget(page).get_by_role("heading", name="Track your order")).to_be_visible()
    assert any("data-mln-colour" in text for text in warnings), warnings
    assert any('data-mln-layout="huge"' in text for text in warnings), warnings
    assert not any("data-testid" in text for text in warnings), warnings


def test_a_page_without_a_container_only_gets_a_warning(page, live_server, shop_site):
    script = (
        "<script>document.getElementById('shop-link').textContent = 'Shop still works';</script>"
    )
    with page.expect_console_message(lambda message: "data-mln-track" in message.text) as warned:
        page.goto(shop_site.serve(shop_page(live_server.url, body="", script=script)))
    assert warned.value.type == "warning"
    expect(page.locator("#shop-link")).to_have_text("Shop still works")
    expect(page.locator("iframe")).to_have_count(0)


def test_a_message_from_another_origin_is_ignored_with_a_warning(page, live_server, shop_site):
    page.goto(shop_site.serve(shop_page(live_server.url)))
    iframe = page.locator("iframe")
    expect_fitted(iframe)
    height = frame_height(iframe)
    with page.expect_console_message(lambda message: "ignored a mln:resize" in message.text):
        page.evaluate("window.postMessage({type: 'mln:resize', height: 5}, '*')")
    assert frame_height(iframe) == height


@pytest.fixture
def demo_shop(live_server) -> Iterator[str]:
    """`flask demo shop` on the origin the live server trusts, showing its widget."""
    bind = live_server.demo_shop_origin.removeprefix("http://")
    shop = python(
        "-m", "flask", "--app", "wsgi", "demo", "shop",
        "--bind", bind, "--service-url", live_server.url,
        env={}, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(lambda: _answers(live_server.demo_shop_origin), "the demo shop")
    yield live_server.demo_shop_origin + "/"
    stop(shop)


def test_the_demo_shop_shows_the_widget_from_another_origin(page, live_server, demo_shop):
    page.goto(demo_shop)
    main, aside = page.locator("iframe").all()
    expect(widget(page, 1).get_by_label("Order number")).to_have_value("LL-10251")
    look_up(widget(page, 0), *DELIVERED)
    expect_fitted(main)
    expect_fitted(aside)
    screenshot(page, f"demo-shop-desktop-{live_server.database}")
    page.set_viewport_size(PHONE)
    expect_fitted(main)
    expect_fitted(aside)
    screenshot(page, f"demo-shop-phone-{live_server.database}")
    main.scroll_into_view_if_needed()
    screenshot(page, f"demo-shop-phone-widget-{live_server.database}", full_page=False)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.ConnectionError:
        return False
