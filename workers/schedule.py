"""When to check a shipment next: by stage when all is well, backing off when the feed fails."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from webapp.tracking.stages import Stage


def next_check(stage: int, now: datetime, poll_seconds: dict) -> datetime | None:
    """The next routine check at this stage; None once there is nothing left to wait for."""
    seconds = float(poll_seconds.get(Stage(stage).name) or 0)
    return now + timedelta(seconds=seconds) if seconds > 0 else None


def backoff(
    failures: int, base: float, cap: float, retry_after: float | None = None, rng=random
) -> float:
    """Seconds to wait after the n-th failure in a row: exponential, jittered, >= Retry-After."""
    doublings = min(max(failures - 1, 0), 64)  # far past any cap; keeps a float base finite
    ceiling = min(cap, base * 2**doublings)
    delay = rng.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after or 0.0)


def is_stalled(last_seen: datetime | None, now: datetime, stalled_after: float) -> bool:
    """No news from the carrier for longer than a healthy parcel goes without a scan."""
    return last_seen is not None and (now - last_seen).total_seconds() > stalled_after
