"""Run the sandbox carrier: python -m workers.sandbox [--host] [--port] [--speed] [--epoch]."""

from __future__ import annotations

import argparse
import logging
import math
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from werkzeug.serving import BaseWSGIServer, make_server

from workers.sandbox.service import create_sandbox

log = logging.getLogger("workers.sandbox")


def speed(value: str) -> float:
    number = float(value)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(value)
    return number


def epoch(value: str) -> datetime:
    """An ISO 8601 instant; one without an offset is taken as UTC."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Flags, falling back on MLN_SANDBOX_HOST, MLN_SANDBOX_PORT and MLN_SANDBOX_SPEED."""
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m workers.sandbox", description="Serve the sandbox carrier's tracking API."
    )
    parser.add_argument(
        "--host",
        default=env.get("MLN_SANDBOX_HOST", "127.0.0.1"),
        help="default: $MLN_SANDBOX_HOST or 127.0.0.1",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=env.get("MLN_SANDBOX_PORT", "8025"),
        help="default: $MLN_SANDBOX_PORT or 8025; 0 picks a free port, shown at start",
    )
    parser.add_argument(
        "--speed",
        type=speed,
        default=env.get("MLN_SANDBOX_SPEED", "1.0"),
        help="journey seconds per real second, 0 to stop the clock "
        "(default: $MLN_SANDBOX_SPEED or 1)",
    )
    parser.add_argument(
        "--epoch",
        type=epoch,
        default=None,
        help="ISO 8601 instant every journey starts at, UTC unless an offset is given "
        "(default: now)",
    )
    return parser.parse_args(argv)


def stop_on_signals(server: BaseWSGIServer) -> None:
    """Shut down on SIGTERM or Ctrl-C; from a thread, since the serving loop runs in this one."""

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)


def authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM or Ctrl-C; the start line gives the port actually bound."""
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_sandbox(args.speed, args.epoch or datetime.now(UTC).replace(microsecond=0))
    server = make_server(args.host, args.port, app, threaded=True)
    stop_on_signals(server)
    where = authority(args.host, server.server_port)
    log.info("sandbox carrier on http://%s, speed %.15g", where, args.speed)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
