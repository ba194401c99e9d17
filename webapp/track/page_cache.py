"""Rendered tracking pages: built once per change to the order, briefly served unchecked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from cachetools import LRUCache, TTLCache

from webapp.track.encodings import compress

RECENT_TOKENS = 4096


class Page:
    """A rendered page and its compressed forms, each made on first demand."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self._encoded: dict[str, bytes] = {}

    def __len__(self) -> int:
        return len(self.body)

    def encoded(self, encoding: str | None) -> bytes:
        if encoding is None:
            return self.body
        if encoding not in self._encoded:
            self._encoded[encoding] = compress(self.body, encoding)
        return self._encoded[encoding]


class PageCache:
    """Pages by order revision in an LRU bounded by their plain size, and by token for a moment.

    Within fresh_seconds of its last check a token's page is served without asking the database
    whether the order changed: a page load may lag a scan by that long (the live socket's snapshot
    brings it up to date). A max_bytes of 0 turns caching off.
    """

    def __init__(self, max_bytes: int, fresh_seconds: float = 0, timer=time.monotonic) -> None:
        self._pages = LRUCache(maxsize=max_bytes, getsizeof=len) if max_bytes else None
        self._recent = (
            TTLCache(RECENT_TOKENS, fresh_seconds, timer=timer)
            if max_bytes and fresh_seconds
            else None
        )
        self._lock = threading.Lock()

    def page(
        self,
        token: str,
        revision_of: Callable[[str], Hashable | None],
        render: Callable[[], bytes],
    ) -> Page | None:
        """The token's page, or None when revision_of knows no such token."""
        page = self._get(self._recent, token)
        if page is not None:
            return page
        revision = revision_of(token)
        if revision is None:
            return None
        page = self._get(self._pages, revision)
        if page is None:
            page = Page(render())
            self._put(self._pages, revision, page)
        self._put(self._recent, token, page)
        return page

    def _get(self, cache, key: Hashable) -> Page | None:
        if cache is None:
            return None
        with self._lock:
            return cache.get(key)

    def _put(self, cache, key: Hashable, page: Page) -> None:
        if cache is None or len(page) > self._pages.maxsize:
            return
        with self._lock:
            cache[key] = page
