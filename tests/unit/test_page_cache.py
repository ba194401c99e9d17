"""The page cache: one render and one compression per revision, a byte budget, a short window."""

import gzip

import brotli
import pytest

from webapp.track.page_cache import Page, PageCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Order:
    """Stands in for the database: a token's revision, and how often it was asked."""

    def __init__(self, revision=1) -> None:
        self.revision, self.asked, self.renders = revision, 0, 0

    def revision_of(self, token):
        self.asked += 1
        return None if token == "unknown" else (token, self.revision)

    def render(self) -> bytes:
        self.renders += 1
        return f"page {self.revision}".encode()


def body(cache, token, order) -> bytes:
    return cache.page(token, order.revision_of, order.render).body


def test_one_render_per_revision():
    cache, order = PageCache(1024), Order()
    assert [body(cache, "t", order) for _ in range(3)] == [b"page 1"] * 3
    order.revision = 2
    assert body(cache, "t", order) == b"page 2"
    assert (order.asked, order.renders) == (4, 2)


def test_unknown_token_is_none_and_nothing_renders():
    cache, order = PageCache(1024), Order()
    assert cache.page("unknown", order.revision_of, order.render) is None
    assert order.renders == 0


def test_fresh_window_skips_the_check_until_it_ends():
    clock, order = Clock(), Order()
    cache = PageCache(1024, fresh_seconds=1.0, timer=clock)
    cache.page("t", order.revision_of, order.render)
    order.revision = 2
    clock.now = 0.9
    assert body(cache, "t", order) == b"page 1"
    assert order.asked == 1
    clock.now = 1.1
    assert body(cache, "t", order) == b"page 2"


def test_byte_budget_is_kept_and_oversize_pages_still_served():
    cache, order = PageCache(10), Order()
    for token in "abcde":
        cache.page(token, order.revision_of, lambda: b"12345")
    assert cache._pages.currsize <= 10
    assert cache.page("big", order.revision_of, lambda: b"x" * 11).body == b"x" * 11


def test_size_zero_always_renders():
    cache, order = PageCache(0, fresh_seconds=5), Order()
    for _ in range(2):
        cache.page("t", order.revision_of, order.render)
    assert order.renders == 2


@pytest.mark.parametrize(
    ("encoding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
def test_each_encoding_is_made_once_and_decodes_to_the_page(encoding, decode):
    page = Page(b"<p>Delivered</p>" * 100)
    first = page.encoded(encoding)
    assert page.encoded(encoding) is first
    assert decode(first) == page.body
    assert len(first) < len(page.body)


def test_no_encoding_is_the_plain_body():
    assert Page(b"plain").encoded(None) == b"plain"
