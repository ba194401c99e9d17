"""What a shop asks of one widget, read from its iframe's query string; bad values are dropped."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from webapp.track.lookup import MAX_NUMBER_LENGTH

LAYOUTS = ("compact", "full")
_ACCENT = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}")
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
DEFAULT_PORTS = {"http": 80, "https": 443}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class EmbedOptions:
    order: str = ""
    locale: str = ""
    accent: str = ""
    layout: str = "compact"
    parent: str = ""

    @classmethod
    def parse(cls, values, allowed_origins: list[str]) -> EmbedOptions:
        """Keep each value only when it is well formed; the widget works without any of them."""
        order = values.get("order", "").strip()
        locale = values.get("locale", "")
        accent = values.get("accent", "")
        layout = values.get("layout", "")
        parent = values.get("parent", "")
        return cls(
            order=order if len(order) <= MAX_NUMBER_LENGTH and not _CONTROL.search(order) else "",
            locale=locale if _LOCALE.fullmatch(locale) else "",
            accent=accent.lower() if _ACCENT.fullmatch(accent) else "",
            layout=layout if layout in LAYOUTS else "compact",
            parent=parent if parent in allowed_origins else "",
        )

    def query(self) -> dict[str, str]:
        """The options to carry from page to page inside the iframe, leaving out the empty ones."""
        return {name: value for name, value in asdict(self).items() if value and name != "order"}


def embed_origins(configured: list[str]) -> list[str]:
    """The shop origins allowed to frame the widget; a malformed one stops the app from starting."""
    if not isinstance(configured, list):
        raise ValueError('MLN_EMBED_ORIGINS must be a JSON list, e.g. ["https://shop.example"]')
    return [_origin(entry) for entry in configured]


def _origin(entry: str) -> str:
    """The entry as browsers send an origin: 'https://Shop.example:443/' is 'https://shop.example'.

    Only what may stand in a CSP header and match `location.origin`: an ASCII (punycode) host name
    or IPv4 address, a port only when it is not the scheme's default.
    """
    try:
        parts = urlsplit(entry.strip().removesuffix("/"))
        host = parts.hostname.encode("idna").decode("ascii")
        port = parts.port
    except (AttributeError, ValueError, UnicodeError):
        raise _not_an_origin(entry) from None
    extras = parts.path or parts.query or parts.fragment or parts.username or parts.password
    if parts.scheme not in DEFAULT_PORTS or extras or not _HOST.fullmatch(host):
        raise _not_an_origin(entry)
    explicit = f":{port}" if port and port != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{host}{explicit}"


def _not_an_origin(entry) -> ValueError:
    return ValueError(
        f"MLN_EMBED_ORIGINS: {entry!r} is not an origin such as https://shop.example "
        "(scheme and host, an optional port, no path and no wildcard)"
    )
