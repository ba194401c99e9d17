"""The sandbox carrier as a real process: it serves on the port it reports and stops cleanly."""

from __future__ import annotations

import re
import select
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_LINE = re.compile(r"sandbox carrier on http://127\.0\.0\.1:(\d+), speed 1000000$")


@pytest.fixture
def sandbox_process():
    """A sandbox on a free port whose journeys started a minute ago, with its base URL."""
    epoch = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    command = [sys.executable, "-m", "workers.sandbox", "--port", "0", "--speed", "1000000"]
    with subprocess.Popen(
        [*command, "--epoch", epoch],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            yield process, f"http://127.0.0.1:{started_port(process)}"
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)


def started_port(process: subprocess.Popen) -> int:
    """The port from the start line, waiting for it at most ten seconds."""
    ready, _, _ = select.select([process.stdout], [], [], 10)
    line = process.stdout.readline() if ready else ""
    match = START_LINE.match(line.strip())
    assert match, f"no start line: {line!r}"
    return int(match[1])


def stop(process: subprocess.Popen, signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=10)
    return process.returncode, stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serves_journeys_and_stops_on_a_signal(sandbox_process, signum):
    process, base = sandbox_process
    assert requests.get(f"{base}/healthz", timeout=5).json() == {"ok": True}
    response = requests.get(f"{base}/v1/tracking/SB1234567890", timeout=5)
    assert response.headers["Content-Type"] == "application/json"
    assert [event["code"] for event in response.json()["events"]][-1] == "DL"
    returncode, stderr = stop(process, signum)
    assert returncode == 0
    assert "Traceback" not in stderr


def test_a_client_with_a_short_timeout_gives_up_on_a_held_request(sandbox_process):
    """The hold is server-side; the client's own timeout is what ends the wait."""
    process, base = sandbox_process
    url = f"{base}/v1/tracking/SB1234567895"
    requests.post(f"{url}/failures", json={"mode": "timeout"}, timeout=5).raise_for_status()
    with pytest.raises(requests.Timeout):
        requests.get(url, timeout=0.2)
    assert requests.get(url, timeout=5).status_code == 200
    returncode, stderr = stop(process, signal.SIGTERM)
    assert (returncode, stderr) == (0, "")
