"""Browser fixtures: Chromium through Playwright, against the app served by gunicorn."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser.sites import Site
from tests.processes import free_port, python, start_sandbox, start_web, start_worker, stop
from tests.shippo import SECRET as SHIPPO_SECRET
from tests.support import Sandbox, unavailable
from webapp.demo import DEMO_ADMIN

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


POLLED_STAGES = ("ORDERED", "SHIPPED", "IN_TRANSIT", "OUT_FOR_DELIVERY")


@dataclass(frozen=True)
class LiveServer:
    url: str
    tracking_urls: dict[str, str]
    database: str
    database_url: str
    sandbox: Sandbox
    web: subprocess.Popen
    demo_shop_origin: str

    def order_url(self, number: str) -> str:
        return self.tracking_urls[number]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = (
        os.environ.get("MLN_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        unavailable("Chromium is not installed (make test installs Debian's chromium package)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shop_site() -> Iterator[Site]:
    """A shop's site on another origin, trusted with the widget on 127.0.0.1 (not localhost)."""
    site = Site()
    yield site
    site.close()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def live_server(request, tmp_path_factory, shop_site) -> Iterator[LiveServer]:
    """Web, worker and a frozen sandbox carrier on freshly seeded demo data, on both databases.

    The service trusts two shop origins with the widget: shop_site's, and one kept for the
    demo shop process.
    """
    if request.param == "sqlite":
        database = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
    else:
        database = request.getfixturevalue("postgres_databases")()
    sandbox, sandbox_url = start_sandbox(speed=0)
    demo_shop_origin = f"http://127.0.0.1:{free_port()}"
    env = {
        "MLN_EMBED_ORIGINS": json.dumps([shop_site.origin(), demo_shop_origin]),
        "MLN_SQLALCHEMY_DATABASE_URI": database,
        "MLN_SECRET_KEY": "browser-tests",
        "MLN_SANDBOX_URL": sandbox_url,
        "MLN_SHIPPO_WEBHOOK_SECRET": SHIPPO_SECRET,
        "MLN_POLL_IDLE_SECONDS": "0.05",
        "MLN_LIVE_POLL_SECONDS": "0.05",
        **{f"MLN_POLL_SECONDS__{stage}": "0.2" for stage in POLLED_STAGES},
    }
    flask = ["-m", "flask", "--app", "wsgi"]
    _run(python(*flask, "upgrade", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    seed = _run(python(*flask, "demo", "seed", env=env, stdout=subprocess.PIPE, text=True))
    worker = start_worker(env, tmp_path_factory.mktemp("worker") / "worker.log")
    web, base = start_web(env)
    try:
        yield LiveServer(
            base,
            _tracking_urls(seed, base),
            request.param,
            database,
            Sandbox(sandbox_url),
            web,
            demo_shop_origin,
        )
    finally:
        for process in (web, worker, sandbox):
            stop(process)


@pytest.fixture
def page(browser) -> Iterator[Page]:
    """A desktop page on which a script error, a CSP violation or a broken asset fails the test."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: _is_script_error(message) and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: _is_broken_asset(response) and errors.append(response.url))
    yield page
    context.close()
    assert errors == []


@pytest.fixture
def staff_page(page, live_server) -> Page:
    """The desktop page, signed in to the staff panel as the demo seed's admin."""
    email, password = DEMO_ADMIN
    page.goto(f"{live_server.url}/admin/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def screenshot(page: Page, name: str, full_page: bool = True) -> None:
    """Save a screenshot under test-results/screenshots for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("Promise.all(document.getAnimations().map(animation => animation.finished))")
    path = SCREENSHOTS / f"{name}.png"
    if not (full_page and len(page.frames) > 1):
        page.screenshot(path=path, full_page=full_page)
        return
    # Chromium paints another origin's frame only inside the viewport: make it the whole page.
    viewport = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": height})
    page.screenshot(path=path)
    page.set_viewport_size(viewport)


def _is_script_error(message) -> bool:
    """Console errors other than the load failures that _is_broken_asset judges."""
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def _is_broken_asset(response) -> bool:
    """A failed stylesheet, script or image; a page's own 404 or 422 is its answer, not a fault."""
    return response.status >= 400 and response.request.resource_type != "document"


def _run(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    return output or ""


def _tracking_urls(seed_output: str, base: str) -> dict[str, str]:
    """Order number to tracking URL, from the seed's listing (which names another host)."""
    found = re.findall(r"^\s+(LL-\d+)\s.*?http\S+?(/t/\S+)$", seed_output, re.M)
    return {number: base + path for number, path in found}
