"""Carrier feeds: one module per feed with the same functions, chosen by configuration.

Every feed module has a STATUS_MAP from the provider's codes to ours, `map_status(code)`,
`fetch(http, tracking_number, config) -> Tracking` and `parse(document) -> Tracking`.
"""

from __future__ import annotations

from types import ModuleType

from workers.carriers import sandbox

FEEDS: dict[str, ModuleType] = {
    "sandbox": sandbox,
}
