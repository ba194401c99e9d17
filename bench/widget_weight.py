"""What the widget costs a shop's page: the size of widget.js, and a first load with the widget.

Target: widget.js at most 6 KB (6,144 bytes) minified and compressed, as the service sends it.
Baseline, in the same run: the unminified source compressed the same way (what minifying saves).

Also reported: a shop's page loaded in Chromium with an empty cache, with one widget and, as the
baseline, without it: requests, bytes on the wire (headers included, every frame), and the time
from navigation to the widget sized to its content (median of the rounds).

    .venv/bin/python -m bench.widget_weight [--rounds 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import brotli

try:
    from compression import zstd  # Python 3.14 and later
except ImportError:
    from backports import zstd
from playwright.sync_api import Browser, sync_playwright

from bench.common import ROOT, demo_server, load_average, table, verdict
from bench.page_weight import chromium_path
from tests.browser.conftest import CHROMIUM_ARGS, DESKTOP
from tests.browser.sites import Site
from webapp import create_app

TARGET_BYTES = 6 * 1024
ENCODINGS = ("br", "gzip", "zstd")


def served_sizes(database: str) -> list[list[object]]:
    """widget.js as the service sends it for each encoding, beside the compressed source."""
    client = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "b"}).test_client()
    source = (ROOT / "static" / "widget.js").read_bytes()
    plain = client.get("/widget.js", headers={"Accept-Encoding": "identity"}).data
    rows = [["none", len(source), len(plain), "-"]]
    for encoding in ENCODINGS:
        response = client.get("/widget.js", headers={"Accept-Encoding": encoding})
        assert response.headers.get("Content-Encoding") == encoding, encoding
        rows.append([encoding, _compressed(source, encoding), len(response.data), "-"])
    for row in rows[1:]:
        row[3] = verdict(row[2] <= TARGET_BYTES)
    return rows


def _compressed(data: bytes, encoding: str) -> int:
    """The source compressed as the service compresses (flask-compress's default levels)."""
    compressors = {
        "gzip": lambda: gzip.compress(data, compresslevel=6),
        "br": lambda: brotli.compress(data, quality=4),
        "zstd": lambda: zstd.compress(data, 3),
    }
    return len(compressors[encoding]())


def shop_page(service: str, with_widget: bool) -> str:
    """A shop's page that notes when the first widget reports its size."""
    widget = f'<div data-mln-track></div><script src="{service}/widget.js" async></script>'
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<link rel="icon" href="data:,"></head><body><h1>Where is my order?</h1>
<p>{"Some of the shop's own words. " * 40}</p>{widget if with_widget else ""}
<script>
addEventListener("message", e => {{
  if (e.origin === "{service}" && e.data.type === "mln:resize" && !window.fittedAt)
    window.fittedAt = performance.now();
}});
</script></body></html>"""


def first_load(
    browser: Browser, url: str, with_widget: bool
) -> tuple[dict[str, int], float | None]:
    """Bytes transferred per response, and ms to the widget's first size, of one cold load."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url, wait_until="load")
    fitted = None
    if with_widget:
        page.wait_for_function("window.fittedAt")
        fitted = page.evaluate("window.fittedAt")
    page.wait_for_load_state("networkidle")
    transferred = {}
    for request in finished:
        size = request.sizes()
        transferred[urlsplit(request.url).path] = (
            size["responseHeadersSize"] + size["responseBodySize"]
        )
    context.close()
    return transferred, fitted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    site = Site()
    with tempfile.TemporaryDirectory(prefix="mln-bench-") as scratch:
        database = f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
        rows = served_sizes(database)
        origins = json.dumps([site.origin()])
        with (
            demo_server(database, MLN_WEB_WORKERS="1", MLN_EMBED_ORIGINS=origins) as server,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            print(
                f"Chromium {browser.version}, gunicorn at {server.url} on SQLite; {load_average()}"
            )
            print("\nwidget.js as served (bytes)\n")
            print(table(["encoding", "source compressed", "served", "<= 6,144 B"], rows))
            loads = []
            for with_widget in (False, True):
                url = site.serve(shop_page(server.url, with_widget))
                runs = [first_load(browser, url, with_widget) for _ in range(args.rounds)]
                fitted = [ms for _, ms in runs if ms is not None]
                loads.append(
                    [
                        "with the widget" if with_widget else "without (baseline)",
                        len(runs[-1][0]),
                        f"{statistics.median(sum(sizes.values()) for sizes, _ in runs):,.0f}",
                        f"{statistics.median(fitted):.0f}" if fitted else "-",
                    ]
                )
            print(f"\nA shop's page, first load with an empty cache, median of {args.rounds}\n")
            print(table(["page", "requests", "bytes transferred", "ms to widget sized"], loads))
            print("\nThe last load with the widget, by response\n")
            print(table(["path", "bytes transferred"], sorted(runs[-1][0].items())))
            browser.close()
    site.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
