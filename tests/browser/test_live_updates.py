"""Live updates in a real browser: a scan flips the card, a dropped socket catches up."""

from __future__ import annotations

import os
import re
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, screenshot
from tests.processes import wait_for

pytestmark = pytest.mark.browser

# Demo orders that travel on the (frozen) sandbox carrier, each test its own.
FLIPPING = ("LL-10251", "SB4000000012")
RECONNECTING = ("LL-10252", "SB4000000025")
KEEPING_OPEN = ("LL-10253", "SB4000000036")
LIVE_WAIT_MS = 15_000


def current_stage(page: Page):
    return page.locator('.stage[aria-current="step"] .stage-title')


def open_live(page: Page, url: str) -> None:
    """Open a tracking page and wait for its socket's first frame: from then on it hears news.

    A change before that arrives in the snapshot, shown but (rightly) not announced.
    """
    with page.expect_websocket() as opened:
        page.goto(url)
    opened.value.wait_for_event("framereceived")


def test_an_injected_scan_flips_the_card_without_a_reload(page, live_server):
    number, tracking_number = FLIPPING
    open_live(page, live_server.order_url(number))
    expect(current_stage(page)).to_contain_text("Shipped", timeout=LIVE_WAIT_MS)
    page.evaluate("window.loadedOnce = true")

    live_server.sandbox.inject(
        tracking_number, "OD", occurred_at=_now_iso(), description="Out with Sam in van 12"
    )
    expect(current_stage(page)).to_contain_text("Out for delivery", timeout=LIVE_WAIT_MS)
    expect(page.locator(".stage-latest")).to_contain_text("Out with Sam in van 12")
    expect(page.locator("#live-status")).to_have_text("Your parcel: Out for delivery.")
    assert page.evaluate("window.loadedOnce") is True, "the page was not reloaded"
    screenshot(page, f"live-out-for-delivery-desktop-{live_server.database}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"live-out-for-delivery-phone-{live_server.database}", full_page=False)


def test_a_dropped_socket_reconnects_with_the_state_it_missed(page, live_server):
    number, tracking_number = RECONNECTING
    open_live(page, live_server.order_url(number))
    expect(current_stage(page)).to_contain_text("Shipped", timeout=LIVE_WAIT_MS)
    page.evaluate("window.loadedOnce = true")

    _kill_web_worker(live_server.web.pid)
    live_server.sandbox.inject(tracking_number, "OD", occurred_at=_now_iso())
    expect(current_stage(page)).to_contain_text("Out for delivery", timeout=LIVE_WAIT_MS)
    assert page.evaluate("window.loadedOnce") is True, "the page was not reloaded"


def test_a_page_from_a_foreign_origin_cannot_open_the_socket(browser, live_server, shop_site):
    socket_url = re.sub(r"^http", "ws", live_server.order_url(FLIPPING[0])) + "/live"
    page = browser.new_page()
    page.goto(shop_site.serve(socket_probe(socket_url), host="localhost"))
    expect(page.locator("#result")).to_have_text(re.compile(r"^closed"))
    assert "opened" not in page.locator("#result").inner_text()
    page.close()


def test_the_same_probe_from_our_own_origin_opens(browser, live_server):
    """The foreign-origin test's control: the probe itself works where it is allowed."""
    page = browser.new_page()
    page.goto(live_server.order_url(FLIPPING[0]))
    socket_url = re.sub(r"^http", "ws", page.url) + "/live"
    result = page.evaluate(
        """url => new Promise(done => {
            const socket = new WebSocket(url);
            socket.onopen = () => { socket.close(); done("opened"); };
            socket.onclose = event => done("closed " + event.code);
        })""",
        socket_url,
    )
    assert result == "opened"
    page.close()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _kill_web_worker(master_pid: int) -> None:
    """Kill gunicorn's worker as a crash would; the master starts a new one."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    worker_pid = int(wait_for(lambda: children.read_text().split(), "a gunicorn worker")[0])
    os.kill(worker_pid, signal.SIGKILL)


def socket_probe(socket_url: str) -> str:
    """A page that tries to open the socket and says how that went."""
    return f"""<!doctype html><title>Another site</title><p id="result">waiting</p>
<script>
  const socket = new WebSocket("{socket_url}");
  const result = document.getElementById("result");
  socket.onopen = () => {{ result.textContent = "opened"; }};
  socket.onclose = event => {{ result.textContent = "closed " + event.code; }};
</script>"""


def test_an_opened_history_stays_open_through_a_live_update(page, live_server):
    number, tracking_number = KEEPING_OPEN
    for hour in range(1, 7):
        live_server.sandbox.inject(tracking_number, "AR", hours=hour, description=f"Hub {hour}")
    page.goto(live_server.order_url(number))
    earlier = page.locator("details.older-events")
    earlier.locator("summary").click()
    expect(earlier).to_have_attribute("open", "")

    live_server.sandbox.inject(tracking_number, "OD", occurred_at=_now_iso())
    expect(current_stage(page)).to_contain_text("Out for delivery", timeout=LIVE_WAIT_MS)
    expect(page.locator("details.older-events")).to_have_attribute("open", "")


def test_relative_times_move_on_while_the_page_stays_open(page, live_server):
    page.clock.install()
    page.goto(live_server.order_url(FLIPPING[0]))
    checked = page.locator(".freshness span", has_text="We last checked")
    expect(checked).to_contain_text("this minute")
    page.clock.fast_forward("05:00")
    expect(checked).to_contain_text("5 minutes ago")
