"""Server-side charts: the geometry of bars and meters, their labels, and the SVG they render to."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

from webapp.admin.charts import BOTTOM, HEIGHT, TOP, WIDTH, Point, bar_chart, daily_chart, meter

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PLOT = HEIGHT - TOP - BOTTOM


def _points(*values: int) -> list[Point]:
    return [Point(f"day {index}", str(index), value) for index, value in enumerate(values)]


def _render(partial: str, **context) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    return environment.get_template(f"admin/partials/{partial}").render(**context)


def test_the_largest_bar_fills_the_plot_and_the_others_scale_with_it():
    chart = bar_chart(_points(2, 8, 4), "Shipped")
    heights = [bar.height for bar in chart.bars]
    assert heights == [PLOT / 4, PLOT, PLOT / 2]
    assert all(bar.y + bar.height == chart.baseline for bar in chart.bars)
    assert chart.bars[1].y == TOP


def test_bars_sit_side_by_side_inside_the_chart():
    bars = bar_chart(_points(*range(14)), "Shipped").bars
    assert bars[0].x > 0
    assert bars[-1].x + bars[-1].width < WIDTH
    for left, right in pairwise(bars):
        assert left.x + left.width < right.x
    assert len({bar.width for bar in bars}) == 1


def test_a_zero_draws_nothing_and_a_small_number_is_still_seen():
    chart = bar_chart(_points(0, 1, 1000), "Shipped")
    assert chart.bars[0].height == 0
    assert chart.bars[1].height >= 2


def test_the_first_largest_value_is_the_peak_labelled_above_its_bar():
    chart = bar_chart(_points(3, 7, 7, 1), "Shipped")
    assert [bar.peak for bar in chart.bars] == [False, True, False, False]
    assert chart.peak is chart.bars[1]
    assert chart.peak.label_y < chart.peak.y
    assert chart.peak.label_y > 0


def test_the_axis_labels_thin_out_to_fit_and_always_name_the_latest_bar():
    chart = bar_chart(_points(*[1] * 14), "Shipped")
    ticks = [bar.tick for bar in chart.bars]
    assert ticks[-1] == "13"
    assert [tick for tick in ticks if tick] == ["1", "3", "5", "7", "9", "11", "13"]
    assert all(bar.tick for bar in bar_chart(_points(1, 2, 3), "Shipped").bars)


def test_the_summary_gives_the_span_the_total_and_the_busiest_bar():
    chart = bar_chart(_points(2, 8, 4), "Parcels shipped per day")
    assert chart.summary == (
        "Parcels shipped per day, day 0 to day 2: 14 in all, most on day 1 (8)."
    )


def test_an_empty_series_has_no_bars_and_says_so():
    chart = bar_chart([], "Parcels shipped per day")
    assert chart.bars == ()
    assert chart.empty
    assert chart.summary == "Parcels shipped per day: no data."


def test_a_series_of_zeros_has_no_peak_and_says_none():
    chart = bar_chart(_points(0, 0, 0), "Shipped")
    assert chart.empty
    assert chart.peak is None
    assert all(bar.height == 0 for bar in chart.bars)
    assert chart.summary == "Shipped, day 0 to day 2: none."


def test_a_daily_chart_labels_each_day_by_its_date():
    start = date(2026, 11, 27)
    chart = daily_chart([(start + timedelta(days=n), n) for n in range(4)], "Shipped")
    assert [bar.tick for bar in chart.bars] == ["27", "28", "29", "30"]
    assert chart.bars[0].name == "Fri 27 Nov"
    assert chart.summary == "Shipped, Fri 27 Nov to Mon 30 Nov: 6 in all, most on Mon 30 Nov (3)."


def test_a_meter_fills_its_share_of_the_track():
    gauge = meter(26, 40, "delivered by the ETA")
    assert gauge.share == pytest.approx(0.65)
    assert gauge.filled == pytest.approx(WIDTH * 0.65)
    assert gauge.summary == "26 of 40 (65%) delivered by the ETA."


def test_a_meter_with_nothing_to_measure_is_none():
    assert meter(0, 0, "delivered by the ETA") is None


def test_the_chart_renders_as_an_image_described_by_its_numbers():
    svg = _render("dashboard_bar_chart.html", chart=bar_chart(_points(2, 8, 0), "Shipped"))
    assert svg.lstrip().startswith("<svg")
    assert 'role="img"' in svg
    assert 'aria-label="Shipped, day 0 to day 2: 10 in all, most on day 1 (8)."' in svg
    assert "<title>Shipped, day 0 to day 2" in svg
    assert svg.count("<rect") == 2  # the zero draws no bar
    assert "chart-bar chart-bar-peak" in svg
    assert '<text class="chart-value"' in svg
    assert ">8</text>" in svg
    assert "<title>day 1: 8</title>" in svg


def test_the_svg_escapes_labels_and_uses_no_style_attribute():
    hostile = [Point('<script>x</script>"', "<b>", 3)]
    svg = _render("dashboard_bar_chart.html", chart=bar_chart(hostile, 'A "chart" <i>'))
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;x&lt;/script&gt;&#34;" in svg
    assert 'aria-label="A &#34;chart&#34; &lt;i&gt;' in svg
    assert "style=" not in svg


def test_the_meter_renders_its_track_and_fill():
    svg = _render("dashboard_meter.html", meter=meter(1, 4, "on <time>"))
    assert 'role="img"' in svg
    assert 'aria-label="1 of 4 (25%) on &lt;time&gt;."' in svg
    assert f'width="{WIDTH / 4}"' in svg
    assert "style=" not in svg
