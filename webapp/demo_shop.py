"""`flask demo shop`: a shop's own page, on its own origin, with the tracking widget on it."""

from __future__ import annotations

import click
from flask import Flask, current_app, render_template
from werkzeug.serving import run_simple

SHOP_ACCENT = "#8a4b6e"


def create_shop(service_url: str, template_folder: str) -> Flask:
    """The sample shop: one help page that embeds the widget from the tracking service."""
    shop = Flask("demo_shop", template_folder=template_folder)
    widget_url = service_url.rstrip("/") + "/widget.js"

    @shop.get("/")
    def order_help():
        return render_template("demo/shop.html", widget_url=widget_url, accent=SHOP_ACCENT)

    return shop


@click.command("shop")
@click.option(
    "--bind", envvar="MLN_DEMO_SHOP_BIND", default="127.0.0.1:8026", show_default=True,
    help="host:port of the shop; add its origin to MLN_EMBED_ORIGINS.",
)  # fmt: skip
@click.option(
    "--service-url", envvar="MLN_DEMO_SERVICE_URL", default="http://127.0.0.1:8000",
    show_default=True, help="Where the tracking service is served.",
)  # fmt: skip
def shop_command(bind: str, service_url: str) -> None:
    """Serve the sample shop page with the widget, on its own origin."""
    host, _, port = bind.rpartition(":")
    shop = create_shop(service_url, current_app.template_folder)
    click.echo(f"demo shop on http://{bind}/ with the widget from {service_url}", err=True)
    run_simple(host, int(port), shop, threaded=True)
