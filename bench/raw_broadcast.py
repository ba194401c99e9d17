"""The fan-out baseline: a bare asyncio `websockets` server that broadcasts one message to all.

No Flask, no database, no gevent: `websockets.asyncio.server.serve` with compression=None, each
connection greeted with a short snapshot and then kept open. The benchmark writes one JSON
command per line on stdin ({"cmd": "send", "message": ...} broadcasts the message with
`websockets.broadcast`, which writes the same encoded frame to every connection) and reads one
JSON answer per line on stdout (`RawServer` below does both).

    .venv/bin/python -m bench.raw_broadcast PORT   # started by bench/fanout.py, not by hand
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from websockets.asyncio.server import ServerConnection, broadcast, serve

ROOT = Path(__file__).resolve().parents[1]
HELLO = "<p>snapshot</p>"


async def main(port: int) -> None:
    connections: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        connections.add(ws)
        try:
            await ws.send(HELLO)
            await ws.wait_closed()
        finally:
            connections.discard(ws)

    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    async with serve(
        handler, "127.0.0.1", port, compression=None, ping_interval=None, backlog=4096
    ):
        _answer({"ready": port})
        while line := await stdin.readline():
            command = json.loads(line)
            if command["cmd"] == "send":
                broadcast(connections, command["message"])
                _answer({"sent": len(connections), "returned": time.time()})
            else:
                _answer({"connections": len(connections)})


def _answer(answer: dict) -> None:
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


class RawServer:
    """The benchmark's handle on the baseline server process."""

    def __init__(self, port: int) -> None:
        self.url = f"ws://127.0.0.1:{port}/"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.raw_broadcast", str(port)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._read()

    def send(self, message: str) -> dict:
        """Broadcast; answers once the frames are handed to the kernel or buffered."""
        self.process.stdin.write(json.dumps({"cmd": "send", "message": message}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.terminate()
        self.process.wait(timeout=15)

    def _read(self) -> dict:
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the baseline server exited with {self.process.wait()}")
        return json.loads(answer)


if __name__ == "__main__":
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main(int(sys.argv[1])))
