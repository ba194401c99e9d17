"""Reading the outbox in sequence: each change handed out once, gaps waited for, then given up."""

from __future__ import annotations

from datetime import UTC, datetime

from webapp.live.outbox import Change, OutboxReader

CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeOutbox:
    """The committed rows, read the way OutboxReader.read queries them: above `after`, by seq."""

    def __init__(self, reader: OutboxReader) -> None:
        self.reader = reader
        self.committed: dict[int, Change] = {}

    def commit(self, *seqs: int) -> None:
        for seq in seqs:
            self.committed[seq] = Change(seq, seq % 3 + 1, seq * 10, "scan", CREATED)

    def read(self) -> list[int]:
        """The seqs the reader hands out from what is committed now."""
        rows = [self.committed[seq] for seq in sorted(self.committed) if seq > self.reader.after]
        return [change.seq for change in self.reader.take(rows)]


def outbox(after: int = 0) -> tuple[FakeOutbox, FakeClock]:
    clock = FakeClock()
    return FakeOutbox(OutboxReader(after=after, grace=5.0, clock=clock)), clock


def test_changes_in_order_are_handed_out_once():
    box, _ = outbox()
    box.commit(1, 2, 3)
    assert box.read() == [1, 2, 3]
    assert box.reader.after == 3
    assert box.read() == []
    box.commit(4)
    assert box.read() == [4]
    assert box.reader.after == 4


def test_changes_come_whole():
    box, _ = outbox()
    box.commit(7)
    box.reader.after = 6
    [change] = box.reader.take(box.committed.values())
    assert change == Change(7, 2, 70, "scan", CREATED)


def test_reading_starts_after_the_given_seq():
    box, _ = outbox(after=41)
    box.commit(42, 43)
    assert box.read() == [42, 43]
    assert box.reader.after == 43


def test_a_gap_holds_after_back_while_later_changes_go_out_once():
    """Seq 3 is still being committed: 4 and 5 go out now, and are not repeated on later reads."""
    box, clock = outbox()
    box.commit(1, 2, 4, 5)
    assert box.read() == [1, 2, 4, 5]
    assert box.reader.after == 2
    clock.advance(1.0)
    box.commit(6)
    assert box.read() == [6]
    assert box.read() == []
    assert box.reader.after == 2


def test_a_late_commit_that_fills_the_gap_is_handed_out():
    box, clock = outbox()
    box.commit(1, 2, 4, 5)
    box.read()
    clock.advance(4.0)
    box.commit(3)
    assert box.read() == [3]
    assert box.reader.after == 5
    assert box.read() == []


def test_a_gap_is_given_up_after_the_grace_period():
    """A seq missing for the whole grace period was rolled back; reading moves past it."""
    box, clock = outbox()
    box.commit(1, 2, 4, 5)
    box.read()
    clock.advance(4.5)
    assert box.read() == []
    assert box.reader.after == 2
    clock.advance(0.5)
    assert box.read() == []
    assert box.reader.after == 5


def test_the_grace_period_counts_from_when_the_gap_was_first_seen():
    """Reading again does not restart the wait for the same missing seq."""
    box, clock = outbox()
    box.commit(1, 3)
    box.read()
    for _ in range(5):
        clock.advance(1.0)
        box.read()
    assert box.reader.after == 3


def test_a_gap_at_the_end_is_not_given_up_on():
    """With nothing handed out above it, a missing seq may simply not exist yet."""
    box, clock = outbox()
    box.commit(1, 2)
    box.read()
    clock.advance(60.0)
    assert box.read() == []
    assert box.reader.after == 2
    box.commit(3)
    assert box.read() == [3]


def test_each_gap_gets_its_own_grace_period():
    box, clock = outbox()
    box.commit(1, 3, 5)
    assert box.read() == [1, 3, 5]
    clock.advance(5.0)
    box.read()
    assert box.reader.after == 3
    box.commit(4)
    assert box.read() == [4]
    assert box.reader.after == 5


def test_a_given_up_seq_that_commits_later_is_not_read():
    """The price of moving on: a transaction slower than the grace period is not announced."""
    box, clock = outbox()
    box.commit(1, 3)
    box.read()
    clock.advance(5.0)
    box.read()
    box.commit(2)
    assert box.read() == []
    assert box.reader.after == 3
