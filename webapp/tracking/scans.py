"""A carrier scan as a feed reports it, before it is stored."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from webapp.tracking.statuses import ExceptionReason, Status

TEXT_LIMITS = {"carrier_code": 64, "carrier_text": 500, "city": 100, "region": 100, "postcode": 32}


#: Scan times outside these are a feed's garbage: they would sort first or last for ever.
EARLIEST_SCAN = datetime(2000, 1, 1, tzinfo=UTC)
FURTHEST_AHEAD = timedelta(days=366)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clip(text: str | None, limit: int) -> str:
    """Untrusted carrier text: no control characters, single-spaced, cut to the column size."""
    return " ".join(_CONTROL.sub(" ", text or "").split())[:limit].rstrip()


@dataclass(frozen=True)
class CarrierScan:
    occurred_at: datetime
    status: Status
    carrier_code: str = ""
    carrier_text: str = ""
    exception_reason: str | None = None
    utc_offset_minutes: int | None = None
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    raw_payload: dict | None = field(default=None, compare=False)
    key: str | None = None

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("a scan's time must be timezone-aware")
        _check_plausible(self.occurred_at)
        for name, limit in TEXT_LIMITS.items():
            object.__setattr__(self, name, clip(getattr(self, name), limit))
        object.__setattr__(self, "country", clip(self.country, 2).upper())
        if self.exception_reason is not None:
            reason = ExceptionReason.parse(self.exception_reason).value
            object.__setattr__(self, "exception_reason", reason)

    @property
    def dedupe_key(self) -> str:
        """The carrier's own event id when it has one, else a digest of what the scan says."""
        if self.key:
            return self.key[:128]
        instant = self.occurred_at.astimezone(UTC).isoformat()
        # The carrier's own code, not our reading of it: a change to a STATUS_MAP must not
        # make the history it has already given look new.
        said = self.carrier_code or self.status
        parts = (instant, said, self.carrier_text)
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _check_plausible(occurred_at: datetime) -> None:
    try:
        instant = occurred_at.astimezone(UTC)
    except OverflowError:
        raise ValueError("a scan's time is out of range") from None
    if not EARLIEST_SCAN <= instant <= datetime.now(UTC) + FURTHEST_AHEAD:
        raise ValueError(f"a scan's time, {instant:%Y-%m-%d}, is not plausible")
