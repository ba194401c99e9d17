"""Jinja filters for times: carrier-local clocks, UTC instants for the browser, plain days."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from webapp.tracking.carriers import carrier
from webapp.tracking.stages import STAGE_TITLES, Stage
from webapp.tracking.statuses import STATUS_LABELS, Status
from webapp.tracking.times import carrier_local, clock_text, day_text, offset_label


def register(app: Flask) -> None:
    app.add_template_filter(local_clock)
    app.add_template_filter(local_zone)
    app.add_template_filter(utc_clock)
    app.add_template_filter(utc_iso)
    app.add_template_filter(day)
    app.add_template_filter(status_label)
    app.add_template_filter(stage_title)
    app.add_template_filter(carrier_name)


def local_clock(event) -> str:
    """The scan's time on the carrier's clock."""
    return clock_text(carrier_local(event.occurred_at, event.utc_offset_minutes))


def local_zone(event) -> str:
    return offset_label(event.utc_offset_minutes)


def utc_clock(moment: datetime) -> str:
    """The fallback text of a viewer-time element when no script converts it."""
    return clock_text(moment.astimezone(UTC)) + " UTC"


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def day(moment: datetime) -> str:
    return day_text(moment.astimezone(UTC).date())


def status_label(status: str) -> str:
    return STATUS_LABELS[Status(status)]


def stage_title(stage: int) -> str:
    return STAGE_TITLES[Stage(stage)]


def carrier_name(slug: str) -> str:
    """'Royal Mail' for 'royalmail'; an unknown carrier is named after its code."""
    return carrier(slug).name
