"""The hub of one web process: who watches which order, and fanning frames out to them."""

from __future__ import annotations

import threading

from webapp.live.hub import CLOSE_TOKEN_ROTATED, Hub, Subscriber

TOKEN = "t1"


class Aborts:
    """Counts how often a subscriber's connection was cut."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def subscriber(order_id: int = 1, token: str = TOKEN, limit: int = 8) -> Subscriber:
    return Subscriber(order_id, token, threading.Event(), limit, Aborts())


def test_subscribers_are_counted_and_their_orders_watched():
    hub = Hub()
    first, second, other = subscriber(1), subscriber(1), subscriber(2)
    for watcher in (first, second, other):
        hub.subscribe(watcher)
    assert hub.count() == 3
    assert hub.watched([1, 2, 3]) == {1, 2}
    hub.unsubscribe(first)
    assert (hub.count(), hub.watched([1, 2, 3])) == (2, {1, 2})
    hub.unsubscribe(second)
    assert (hub.count(), hub.watched([1, 2, 3])) == (1, {2})


def test_subscribing_twice_counts_once():
    hub, watcher = Hub(), subscriber()
    hub.subscribe(watcher)
    hub.subscribe(watcher)
    assert hub.count() == 1


def test_unsubscribing_a_stranger_changes_nothing():
    hub, watcher = Hub(), subscriber(1)
    hub.subscribe(watcher)
    hub.unsubscribe(subscriber(1))
    hub.unsubscribe(subscriber(9))
    assert (hub.count(), hub.watched({1, 9})) == (1, {1})


def test_publish_hands_the_same_bytes_to_every_watcher_of_the_order():
    hub = Hub()
    watchers = [subscriber(1), subscriber(1, token="t2")]
    bystander = subscriber(2)
    for watcher in (*watchers, bystander):
        hub.subscribe(watcher)
    frame = b"\x81\x05hello"
    assert hub.publish(1, frame) == (2, 0)
    for watcher in watchers:
        assert watcher.wake.is_set()
        [queued] = watcher.frames
        assert queued is frame
    assert not bystander.frames
    assert not bystander.wake.is_set()


def test_publish_to_an_unwatched_order_reaches_nobody():
    hub, watcher = Hub(), subscriber(1)
    hub.subscribe(watcher)
    assert hub.publish(2, b"frame") == (0, 0)
    assert not watcher.frames


def test_frames_queue_in_order():
    hub, watcher = Hub(), subscriber()
    hub.subscribe(watcher)
    hub.publish(1, b"one")
    hub.publish(1, b"two")
    assert list(watcher.frames) == [b"one", b"two"]


def test_a_full_queue_cuts_that_subscriber_only():
    """A reader that stopped reading is cut off and forgotten; the others still get the frame."""
    hub = Hub()
    slow, quick = subscriber(limit=2), subscriber(limit=8)
    hub.subscribe(slow)
    hub.subscribe(quick)
    assert [hub.publish(1, frame) for frame in (b"a", b"b", b"c")] == [(2, 0), (2, 0), (1, 1)]
    assert slow.abort.count == 1
    assert hub.count() == 1
    assert list(quick.frames) == [b"a", b"b", b"c"]
    assert quick.abort.count == 0
    assert hub.publish(1, b"d") == (1, 0)


def test_revoke_closes_only_sockets_opened_with_another_token():
    hub = Hub()
    stale, current = subscriber(1, token="old"), subscriber(1, token="new")
    elsewhere = subscriber(2, token="old")
    for watcher in (stale, current, elsewhere):
        hub.subscribe(watcher)
    hub.revoke(1, "new")
    assert stale.close_code == CLOSE_TOKEN_ROTATED
    assert stale.wake.is_set()
    assert (current.close_code, current.wake.is_set()) == (None, False)
    assert (elsewhere.close_code, elsewhere.wake.is_set()) == (None, False)


def test_revoke_without_a_valid_token_closes_every_watcher():
    """An order no token opens any more: everyone watching it is sent away."""
    hub = Hub()
    watchers = [subscriber(1, token="a"), subscriber(1, token="b")]
    for watcher in watchers:
        hub.subscribe(watcher)
    hub.revoke(1, None)
    assert [watcher.close_code for watcher in watchers] == [CLOSE_TOKEN_ROTATED] * 2


def test_close_wakes_the_writer():
    watcher = subscriber()
    watcher.close(CLOSE_TOKEN_ROTATED)
    assert watcher.wake.is_set()
    assert watcher.close_code == CLOSE_TOKEN_ROTATED


def test_offer_refuses_a_frame_beyond_the_limit():
    watcher = subscriber(limit=1)
    assert watcher.offer(b"a")
    assert not watcher.offer(b"b")
    assert list(watcher.frames) == [b"a"]


class Socket:
    """A socket that takes at most `room` bytes per send."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.sent = b""

    def send(self, data: bytes) -> int:
        taken = data[: self.room]
        self.sent += taken
        return len(taken)


def direct(room: int) -> tuple[Subscriber, Socket]:
    socket = Socket(room)
    watcher = Subscriber(1, TOKEN, threading.Event(), 8, Aborts(), socket.send)
    return watcher, socket


def test_an_idle_socket_takes_the_frame_at_once_and_its_writer_sleeps_on():
    watcher, socket = direct(room=100)
    assert watcher.offer(b"frame")
    assert socket.sent == b"frame"
    assert not watcher.frames
    assert not watcher.wake.is_set()


def test_what_the_socket_does_not_take_is_queued_for_the_writer():
    watcher, socket = direct(room=3)
    assert watcher.offer(b"frame")
    assert socket.sent == b"fra"
    assert list(watcher.frames) == [b"me"]
    assert watcher.wake.is_set()


def test_nothing_is_sent_past_queued_bytes_or_a_write_in_progress():
    """Frames never interleave: behind a queue or a busy writer, a frame waits its turn."""
    watcher, socket = direct(room=3)
    watcher.offer(b"first")
    watcher.offer(b"second")
    assert (socket.sent, list(watcher.frames)) == (b"fir", [b"st", b"second"])
    busy, busy_socket = direct(room=100)
    busy.writing = True
    busy.offer(b"frame")
    assert (busy_socket.sent, list(busy.frames)) == (b"", [b"frame"])
