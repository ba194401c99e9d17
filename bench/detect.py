"""Carrier detection: 100,000 tracking numbers in under 2 s, in one process.

    .venv/bin/python -m bench.detect

A seeded mix: valid numbers of every format, the same with a wrong check digit, formats without
a check digit and garbage, a third of them written with spaces or dashes. detect() runs over all
of them (best of 5), beside two baselines in the same run: normalizing each string, and one
compiled regex match per number.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import string
import time
from collections.abc import Callable

from bench.common import load_average, table, verdict
from webapp.tracking.detection import detect

TARGET_SECONDS = 2.0
ALPHANUMERIC = string.digits + string.ascii_uppercase
SHAPE = re.compile(r"\s*[0-9A-Za-z][0-9A-Za-z -]*\s*")

# Per format, a template: "#" a digit, "@" a capital, "*" either, "?" the check character.
TEMPLATES = {
    "ups_1z": "1Z" + "*" * 6 + "#" * 9 + "?",
    "s10": "@@" + "#" * 8 + "?GB",
    "usps_impb": "9400" + "#" * 17 + "?",
    "usps_20": "03" + "#" * 17 + "?",
    "fedex_smartpost": "420" + "#" * 5 + "92" + "#" * 19 + "?",
    "fedex_express_12": "#" * 11 + "?",
    "fedex_ground_15": "#" * 14 + "?",
    "fedex_ground_96_22": "96" + "#" * 19 + "?",
    "fedex_sscc": "00" + "#" * 17 + "?",
    "dhl_express": "#" * 10 + "?",
    "dpd_14": "#" * 13 + "?",
    "dpd_28": "#" * 27 + "?",
}
UNCHECKED = ("GM" + "#" * 16, "JJD" + "#" * 18)


def filled(template: str, rng: random.Random) -> str:
    pools = {"#": string.digits, "@": string.ascii_uppercase, "*": ALPHANUMERIC}
    return "".join(rng.choice(pools[c]) if c in pools else c for c in template)


def with_check(format: str, template: str, rng: random.Random, valid: bool) -> str:
    """The template filled in, its check character chosen so that format's reading passes or
    fails; found by asking detect(), so the benchmark trusts what the tests established."""
    number = filled(template, rng)
    for char in ALPHANUMERIC:
        attempt = number.replace("?", char)
        if any(c.format == format and c.check_digit_valid == valid for c in detect(attempt)):
            return attempt
    raise ValueError(f"no check character for {format}: {number}")


def garbage(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return "".join(rng.choices(string.printable, k=rng.randint(1, 30)))
    if kind == 1:
        return "".join(rng.choices(string.ascii_letters + " ", k=rng.randint(3, 20)))
    return "".join(rng.choices(string.digits, k=rng.randint(1, 40)))


def spaced(number: str, rng: random.Random) -> str:
    """As customers paste them: grouped by four with spaces or dashes, maybe lower case."""
    separator = rng.choice([" ", "-", " - "])
    grouped = separator.join(number[i : i + 4] for i in range(0, len(number), 4))
    return f" {grouped.lower() if rng.random() < 0.3 else grouped}\n"


def mix(count: int, seed: int) -> list[str]:
    """55% valid, 15% a wrong check digit, 10% without check digit, 20% garbage."""
    rng = random.Random(seed)
    formats = sorted(TEMPLATES)
    pool_valid = [with_check(f, TEMPLATES[f], rng, True) for f in formats for _ in range(200)]
    pool_invalid = [with_check(f, TEMPLATES[f], rng, False) for f in formats for _ in range(100)]
    pool_unchecked = [filled(t, rng) for t in UNCHECKED for _ in range(200)]
    numbers = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.2:
            numbers.append(garbage(rng))
            continue
        pool = pool_valid if roll < 0.75 else pool_invalid if roll < 0.9 else pool_unchecked
        number = rng.choice(pool)
        numbers.append(spaced(number, rng) if rng.random() < 1 / 3 else number)
    return numbers


def best_of(runs: int, work: Callable[[str], object], numbers: list[str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for number in numbers:
            work(number)
        times.append(time.perf_counter() - start)
    return min(times)


def normalized(number: str) -> str:
    return number.strip().replace(" ", "").replace("-", "").upper()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {load_average()}")
    numbers = mix(args.count, args.seed)
    found = [detect(number) for number in numbers]
    sure = sum(1 for candidates in found if candidates and candidates[0].check_digit_valid)
    print(
        f"{len(numbers):,} numbers: {sum(map(bool, found)):,} with a candidate, "
        f"{sure:,} with a valid top candidate\n"
    )
    timings = [
        ("detect", best_of(args.runs, detect, numbers)),
        ("baseline: normalize only", best_of(args.runs, normalized, numbers)),
        ("baseline: one regex match", best_of(args.runs, SHAPE.fullmatch, numbers)),
    ]
    rows = [
        (name, f"{seconds:.3f}", f"{seconds / len(numbers) * 1e6:.2f}") for name, seconds in timings
    ]
    print(table(["run", f"best of {args.runs} (s)", "µs per number"], rows))
    seconds = timings[0][1] * 100_000 / len(numbers)
    print(
        f"\ndetect, 100,000 numbers: {seconds:.3f} s, target < {TARGET_SECONDS:.0f} s: "
        f"{verdict(seconds < TARGET_SECONDS)}; {load_average()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
