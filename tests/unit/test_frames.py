"""WebSocket frames built once by the server: what a browser's parser reads out of them."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from wsproto.frame_protocol import Frame, FrameProtocol, Opcode

from webapp.live.frames import PING, text_frame


def client_reads(data: bytes) -> list[Frame]:
    """The frames a client-side parser finds in these bytes; it rejects masked server frames."""
    parser = FrameProtocol(client=True, extensions=[])
    parser.receive_bytes(data)
    return list(parser.received_frames())


@pytest.mark.parametrize(
    ("size", "header"),
    [
        (0, b"\x81\x00"),
        (125, b"\x81\x7d"),
        (126, b"\x81\x7e\x00\x7e"),
        (65535, b"\x81\x7e\xff\xff"),
        (65536, b"\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
    ],
)
def test_header_carries_fin_text_and_the_length(size, header):
    """FIN and the text opcode, no mask bit, the length in 7, 16 or 64 bits, big-endian."""
    frame = text_frame("x" * size)
    assert frame[: len(header)] == header
    assert len(frame) == len(header) + size
    assert frame[1] & 0x80 == 0


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
def test_frame_reads_back_as_one_text_message(size):
    html = "x" * size
    frames = client_reads(text_frame(html))
    assert {frame.opcode for frame in frames} == {Opcode.TEXT}
    assert frames[-1].message_finished
    assert "".join(frame.payload for frame in frames) == html


def test_length_counts_utf8_bytes_not_characters():
    """63 two-byte characters are 126 bytes: the 16-bit length form."""
    frame = text_frame("é" * 63)
    assert frame[:4] == b"\x81\x7e\x00\x7e"
    assert client_reads(frame)[0].payload == "é" * 63


def test_markup_is_sent_as_its_text():
    html = Markup('<hx-partial hx-target="#order-shipments">{}</hx-partial>').format("<b>")
    [frame] = client_reads(text_frame(html))
    assert frame.payload == '<hx-partial hx-target="#order-shipments">&lt;b&gt;</hx-partial>'


def test_ping_is_an_empty_ping_frame():
    assert PING == b"\x89\x00"
    [frame] = client_reads(PING)
    assert (frame.opcode, frame.payload, frame.message_finished) == (Opcode.PING, b"", True)


def test_frames_written_back_to_back_read_apart():
    frames = client_reads(text_frame("one") + PING + text_frame("two"))
    assert [(frame.opcode, frame.payload) for frame in frames] == [
        (Opcode.TEXT, "one"),
        (Opcode.PING, b""),
        (Opcode.TEXT, "two"),
    ]
