"""Real processes for tests whose behaviour spans them: web, worker and sandbox carrier."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30) -> object:
    """Poll until the condition holds (and return its value), or fail naming what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


def python(*args: str, env: dict, **popen) -> subprocess.Popen:
    """Start `python <args>` in the project root with this environment."""
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ, **env}, **popen)


def start_sandbox(speed: float) -> tuple[subprocess.Popen, str]:
    """The sandbox carrier on a free port; (process, base URL) once it listens."""
    process = python(
        "-m", "workers.sandbox", "--port", "0", "--speed", str(speed),
        env={}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = process.stdout.readline()
    match = re.search(r"on (http://\S+),", line)
    if not match:
        stop(process)
        pytest.fail(f"the sandbox carrier did not start: {line!r}")
    return process, match.group(1)


def start_web(env: dict) -> tuple[subprocess.Popen, str]:
    """gunicorn serving the app on a free port; (process, base URL) once /readyz answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"MLN_BIND": f"127.0.0.1:{port}", "MLN_WEB_WORKERS": "1", **env}
    process = python("-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app", env=env)
    wait_until_ready(base, process)
    return process, base


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    """`python -m workers`, logging to a file; its e-mails .eml files beside the log."""
    env = {
        "MLN_MAIL_URL": f"file://{log.parent / 'mail'}",
        "MLN_PUBLIC_URL": "http://tracking.test",
        "MLN_SUPPORT_EMAIL": "help@shop.test",
        **env,
    }
    with log.open("a") as stream:
        return python("-m", "workers", env=env, stderr=stream)


def wait_until_ready(base: str, server: subprocess.Popen) -> None:
    """Poll /readyz until the server answers; fail at once if it exits.

    gunicorn's master listens before its worker has imported the app, so early requests wait.
    """

    def ready() -> bool:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}")
        try:
            return requests.get(f"{base}/readyz", timeout=5).ok
        except requests.RequestException:
            return False

    wait_for(ready, f"{base} to be ready", STARTUP_SECONDS)


def stop(process: subprocess.Popen, signum: int = signal.SIGTERM) -> int:
    """Stop a process and return its exit code."""
    if process.poll() is None:
        process.send_signal(signum)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()
    finally:
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()
