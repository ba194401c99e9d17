"""Tests against the providers' real APIs: collected only where their credentials are set
(MLN_<FEED>_API_KEY or _TOKEN, and a parcel to ask about), so a run without them has nothing
here to skip."""

from tests.live.parcels import live_parcels

collect_ignore = [] if live_parcels() else ["test_feeds_live.py"]
