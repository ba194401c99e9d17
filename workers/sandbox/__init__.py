"""The sandbox carrier: an HTTP service that plays scripted parcel journeys like a carrier's API."""
