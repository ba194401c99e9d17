"""WebSocket clients for the live benchmarks: one asyncio process holding many page sockets.

The benchmark process drives it with one JSON command per line on stdin and reads one JSON answer
per line on stdout (`Clients` below does both). Each socket is opened the way a browser opens it
(the `websockets` client offers permessage-deflate unless told not to), reads its snapshot, then
records every frame it receives: which socket, the newest bench scan serial in it, time.time() on
arrival and its size. Frames are kept as bytes, never decoded, so a client costs little per frame.

    .venv/bin/python -m bench.ws_clients   # started by the benchmarks, not by hand
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parents[1]
MARK = re.compile(rb"\(scan (\d+)\)")
OPEN_AT_ONCE = 100


def newest_mark(frame: bytes) -> int | None:
    """The highest bench scan serial a frame shows; None when it shows none."""
    serials = [int(found) for found in MARK.findall(frame)]
    return max(serials) if serials else None


class Fleet:
    """The open sockets of this process and the frames they received since the last collect."""

    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.readers: list[asyncio.Task] = []
        self.frames: list[tuple[int, bytes, float]] = []
        self.arrived = asyncio.Event()
        self.last_frame = b""

    async def open(self, urls: list[str], compression: str | None = "deflate") -> dict:
        """Open a socket per URL, OPEN_AT_ONCE at a time, and wait for every snapshot."""
        started = time.perf_counter()
        gate = asyncio.Semaphore(OPEN_AT_ONCE)
        first = len(self.sockets)
        results = await asyncio.gather(
            *(self._open(first + n, url, gate, compression) for n, url in enumerate(urls)),
            return_exceptions=True,
        )
        opened = [result for result in results if isinstance(result, dict)]
        failed = [repr(result) for result in results if not isinstance(result, dict)]
        return {
            "opened": len(opened),
            "failed": len(failed),
            "failures": failed[:3],
            "offered": Counter(r["offered"] for r in opened),
            "answered": Counter(r["answered"] for r in opened),
            "snapshot_bytes": sum(r["snapshot"] for r in opened),
            "seconds": time.perf_counter() - started,
        }

    async def _open(self, index: int, url: str, gate, compression) -> dict:
        async with gate:
            ws = await connect(
                url,
                compression=compression,
                proxy=None,
                ping_interval=None,
                open_timeout=120,
                close_timeout=5,
                max_size=None,
            )
            snapshot = await asyncio.wait_for(ws.recv(decode=False), 120)
        self.sockets.append(ws)
        self.readers.append(asyncio.create_task(self._read(index, ws)))
        return {
            "offered": ws.request.headers.get("Sec-WebSocket-Extensions", "none"),
            "answered": ws.response.headers.get("Sec-WebSocket-Extensions", "none"),
            "snapshot": len(snapshot),
        }

    async def _read(self, index: int, ws: ClientConnection) -> None:
        try:
            while True:
                frame = await ws.recv(decode=False)
                self.frames.append((index, frame, time.time()))
                self.last_frame = frame
                self.arrived.set()
        except ConnectionClosed:
            return

    async def collect(self) -> dict:
        """The frames received since the last collect: socket, newest serial, arrival, size."""
        frames, self.frames = self.frames, []
        return {"frames": [(i, newest_mark(frame), at, len(frame)) for i, frame, at in frames]}

    async def expect(self, count: int, timeout: float) -> dict:
        """Wait until `count` frames have arrived since the last collect (or the timeout), then
        collect them."""
        deadline = time.monotonic() + timeout
        while len(self.frames) < count and time.monotonic() < deadline:
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        return await self.collect()

    async def sample(self) -> dict:
        """The last frame received, as text."""
        return {"frame": self.last_frame.decode()}

    async def close(self) -> dict:
        """Close every socket, as a page that goes away does."""
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for reader in self.readers:
            reader.cancel()
        closed = len(self.sockets)
        self.sockets, self.readers = [], []
        return {"closed": closed}


async def serve_commands() -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    fleet = Fleet()
    while line := await stdin.readline():
        command = json.loads(line)
        answer = await getattr(fleet, command.pop("cmd"))(**command)
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    await fleet.close()


class Clients:
    """The benchmark's handle on one or more client processes, sockets split between them."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.ws_clients"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(processes)
        ]
        self.first_socket = [0] * processes  # socket numbers are global, in URL order
        self.sizes = [0] * processes

    def ask(self, cmd: str, per_process: list[dict] | None = None) -> list[dict]:
        """Send a command to every process at once, then read every answer."""
        for n, process in enumerate(self.processes):
            arguments = per_process[n] if per_process else {}
            process.stdin.write(json.dumps({"cmd": cmd, **arguments}) + "\n")
            process.stdin.flush()
        answers = []
        for process in self.processes:
            answer = process.stdout.readline()
            if not answer:
                raise RuntimeError(f"a client process exited with {process.wait()}")
            answers.append(json.loads(answer))
        return answers

    def open(self, urls: list[str], compression: str | None = "deflate") -> dict:
        """Open the sockets, a contiguous share in each process; the handshakes summed up."""
        share = -(-len(urls) // len(self.processes))
        self.first_socket = list(range(0, len(urls), share))[: len(self.processes)]
        chunks = [
            {"urls": urls[n : n + share], "compression": compression} for n in self.first_socket
        ]
        chunks += [{"urls": [], "compression": compression}] * (len(self.processes) - len(chunks))
        self.first_socket += [len(urls)] * (len(self.processes) - len(self.first_socket))
        self.sizes = [len(chunk["urls"]) for chunk in chunks]
        answers = self.ask("open", chunks)
        return {
            "opened": sum(a["opened"] for a in answers),
            "failed": sum(a["failed"] for a in answers),
            "failures": [f for a in answers for f in a["failures"]],
            "offered": sum((Counter(a["offered"]) for a in answers), Counter()),
            "answered": sum((Counter(a["answered"]) for a in answers), Counter()),
            "snapshot_bytes": sum(a["snapshot_bytes"] for a in answers),
            "seconds": max(a["seconds"] for a in answers),
        }

    def collect(self) -> list[tuple[int, int | None, float, int]]:
        return self._frames(self.ask("collect"))

    def expect(self, per_socket: int, timeout: float) -> list[tuple[int, int | None, float, int]]:
        """Wait until every socket has received `per_socket` frames since the last collect."""
        per_process = [{"count": size * per_socket, "timeout": timeout} for size in self.sizes]
        return self._frames(self.ask("expect", per_process))

    def sample(self) -> str:
        """The last frame the first process received."""
        return self.ask("sample")[0]["frame"]

    def stop(self) -> None:
        """Close the sockets and end the processes."""
        if all(process.poll() is None for process in self.processes):
            self.ask("close")
        for process in self.processes:
            process.stdin.close()
            process.wait(timeout=30)

    def _frames(self, answers: list[dict]) -> list[tuple[int, int | None, float, int]]:
        return [
            (first + socket, mark, at, size)
            for first, answer in zip(self.first_socket, answers, strict=True)
            for socket, mark, at, size in answer["frames"]
        ]


def main() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(serve_commands())


if __name__ == "__main__":
    main()
