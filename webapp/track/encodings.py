"""Compressing a cached page once per revision, in whichever encoding the browser prefers."""

from __future__ import annotations

import gzip

import brotli

try:
    from compression import zstd  # Python 3.14 and later
except ImportError:
    from backports import zstd

#: Strong settings are affordable: a page is compressed once per change, not once per view.
COMPRESSORS = {
    "zstd": lambda body: zstd.compress(body, 9),
    "br": lambda body: brotli.compress(body, quality=9),
    "gzip": lambda body: gzip.compress(body, 9, mtime=0),
}


def best_encoding(accept_encodings) -> str | None:
    """The encoding to send, from the request's parsed Accept-Encoding; None for the plain body."""
    return accept_encodings.best_match(list(COMPRESSORS))


def compress(body: bytes, encoding: str) -> bytes:
    return COMPRESSORS[encoding](body)
