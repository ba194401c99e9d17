"""Importing orders from a CSV file in a real browser: the form, the outcome per order, with
its faults on their rows, at desktop and phone width."""

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


def s10_number() -> str:
    """A valid international post number of its own, so no other test's search finds it."""
    serial = f"{secrets.randbelow(10**8):08d}"
    remainder = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    check = {0: 5, 1: 0}.get(remainder, 11 - remainder)
    return f"ZZ{serial}{check}GB"


def test_a_file_is_imported_and_each_order_says_what_became_of_it(
    staff_page, live_server, tmp_path
):
    tag = secrets.token_hex(3).upper()
    number = s10_number()
    csv = tmp_path / "orders.csv"
    csv.write_text(
        "number,email,name,placed_at,sku,title,quantity,tracking_number,carrier\n"
        f"IMP-{tag}-1,ada@example.com,Ada Lovelace,2026-12-01T09:30:00+00:00,SER-1,Serum,2,"
        f"{number},\n"
        f"IMP-{tag}-2,grace@example.com,Grace Hopper,2026-12-01T10:00:00+01:00,SER-1,Serum,0,,\n"
    )
    page = staff_page
    page.goto(f"{live_server.url}/admin/imports")
    page.get_by_label("CSV file").set_input_files(csv)
    page.get_by_role("button", name="Import").click()
    heading = page.get_by_role("heading", name="1 made, 0 there already, 1 refused")
    expect(heading).to_be_focused()
    expect(page.get_by_role("row", name=f"IMP-{tag}-2")).to_contain_text("row 3, quantity")
    screenshot(page, f"admin-imports-desktop-{live_server.database}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"admin-imports-phone-{live_server.database}")
    page.get_by_role("link", name=f"IMP-{tag}-1").click()
    expect(page.get_by_text(number).first).to_be_visible()
