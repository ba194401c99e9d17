"""Fan-out of changes to open tracking pages: one listener and one hub per web process."""

from __future__ import annotations

from dataclasses import dataclass, field

from cachetools import LRUCache
from flask import Flask

from webapp.live.hub import Hub
from webapp.live.listener import Listener

SNAPSHOTS_KEPT = 4096


@dataclass
class Live:
    hub: Hub
    listener: Listener
    snapshots: LRUCache = field(default_factory=lambda: LRUCache(SNAPSHOTS_KEPT))


def init_app(app: Flask) -> None:
    """Give the app its hub and (not yet started) listener."""
    hub = Hub()
    app.extensions["live"] = Live(hub, Listener(app, hub))
