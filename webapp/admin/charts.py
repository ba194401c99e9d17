"""Charts drawn on the server: numbers in, SVG geometry out, for the dashboard_* partials.

The pages allow no script and no style attribute, so a chart is plain shapes whose geometry sits
in attributes and whose colours come from classes in static/app.css. Each chart carries a summary
of its numbers in words, for its title and for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from math import ceil

WIDTH = 336
HEIGHT = 132
TOP = 18  # room for the largest value's label
BOTTOM = 20  # room for the axis labels
SIDE = 4
GAP = 0.3  # of each bar's slot
MIN_HEIGHT = 2  # a bar for 1 among hundreds is still seen
MAX_TICKS = 7


@dataclass(frozen=True)
class Point:
    name: str  # what the bar stands for, in full: "Fri 20 Nov"
    tick: str  # its label on the axis: "20"
    value: int


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    name: str
    tick: str  # empty when the axis has no room for this bar's label
    peak: bool  # the largest value (its first bar), labelled with the number

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def label_y(self) -> float:
        """Where the number above the bar sits."""
        return round(self.y - 5, 1)


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    summary: str
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> float:
        return self.height - BOTTOM

    @property
    def tick_y(self) -> float:
        return self.height - 5

    @property
    def peak(self) -> Bar | None:
        return next((bar for bar in self.bars if bar.peak), None)

    @property
    def empty(self) -> bool:
        """Nothing to draw: no bars, or every one of them zero."""
        return self.peak is None


@dataclass(frozen=True)
class Meter:
    """A share as a filled track: `filled` of `width` units."""

    share: float
    filled: float
    summary: str
    width: int = WIDTH
    height: int = 12


def bar_chart(points: Sequence[Point], description: str) -> BarChart:
    """Bars scaled so the largest fills the height, the axis labelled as often as fits."""
    if not points:
        return BarChart((), f"{description}: no data.")
    largest = max(point.value for point in points)
    peak_index = next((i for i, p in enumerate(points) if p.value == largest and largest > 0), None)
    slot = (WIDTH - 2 * SIDE) / len(points)
    step = ceil(len(points) / MAX_TICKS)
    last = len(points) - 1
    bars = tuple(
        _bar(point, index, slot, largest, index == peak_index, (last - index) % step == 0)
        for index, point in enumerate(points)
    )
    return BarChart(bars, _summary(points, description, peak_index))


def _bar(point: Point, index: int, slot: float, largest: int, peak: bool, ticked: bool) -> Bar:
    plot = HEIGHT - TOP - BOTTOM
    height = max(plot * point.value / largest, MIN_HEIGHT) if point.value > 0 else 0
    return Bar(
        x=round(SIDE + index * slot + slot * GAP / 2, 1),
        y=round(TOP + plot - height, 1),
        width=round(slot * (1 - GAP), 1),
        height=round(height, 1),
        value=point.value,
        name=point.name,
        tick=point.tick if ticked else "",
        peak=peak,
    )


def _summary(points: Sequence[Point], description: str, peak_index: int | None) -> str:
    span = f"{description}, {points[0].name} to {points[-1].name}"
    if peak_index is None:
        return f"{span}: none."
    total = sum(point.value for point in points)
    peak = points[peak_index]
    return f"{span}: {total} in all, most on {peak.name} ({peak.value})."


def daily_chart(series: Sequence[tuple[date, int]], description: str) -> BarChart:
    """One bar a day, each labelled with its day of the month."""
    return bar_chart(
        [Point(f"{day:%a} {day.day} {day:%b}", str(day.day), count) for day, count in series],
        description,
    )


def meter(part: int, whole: int, description: str) -> Meter | None:
    """How much of the whole `part` is ('26 of 30 (87%) on time'); None when there is no whole."""
    if whole <= 0:
        return None
    share = part / whole
    return Meter(share, round(WIDTH * share, 1), f"{part} of {whole} ({share:.0%}) {description}.")
