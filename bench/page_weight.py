"""First load of a tracking page in Chromium with an empty cache: bytes on the wire, everything in.

Target: at most 60 KB (61,440 bytes) transferred, compressed, for the biggest demo tracking
pages (the split order LL-10238 and the long one LL-10234): HTML, CSS, JS and favicon, headers
included. Baseline, in the same run: the same first load asking for no compression
(Accept-Encoding: identity), i.e. what compression saves.

    .venv/bin/python -m bench.page_weight
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from playwright.sync_api import Browser, sync_playwright

from bench.common import demo_server, load_average, table, verdict
from tests.browser.conftest import CHROMIUM_ARGS, DESKTOP

TARGET_BYTES = 60 * 1024
ORDERS = ("LL-10238", "LL-10234")


@dataclass
class Resource:
    url: str
    kind: str
    status: int = 0
    encoding: str = ""
    headers: int = 0  # response header bytes as received
    body: int = 0  # response body bytes as received (compressed when encoded)
    decoded: int = 0  # body bytes after decoding
    wire: int = 0  # CDP Network.loadingFinished encodedDataLength

    @property
    def transferred(self) -> int:
        return self.headers + self.body

    @property
    def name(self) -> str:
        parts = urlsplit(self.url)
        path = parts.path
        return "/t/<token>" if path.startswith("/t/") else path


def chromium_path() -> str:
    return os.environ.get("MLN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def first_load(browser: Browser, url: str, *, identity: bool = False) -> list[Resource]:
    """Load url in a fresh context (empty cache) and account for every response it caused."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if identity:
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
    by_id: dict[str, Resource] = {}

    def on_response(event: dict) -> None:
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        by_id[event["requestId"]] = Resource(
            url=response["url"],
            kind=event.get("type", "").lower(),
            status=response["status"],
            encoding=headers.get("content-encoding", ""),
        )

    def on_data(event: dict) -> None:
        if event["requestId"] in by_id:
            by_id[event["requestId"]].decoded += event["dataLength"]

    def on_finished(event: dict) -> None:
        if event["requestId"] in by_id:
            by_id[event["requestId"]].wire = int(event["encodedDataLength"])

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.dataReceived", on_data)
    cdp.on("Network.loadingFinished", on_finished)

    sizes: dict[str, tuple[int, int]] = {}

    def on_request_finished(request) -> None:
        measured = request.sizes()
        sizes[request.url] = (measured["responseHeadersSize"], measured["responseBodySize"])

    page.on("requestfinished", on_request_finished)
    page.goto(url, wait_until="networkidle")
    favicon = page.evaluate(
        "() => { const l = document.querySelector('link[rel~=icon]'); return l && l.href; }"
    )
    if favicon and not any(r.url == favicon for r in by_id.values()):
        # Should this Chromium not ask for the favicon itself (it does today), fetch it as a
        # visible browser would, so the total still includes it.
        page.evaluate("href => fetch(href).then(r => r.arrayBuffer())", favicon)
        page.wait_for_load_state("networkidle")
        for resource in by_id.values():
            if resource.url == favicon:
                resource.kind = "favicon (fetched)"
    page.wait_for_timeout(200)
    resources = list(by_id.values())
    for resource in resources:
        if resource.url in sizes:
            resource.headers, resource.body = sizes[resource.url]
        else:  # not seen by Playwright (none expected): fall back to CDP's count
            resource.body = resource.wire
    context.close()
    return resources


def biggest_pages(urls: dict[str, str], top: int = 3) -> list[tuple[str, int]]:
    """The demo orders whose tracking page has the most HTML, to show the two chosen are it."""
    sizes = {
        number: len(requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10).content)
        for number, url in urls.items()
    }
    return sorted(sizes.items(), key=lambda item: -item[1])[:top]


def report(number: str, compressed: list[Resource], identity: list[Resource]) -> dict:
    plain = {r.name: r for r in identity}
    rows = []
    for r in compressed:
        base = plain.get(r.name)
        rows.append(
            [
                r.name,
                r.kind,
                r.status,
                r.encoding or "-",
                r.headers,
                r.body,
                r.transferred,
                r.wire,
                r.decoded,
                base.transferred if base else "-",
            ]
        )
    total = sum(r.transferred for r in compressed)
    wire = sum(r.wire for r in compressed)
    decoded = sum(r.decoded for r in compressed)
    baseline = sum(r.transferred for r in identity)
    rows.append(["TOTAL", "", "", "", "", "", total, wire, decoded, baseline])
    print(f"\n{number}: first load, empty cache ({len(compressed)} responses)\n")
    print(
        table(
            [
                "resource",
                "type",
                "status",
                "encoding",
                "headers B",
                "body B",
                "transferred B",
                "CDP encoded B",
                "decoded body B",
                "identity transferred B",
            ],
            rows,
        )
    )
    met = total <= TARGET_BYTES
    print(
        f"\n{number}: {total:,} B = {total / 1024:.1f} KiB transferred "
        f"(target <= {TARGET_BYTES:,} B): {verdict(met)}; "
        f"uncompressed baseline {baseline:,} B = {baseline / 1024:.1f} KiB, "
        f"compression saves {1 - total / baseline:.0%}"
    )
    return {"order": number, "total": total, "baseline": baseline, "met": met}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mln-bench-") as scratch:
        database = f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
        with (
            demo_server(database, MLN_WEB_WORKERS="1") as server,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            print(
                f"Chromium {browser.version}, gunicorn at {server.url} on SQLite; {load_average()}"
            )
            biggest = ", ".join(
                f"{n} {size:,} B" for n, size in biggest_pages(server.tracking_urls)
            )
            print(f"largest demo tracking pages by HTML: {biggest}")
            results = []
            for number in ORDERS:
                url = server.order_url(number)
                compressed = first_load(browser, url)
                identity = first_load(browser, url, identity=True)
                results.append(report(number, compressed, identity))
            browser.close()
    print("\nsummary\n")
    print(
        table(
            ["order", "transferred B", "KiB", "identity B", "target B", "verdict"],
            [
                [
                    r["order"],
                    r["total"],
                    f"{r['total'] / 1024:.1f}",
                    r["baseline"],
                    TARGET_BYTES,
                    verdict(r["met"]),
                ]
                for r in results
            ],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
