"""The markup a shop pastes into its pages, with the options it chose."""

from __future__ import annotations

from markupsafe import escape

from webapp.widget.options import EmbedOptions


def embed_snippet(script_url: str, options: EmbedOptions) -> str:
    """The container and the script tag; only options that differ from the defaults appear."""
    chosen = {
        "data-mln-layout": options.layout if options.layout != "compact" else "",
        "data-mln-accent": options.accent,
        "data-mln-locale": options.locale,
    }
    attributes = "".join(f' {name}="{escape(value)}"' for name, value in chosen.items() if value)
    return (
        f"<div data-mln-track{attributes}></div>\n"
        f'<script src="{escape(script_url)}" async></script>'
    )
