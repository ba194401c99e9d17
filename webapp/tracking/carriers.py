"""Carrier names and their public tracking pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    tracking_url: str | None = None

    def link(self, tracking_number: str) -> str | None:
        """The carrier's own page for this number, if it has a public one."""
        if not self.tracking_url:
            return None
        return self.tracking_url.format(number=quote(tracking_number, safe=""))


CARRIERS = {
    carrier.code: carrier
    for carrier in (
        Carrier("ups", "UPS", "https://www.ups.com/track?tracknum={number}"),
        Carrier("usps", "USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
        Carrier("fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}"),
        Carrier(
            "dhl",
            "DHL",
            "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
            "?submit=1&tracking-id={number}",
        ),
        Carrier("dpd", "DPD", "https://tracking.dpd.de/status/en_US/parcel/{number}"),
        Carrier(
            "royalmail",
            "Royal Mail",
            "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
        ),
        Carrier("postnl", "PostNL", "https://jouw.postnl.nl/track-and-trace/{number}"),
        Carrier("sandbox", "Sandbox Express"),
    )
}


def carrier(code: str) -> Carrier:
    """The known carrier, or one named after its code."""
    return CARRIERS.get(code) or Carrier(code, code.upper())
