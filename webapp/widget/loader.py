"""widget.js as shops' pages receive it: minified once per process."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import rjsmin


@cache
def loader_script(static_folder: str) -> tuple[bytes, str]:
    """The minified loader and its ETag."""
    source = (Path(static_folder) / "widget.js").read_text()
    body = rjsmin.jsmin(source).encode()
    return body, hashlib.sha256(body).hexdigest()[:20]
