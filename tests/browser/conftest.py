"""Browser fixtures: Chromium through Playwright, against the app served by gunicorn."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support import unavailable

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


@dataclass(frozen=True)
class LiveServer:
    url: str
    tracking_urls: dict[str, str]
    database: str

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


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def live_server(request, tmp_path_factory) -> Iterator[LiveServer]:
    """gunicorn serving freshly seeded demo data, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        database = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
    else:
        database = request.getfixturevalue("postgres_databases")()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MLN_SQLALCHEMY_DATABASE_URI": database,
        "MLN_SECRET_KEY": "browser-tests",
        "MLN_BIND": f"127.0.0.1:{port}",
        "MLN_WEB_WORKERS": "1",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    seed = subprocess.run(
        [*flask, "demo", "seed", "--base-url", base],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env
    )
    try:
        _wait_until_ready(base, server)
        yield LiveServer(base, _tracking_urls(seed.stdout), request.param)
    finally:
        server.terminate()
        server.wait(timeout=15)


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


def screenshot(page: Page, name: str, full_page: bool = True) -> None:
    """Save a screenshot under test-results/screenshots for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)


def _is_script_error(message) -> bool:
    """Console errors other than the load failures that _is_broken_asset judges."""
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def _is_broken_asset(response) -> bool:
    """A failed stylesheet, script or image; a page's own 404 or 422 is its answer, not a fault."""
    return response.status >= 400 and response.request.resource_type != "document"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_ready(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    """Poll /readyz until the server answers; fail at once if it exits.

    gunicorn's master listens before its worker has imported the app, so early requests wait.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}")
        try:
            if requests.get(f"{base}/readyz", timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    pytest.fail("the server did not become ready")


def _tracking_urls(seed_output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(LL-\d+)\s.*?(http\S+/t/\S+)$", seed_output, re.M))
