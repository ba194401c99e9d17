"""Reading the live-event outbox in sequence, without skipping events still being committed."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import LiveEvent

GAP_GRACE_SECONDS = 5.0
BATCH = 1000

_COLUMNS = (
    LiveEvent.seq,
    LiveEvent.order_id,
    LiveEvent.shipment_id,
    LiveEvent.kind,
    LiveEvent.created_at,
)


class Change(NamedTuple):
    seq: int
    order_id: int
    shipment_id: int | None
    kind: str
    created_at: datetime


class OutboxReader:
    """Hands out each live event once, in sequence order.

    On PostgreSQL a transaction can commit a higher seq before a lower one. A missing seq is
    waited for a few seconds before it is taken for a rollback and passed over.
    """

    def __init__(self, after: int, grace: float = GAP_GRACE_SECONDS, clock=time.monotonic) -> None:
        self.after = after  # every seq up to here has been handed out or given up on
        self.grace = grace
        self.clock = clock
        self._handed: set[int] = set()  # seqs above `after` already handed out
        self._gaps: dict[int, float] = {}  # missing seq: when it was first missed

    @classmethod
    def from_now(cls) -> OutboxReader:
        """A reader that starts after the newest event: pages get a snapshot when they connect."""
        newest = db.session.scalar(select(func.coalesce(func.max(LiveEvent.seq), 0)))
        db.session.rollback()
        return cls(newest)

    def read(self) -> list[Change]:
        """Events committed since the last read."""
        query = select(*_COLUMNS).where(LiveEvent.seq > self.after).order_by(LiveEvent.seq)
        rows = db.session.execute(query.limit(BATCH)).all()
        db.session.rollback()
        return self.take(Change(*row) for row in rows)

    def take(self, changes: Iterable[Change]) -> list[Change]:
        """Those of the changes read above `after` not handed out before."""
        fresh = [change for change in changes if change.seq not in self._handed]
        self._handed.update(change.seq for change in fresh)
        self._advance()
        return fresh

    def _advance(self) -> None:
        now = self.clock()
        while self._handed:
            following = self.after + 1
            if following in self._handed:
                self._handed.discard(following)
            elif now - self._gaps.setdefault(following, now) < self.grace:
                return
            self._gaps.pop(following, None)
            self.after = following
