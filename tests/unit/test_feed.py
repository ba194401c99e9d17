"""The one way feeds speak HTTP: every failure of a feed becomes a FeedError with an outcome."""

from __future__ import annotations

import math
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from workers.carriers import feed
from workers.carriers.feed import (
    FeedError,
    FeedTimeout,
    FeedUnavailable,
    MalformedAnswer,
    RateLimited,
    Rejected,
    UnknownNumber,
    get_json,
    retry_after_seconds,
)

NOW = datetime(2026, 10, 21, 7, 0, tzinfo=UTC)
TIMEOUT = (2.0, 0.2)
HELD_AT_MOST = 10.0  # a held answer goes out by then even if a test never releases it

ANSWERS = {
    "/ok": (200, {"Content-Type": "application/json"}, b'{"events": [{"id": "1"}]}'),
    "/maintenance": (200, {"Content-Type": "text/html"}, b"<h1>Back soon</h1>"),
    "/deep": (200, {"Content-Type": "application/json"}, b"[" * 100_000),
    "/missing": (404, {}, b'{"error": "not_found"}'),
    "/slow-down": (429, {"Retry-After": "120"}, b""),
    "/slow-down-bare": (429, {}, b""),
    "/crashed": (500, {}, b"Internal Server Error"),
    "/busy": (503, {"Retry-After": "30"}, b""),
    "/bad": (400, {"Retry-After": "30"}, b'{"error": "bad_request"}'),
    "/gone": (410, {}, b""),
}


@dataclass
class FakeFeed:
    """A carrier API on a local port: canned answers by path, and answers held until released."""

    base: str
    release: threading.Event = field(default_factory=threading.Event)
    headers: list[dict] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


def handler_for(fake: FakeFeed) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.headers.append(dict(self.headers))
            try:
                if self.path == "/stalled-body":
                    self.stall_in_the_body()
                    return
                if self.path == "/held":
                    fake.release.wait(HELD_AT_MOST)
                self.answer(*ANSWERS.get(self.path, (200, {}, b"{}")))
            except OSError:
                pass  # the client gave up on a held answer and hung up

        def answer(self, status: int, headers: dict, body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def stall_in_the_body(self) -> None:
            """Send the status line and the first bytes, the rest only once released."""
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "15")
            self.end_headers()
            self.wfile.write(b'{"events":')
            fake.release.wait(HELD_AT_MOST)
            self.wfile.write(b" [] }")

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    return Handler


@pytest.fixture(scope="module")
def feed_server() -> Iterator[FakeFeed]:
    """A fake carrier feed served from a thread, shut down after the module's tests."""
    fake = FakeFeed("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(fake))
    host, port = server.server_address[:2]
    fake.base = f"http://{host}:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def fake_feed(feed_server) -> Iterator[FakeFeed]:
    """The fake feed with a fresh record of requests; held answers go out after the test."""
    feed_server.release = threading.Event()
    feed_server.headers = []
    yield feed_server
    feed_server.release.set()


@pytest.fixture
def http():
    """The pooled session a feed uses, closed after the test."""
    with feed.session() as session:
        yield session


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), ("0", 0.0), (" 7 ", 7.0)],
)
def test_retry_after_in_seconds(value, seconds):
    assert retry_after_seconds(value, NOW) == seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("Wed, 21 Oct 2026 07:28:00 GMT", 1680.0),
        ("Wed, 21 Oct 2026 09:28:00 +0200", 1680.0),
        ("Wed, 21 Oct 2026 06:59:00 GMT", 0.0),
        ("Tue, 01 Jan 2019 00:00:00 GMT", 0.0),
    ],
)
def test_retry_after_as_an_http_date(value, seconds):
    """A date is counted from now; one already past means try now, never a negative wait."""
    assert retry_after_seconds(value, NOW) == seconds


def test_retry_after_date_without_zone_is_utc():
    """RFC 5322's '-0000' parses to a naive time; it is read as UTC."""
    assert retry_after_seconds("Wed, 21 Oct 2026 07:28:00 -0000", NOW) == 1680.0


def test_retry_after_date_is_counted_from_the_clock_by_default():
    in_an_hour = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    assert 3500 < retry_after_seconds(in_an_hour) <= 3600


@pytest.mark.parametrize(
    "value",
    [None, "", "soon", "12 parsecs", "-5", "1.5", "Wed, 32 Oct 2026 07:28:00 GMT", "\u00b2"],
)
def test_unreadable_retry_after_is_none(value):
    """Anything but whole seconds or a valid date is ignored, including digits that are not 0-9."""
    assert retry_after_seconds(value, NOW) is None


@pytest.mark.parametrize("value", ["9" * 400, "999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_an_absurd_retry_after_is_still_a_delay_the_worker_can_schedule(value):
    """The worker adds the wait to the current time; no header may make that overflow."""
    seconds = retry_after_seconds(value, NOW)
    assert math.isfinite(seconds)
    assert NOW + timedelta(seconds=seconds) > NOW


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (FeedError, "error"),
        (FeedUnavailable, "unavailable"),
        (FeedTimeout, "timeout"),
        (RateLimited, "rate_limited"),
        (MalformedAnswer, "malformed"),
        (UnknownNumber, "not_found"),
        (Rejected, "rejected"),
    ],
)
def test_each_error_has_its_outcome_label(error, outcome):
    raised = error("why", retry_after=3.0)
    assert isinstance(raised, FeedError)
    assert (raised.outcome, raised.retry_after, str(raised)) == (outcome, 3.0, "why")


def test_json_answer_is_parsed(fake_feed, http):
    assert get_json(http, fake_feed.url("/ok"), TIMEOUT) == {"events": [{"id": "1"}]}


def test_session_names_itself_and_asks_for_json(fake_feed, http):
    get_json(http, fake_feed.url("/ok"), TIMEOUT)
    [headers] = fake_feed.headers
    assert headers["User-Agent"] == feed.USER_AGENT
    assert headers["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("path", "error", "outcome", "retry_after"),
    [
        ("/maintenance", MalformedAnswer, "malformed", None),
        ("/missing", UnknownNumber, "not_found", None),
        ("/slow-down", RateLimited, "rate_limited", 120.0),
        ("/slow-down-bare", RateLimited, "rate_limited", None),
        ("/crashed", FeedUnavailable, "unavailable", None),
        ("/busy", FeedUnavailable, "unavailable", 30.0),
        ("/bad", Rejected, "rejected", None),
        ("/gone", Rejected, "rejected", None),
    ],
)
def test_http_failures_become_feed_errors(fake_feed, http, path, error, outcome, retry_after):
    with pytest.raises(error) as raised:
        get_json(http, fake_feed.url(path), TIMEOUT)
    assert type(raised.value) is error
    assert (raised.value.outcome, raised.value.retry_after) == (outcome, retry_after)


def test_a_refusal_carries_the_providers_error_answer_for_the_feed_to_read(fake_feed, http):
    with pytest.raises(Rejected) as refused:
        get_json(http, fake_feed.url("/bad"), TIMEOUT)
    assert refused.value.document == {"error": "bad_request"}
    with pytest.raises(Rejected) as bare:
        get_json(http, fake_feed.url("/gone"), TIMEOUT)
    assert bare.value.document is None


def test_json_too_deeply_nested_to_read_is_malformed(fake_feed, http):
    """A body the JSON decoder gives up on is a bad answer, not a crash of the worker."""
    with pytest.raises(MalformedAnswer):
        get_json(http, fake_feed.url("/deep"), TIMEOUT)


def test_an_answer_slower_than_the_read_timeout_is_a_timeout(fake_feed, http):
    with pytest.raises(FeedTimeout) as raised:
        get_json(http, fake_feed.url("/held"), TIMEOUT)
    fake_feed.release.set()
    assert raised.value.outcome == "timeout"
    assert "0.2 s" in str(raised.value)


def test_an_answer_that_stops_halfway_for_longer_than_the_read_timeout_is_a_timeout(
    fake_feed, http
):
    """The headers came, then nothing: the feed is slow, not unreachable."""
    with pytest.raises(FeedTimeout) as raised:
        get_json(http, fake_feed.url("/stalled-body"), TIMEOUT)
    fake_feed.release.set()
    assert raised.value.outcome == "timeout"


def test_nobody_listening_is_unavailable(http):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FeedUnavailable) as raised:
        get_json(http, f"http://127.0.0.1:{port}/v1/tracking/SB1", TIMEOUT)
    assert raised.value.outcome == "unavailable"
    assert "ConnectionError" in str(raised.value)


@pytest.mark.parametrize(
    ("given", "instant", "offset"),
    [
        ("2026-11-20T09:00:00+01:00", datetime(2026, 11, 20, 8, 0, tzinfo=UTC), 60),
        ("2026-11-20T09:00:00+00:00", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), 0),
        ("2026-11-20T09:00:00Z", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), None),
        ("2026-11-20T09:00:00", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), None),
        (" 2026-11-20T03:30:00-05:30 ", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), -330),
    ],
)
def test_a_scan_time_keeps_the_local_offset_the_provider_gave(given, instant, offset):
    occurred_at, minutes = feed.scan_time(given)
    assert (occurred_at, minutes) == (instant, offset)


@pytest.mark.parametrize("given", [None, 1700000000, "yesterday", ["2026-11-20"]])
def test_a_scan_time_that_is_no_iso_time_is_an_error_the_feed_counts(given):
    with pytest.raises((TypeError, ValueError)):
        feed.scan_time(given)


@pytest.mark.parametrize(
    ("given", "day"),
    [
        ("2026-01-05T00:00:00Z", date(2026, 1, 5)),  # not 4 January in New York
        ("2026-01-05T23:00:00-08:00", date(2026, 1, 5)),
        ("2026-01-05", date(2026, 1, 5)),
        ("2026-01-05 10:00", date(2026, 1, 5)),
        ("2026-02-30", None),
        ("20260105", None),
        (20260105, None),
        (None, None),
    ],
)
def test_an_eta_is_the_date_as_written(given, day):
    assert feed.date_part(given) == day


@pytest.mark.parametrize(
    ("given", "code"),
    [("GB", "GB"), ("de", "DE"), ("DEU", "DE"), ("USA", "US"), ("Germany", ""), ("", ""), (49, "")],
)
def test_a_country_is_its_two_letter_code(given, code):
    assert feed.country(given) == code


@pytest.mark.parametrize(
    ("given", "words"), [("Arrived", "Arrived"), (42, "42"), (True, ""), (None, ""), ({}, "")]
)
def test_text_is_a_string_or_number_and_nothing_else(given, words):
    assert feed.text(given) == words
