"""Who watches which order, and handing each of them the same frame bytes."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

CLOSE_TOKEN_ROTATED = 4001  # the token no longer opens this order: do not reconnect


@dataclass(eq=False)
class Subscriber:
    """One open socket: frames waiting for its writer, and the event that wakes the writer."""

    order_id: int
    token: str
    wake: threading.Event
    limit: int
    abort: Callable[[], None] = lambda: None  # cut the connection, even mid-write
    send_now: Callable[[bytes], int] | None = None  # write what the socket takes without waiting
    frames: deque = field(default_factory=deque)
    close_code: int | None = None
    writing: bool = False  # the writer is in the middle of a write: queue, never interleave

    def offer(self, frame: bytes) -> bool:
        """Write the frame at once if the socket takes it, else queue it for the writer.

        A full queue means the reader stopped reading: the frame is refused.
        """
        if self.send_now is not None and not self.frames and not self.writing:
            try:
                sent = self.send_now(frame)
            except OSError:  # would block, or the connection is gone: the writer finds out
                sent = 0
            if sent == len(frame):
                return True
            frame = frame[sent:]
        if len(self.frames) >= self.limit:
            return False
        self.frames.append(frame)
        self.wake.set()
        return True

    def close(self, code: int) -> None:
        """Ask the writer to close the socket with this code."""
        self.close_code = code
        self.wake.set()


class Hub:
    """The subscribers of one web process, by order."""

    def __init__(self) -> None:
        self._by_order: dict[int, set[Subscriber]] = {}
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._by_order.setdefault(subscriber.order_id, set()).add(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            watchers = self._by_order.get(subscriber.order_id, set())
            watchers.discard(subscriber)
            if not watchers:
                self._by_order.pop(subscriber.order_id, None)

    def watched(self, order_ids) -> set[int]:
        """Those of these orders that someone here is watching."""
        return set(order_ids) & self._by_order.keys()

    def count(self) -> int:
        return sum(map(len, list(self._by_order.values())))

    def publish(self, order_id: int, frame: bytes) -> tuple[int, int]:
        """Hand the frame to every watcher of the order; (queued, dropped for not reading)."""
        queued = dropped = 0
        for subscriber in self._watchers(order_id):
            if subscriber.offer(frame):
                queued += 1
            else:
                # Its writer is stuck in a send that will never finish: cut the connection.
                self.unsubscribe(subscriber)
                subscriber.abort()
                dropped += 1
        return queued, dropped

    def revoke(self, order_id: int, valid_token: str | None) -> None:
        """Close the sockets opened with a token that no longer opens the order."""
        for subscriber in self._watchers(order_id):
            if subscriber.token != valid_token:
                subscriber.close(CLOSE_TOKEN_ROTATED)

    def _watchers(self, order_id: int) -> list[Subscriber]:
        with self._lock:
            return list(self._by_order.get(order_id, ()))
