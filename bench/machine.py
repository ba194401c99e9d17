"""What the benchmarks ran on: cores, CPU, memory, and the versions that shape the figures.

.venv/bin/python -m bench.machine
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import sqlite3
import subprocess
from importlib.metadata import version
from pathlib import Path

from bench.common import postgres_available, postgres_version, table


def cpu_model() -> str:
    text = Path("/proc/cpuinfo").read_text()
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return found.group(1).strip() if found else platform.processor() or "unknown"


def memory() -> str:
    text = Path("/proc/meminfo").read_text()
    kib = int(re.search(r"^MemTotal:\s+(\d+) kB$", text, re.M).group(1))
    return f"{kib / 1024 / 1024:.1f} GiB"


def _output(command: list[str]) -> str:
    if not shutil.which(command[0]):
        return "not installed"
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip().splitlines()[0]


def facts() -> list[tuple[str, str]]:
    postgres = postgres_available()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        ("cores (nproc)", str(os.cpu_count())),
        ("CPU", cpu_model()),
        ("memory", memory()),
        ("kernel", platform.release()),
        ("load average (1, 5, 15 min)", load),
        ("Python", platform.python_version()),
        ("SQLite (Python's sqlite3)", sqlite3.sqlite_version),
        ("PostgreSQL server", postgres_version() if postgres is None else f"none: {postgres}"),
        ("Chromium", _output(["chromium", "--version"])),
        ("wrk", _output(["wrk", "--version"])),
        *(
            (package, version(package))
            for package in ("flask", "sqlalchemy", "jinja2", "gunicorn", "gevent", "psycopg")
        ),
    ]


def main() -> int:
    print(table(["machine", ""], facts(), right=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
