"""Orders and parcels from a CSV file, through the API's own code path: each order made once,
however often the file is uploaded, and each fault reported on its row.

One row per item (or per parcel) of an order; rows with the same `number` are one order, whose
fields come from its first row. Columns: number, email, name, placed_at (required); postcode,
country, locale, time_zone, sku, title, quantity, tracking_number, carrier, service.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from pydantic import ValidationError

from webapp.api import orders, shipments
from webapp.api.schemas import OrderIn, ShipmentIn

ORDER_COLUMNS = ("number", "email", "name", "placed_at", "postcode", "country", "locale")
ORDER_COLUMNS += ("time_zone",)
ITEM_COLUMNS = ("sku", "title", "quantity")
PARCEL_COLUMNS = ("tracking_number", "carrier", "service")
REQUIRED = ("number", "email", "name", "placed_at")
COLUMNS = ORDER_COLUMNS + ITEM_COLUMNS + PARCEL_COLUMNS
MAX_ROWS = 10_000
FIRST_ROW = 2  # the header is line 1, as a spreadsheet numbers it


class FileError(ValueError):
    """The file as a whole cannot be read: not CSV, not UTF-8, columns missing or unknown."""


@dataclass
class Outcome:
    """What became of one order of the file."""

    number: str
    rows: list[int]
    state: str = "made"  # made, there already, refused
    parcels: int = 0
    problems: list[str] = field(default_factory=list)

    def refuse(self, problem: str) -> None:
        self.state = "refused"
        self.problems.append(problem)


def import_csv(data: bytes) -> list[Outcome]:
    """Make the file's orders and parcels; each order commits on its own, so one bad order
    stops none of the others."""
    return [_import_order(number, rows) for number, rows in _orders_of(_rows(data)).items()]


def _rows(data: bytes) -> list[tuple[int, dict]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError("The file is not UTF-8 text; save it as CSV UTF-8.") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    if missing := [name for name in REQUIRED if name not in header]:
        raise FileError(f"The first line lacks the column(s) {', '.join(missing)}.")
    if unknown := [name for name in header if name not in COLUMNS]:
        raise FileError(
            f"Unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}."
        )
    reader.fieldnames = header
    rows = []
    try:
        for line, row in enumerate(reader, FIRST_ROW):
            if line - FIRST_ROW >= MAX_ROWS:
                raise FileError(f"The file has more than {MAX_ROWS:,} rows; split it.")
            cells = {name: (value or "").strip() for name, value in row.items() if name}
            if any(cells.values()):
                rows.append((line, cells))
    except csv.Error as error:
        raise FileError(f"Line {reader.line_num} is not CSV: {error}") from None
    if not rows:
        raise FileError("The file has no rows under its header.")
    return rows


def _orders_of(rows: list[tuple[int, dict]]) -> dict[str, list[tuple[int, dict]]]:
    grouped: dict[str, list[tuple[int, dict]]] = {}
    for line, cells in rows:
        grouped.setdefault(cells.get("number", ""), []).append((line, cells))
    return grouped


def _import_order(number: str, rows: list[tuple[int, dict]]) -> Outcome:
    outcome = Outcome(number, [line for line, _ in rows])
    first_line, first = rows[0]
    for line, cells in rows[1:]:
        if differing := [c for c in ORDER_COLUMNS if cells.get(c) and cells[c] != first.get(c)]:
            outcome.refuse(f"row {line}: {', '.join(differing)} differ(s) from row {first_line}")
    item_rows = [(line, cells) for line, cells in rows if cells.get("sku") or cells.get("title")]
    payload = _order_payload(first, item_rows, first_line, outcome)
    if outcome.state == "refused":
        return outcome
    try:
        received = orders.receive(payload, None, None)
    except orders.Conflict:
        outcome.refuse(f"row {first_line}: order {number} exists with other details")
        return outcome
    outcome.state = "made" if received.created else "there already"
    for line, cells in rows:
        if cells.get("tracking_number"):
            _add_parcel(received.order, line, cells, outcome)
    return outcome


def _order_payload(first: dict, item_rows: list, first_line: int, outcome: Outcome):
    data = {c: first[c] for c in ORDER_COLUMNS if first.get(c)}
    data["items"] = [{c: cells[c] for c in ITEM_COLUMNS if cells.get(c)} for _, cells in item_rows]
    try:
        return OrderIn.model_validate(data)
    except ValidationError as error:
        for fault in error.errors():
            location = fault["loc"]
            if location[0] == "items" and len(location) > 1:
                line, name = item_rows[location[1]][0], _field(location[2:])
            else:
                line, name = first_line, _field(location)
            outcome.refuse(f"row {line}, {name}: {fault['msg']}")
        return None


def _add_parcel(order, line: int, cells: dict, outcome: Outcome) -> None:
    data = {c: cells[c] for c in PARCEL_COLUMNS if cells.get(c)}
    number = data["tracking_number"]
    try:
        registered = shipments.register(order, ShipmentIn.model_validate(data))
    except ValidationError as error:
        outcome.problems += [
            f"row {line}, {_field(fault['loc'])}: {fault['msg']}" for fault in error.errors()
        ]
        return
    except shipments.UnknownCarrier:
        outcome.problems.append(f"row {line}, carrier: {data['carrier']} is none of ours")
        return
    except shipments.Unclear:
        outcome.problems.append(f"row {line}: {number} does not say its carrier; fill in carrier")
        return
    except shipments.Conflict:
        outcome.problems.append(f"row {line}: {number} is there with another carrier")
        return
    outcome.parcels += registered.created


def _field(location: tuple) -> str:
    return ".".join(map(str, location))
