"""The widget: widget.js for shops' pages, and the /embed pages only those shops may frame."""

from __future__ import annotations

import gzip
import os
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import brotli
import pytest
from sqlalchemy import select

from webapp import ROOT, create_app
from webapp.demo_shop import create_shop
from webapp.extensions import db
from webapp.models import Order
from webapp.tracking.statuses import Status as S

SHOPS = ["https://shop.example", "http://127.0.0.1:8026"]
OPTIONS = {"layout": "full", "accent": "#ffcc00", "parent": SHOPS[0], "locale": "de-DE"}
JOURNEY = [(S.INFO_RECEIVED, 1), (S.IN_TRANSIT, 5, "Arrived at Leeds depot")]
WIDGET_BUDGET = 6 * 1024


@pytest.fixture
def shop_client(app_factory):
    """A client of the service that lets the two SHOPS frame the widget."""
    return app_factory(EMBED_ORIGINS=SHOPS).test_client()


@pytest.fixture
def limited(app_factory):
    """A client whose lookups, on the site and in the widget, share a budget of two misses."""
    return app_factory(EMBED_ORIGINS=SHOPS, LOOKUP_RATE_LIMIT="2 per minute").test_client()


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    directives = response.headers["Content-Security-Policy"].split(";")
    return dict(directive.strip().partition(" ")[::2] for directive in directives)


class _Tags(HTMLParser):
    def __init__(self, tag: str):
        super().__init__()
        self.tag, self.found = tag, []

    def handle_starttag(self, tag, attrs):
        if tag == self.tag:
            self.found.append({name: value or "" for name, value in attrs})


def tags(html: str, tag: str) -> list[dict[str, str]]:
    """The attributes of every <tag> in the page, unescaped."""
    parser = _Tags(tag)
    parser.feed(html)
    return parser.found


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def look_up(client, path="/embed", number="LL-1001", contact="ada@example.com", **options):
    return client.post(path, query_string=options, data={"number": number, "contact": contact})


def text(response) -> str:
    return response.get_data(as_text=True)


# widget.js


def test_widget_js_is_served_minified(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert b"MLNTrack" in response.data
    assert len(response.data) < os.path.getsize(os.path.join(ROOT, "static", "widget.js"))


def test_widget_js_is_revalidated_by_its_etag(client):
    etag = client.get("/widget.js").headers["ETag"]
    again = client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_widget_js_may_be_loaded_and_cached_by_any_site(client):
    headers = client.get("/widget.js").headers
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "public" in headers["Cache-Control"].split(", ")


@pytest.mark.parametrize(
    ("encoding", "decompress"), [("br", brotli.decompress), ("gzip", gzip.decompress)]
)
def test_compressed_widget_js_fits_its_size_budget(client, encoding, decompress):
    plain = client.get("/widget.js").data
    response = client.get("/widget.js", headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert len(response.data) <= WIDGET_BUDGET
    assert decompress(response.data) == plain


# Who may frame what


def frame_pages(client, make_order) -> list:
    """Every kind of page of the widget: lookup form, form error, order, unknown order."""
    token = make_order(shipments=[JOURNEY])
    return [
        client.get("/embed"),
        client.post("/embed", data={}),
        client.get(f"/embed/t/{token}"),
        client.get(f"/embed/t/{'a' * 32}"),
    ]


def test_only_the_configured_shops_may_frame_the_widget(shop_client, make_order):
    for response in frame_pages(shop_client, make_order):
        assert policy(response)["frame-ancestors"].split() == SHOPS, response.request.path


def test_without_configured_shops_nobody_may_frame_the_widget(client, make_order):
    for response in frame_pages(client, make_order):
        assert policy(response)["frame-ancestors"] == "'none'", response.request.path


def test_the_sites_own_pages_may_never_be_framed(shop_client, make_order):
    token = make_order(shipments=[JOURNEY])
    for path in ("/track", f"/t/{token}", "/no-such-page", "/healthz"):
        with shop_client.get(path) as response:
            assert policy(response)["frame-ancestors"] == "'none'", path


def test_widget_pages_are_neither_stored_nor_indexed(shop_client, make_order):
    for response in frame_pages(shop_client, make_order):
        assert response.headers["Cache-Control"] == "no-store", response.request.path
        assert response.headers["X-Robots-Tag"] == "noindex", response.request.path


# The lookup form in the frame


def test_the_order_number_from_the_shop_is_filled_in(client):
    html = text(client.get("/embed?order=LL-1001"))
    (number,) = (field for field in tags(html, "input") if field["name"] == "number")
    assert number["value"] == "LL-1001"


def test_an_accent_adds_a_style_allowed_by_its_nonce(client):
    response = client.get("/embed?accent=%23ffcc00")
    match = re.search(r'<style nonce="([^"]+)">([^<]*)</style>', text(response))
    assert match, "no <style nonce=...>"
    nonce, css = match.groups()
    assert f"'nonce-{nonce}'" in policy(response)["style-src"].split()
    assert "--accent:" in css


def test_each_page_gets_a_fresh_nonce(client):
    first, second = (client.get("/embed?accent=%23ffcc00") for _ in range(2))
    assert policy(first)["style-src"] != policy(second)["style-src"]


@pytest.mark.parametrize("accent", ["red", "%23fff;}body{", "javascript:alert(1)"])
def test_a_bad_accent_adds_no_style_and_no_nonce(client, accent):
    response = client.get(f"/embed?accent={accent}")
    assert "<style" not in text(response)
    assert policy(response)["style-src"] == "'self'"


def test_an_allowed_parent_is_told_to_the_frames_script(shop_client):
    (root,) = tags(text(shop_client.get(f"/embed?parent={SHOPS[0]}")), "html")
    assert root["data-parent-origin"] == SHOPS[0]


def test_a_parent_that_may_not_frame_the_widget_is_ignored(shop_client):
    html = text(shop_client.get("/embed?parent=https://evil.example"))
    assert "data-parent-origin" not in html
    assert "evil.example" not in html


def test_locale_is_given_to_the_page(client):
    (root,) = tags(text(client.get("/embed?locale=de-DE")), "html")
    assert root["data-locale"] == "de-DE"


@pytest.mark.parametrize(("layout", "body_class"), [("full", "embed-full"), ("", "embed-compact")])
def test_layout_sets_the_body_class(client, layout, body_class):
    (body,) = tags(text(client.get(f"/embed?layout={layout}")), "body")
    assert body["class"].split() == ["embed", body_class]


def test_the_form_posts_back_with_the_options(shop_client):
    html = text(shop_client.get("/embed", query_string={**OPTIONS, "order": "LL-1001"}))
    (form,) = tags(html, "form")
    assert urlsplit(form["action"]).path == "/embed"
    assert query(form["action"]) == OPTIONS


# Looking an order up in the frame


@pytest.mark.parametrize("contact", ["ada@example.com", "ls6 2qt"])
def test_a_found_order_opens_in_the_frame_with_the_options_only(shop_client, make_order, contact):
    token = make_order()
    response = look_up(shop_client, contact=contact, **OPTIONS)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert urlsplit(location).path == f"/embed/t/{token}"
    assert query(location) == OPTIONS, "no order number, e-mail or postcode in the URL"


def test_wrong_email_and_unknown_order_answer_alike_in_the_frame(shop_client, make_order):
    make_order()
    wrong_email = look_up(shop_client, contact="eve@example.com")
    unknown = look_up(shop_client, number="LL-9999", contact="eve@example.com")
    assert wrong_email.status_code == unknown.status_code == 404
    without_values = (re.sub(r'value="[^"]*"', "", text(r)) for r in (wrong_email, unknown))
    assert next(without_values) == next(without_values)
    assert "could not find an order" in text(unknown)
    (body,) = tags(text(unknown), "body")
    assert "embed" in body["class"].split()


def test_an_empty_form_gets_field_errors_and_keeps_the_options(shop_client):
    response = look_up(shop_client, number="", contact="", **OPTIONS)
    html = text(response)
    assert response.status_code == 422
    assert "Enter your order number." in html
    assert "Enter the e-mail address or postcode" in html
    assert html.count('aria-invalid="true"') == 2
    (form,) = tags(html, "form")
    assert query(form["action"]) == OPTIONS


# One lookup budget for the site and the widget


def test_misses_in_the_widget_use_up_the_sites_budget(limited):
    misses = [look_up(limited, contact="eve@example.com").status_code for _ in range(2)]
    assert misses == [404, 404]
    assert look_up(limited, "/track", contact="eve@example.com").status_code == 429


def test_misses_on_the_site_use_up_the_widgets_budget(limited):
    misses = [look_up(limited, "/track", contact="eve@example.com").status_code for _ in range(2)]
    assert misses == [404, 404]
    assert look_up(limited, contact="eve@example.com").status_code == 429


def test_the_limit_is_answered_inside_the_widget(limited):
    for _ in range(2):
        look_up(limited, contact="eve@example.com")
    response = look_up(limited, contact="eve@example.com", **OPTIONS)
    html = text(response)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert "too many attempts" in html
    (body,) = tags(html, "body")
    assert body["class"].split() == ["embed", "embed-full"]
    assert policy(response)["frame-ancestors"].split() == SHOPS
    (form,) = tags(html, "form")
    assert query(form["action"]) == OPTIONS


def test_found_orders_do_not_use_up_the_budget(limited, make_order):
    make_order()
    assert [look_up(limited).status_code for _ in range(4)] == [303] * 4
    assert look_up(limited, "/track", contact="eve@example.com").status_code == 404


# One order in the frame


def order_frame(client, token, **options) -> str:
    response = client.get(f"/embed/t/{token}", query_string=options)
    assert response.status_code == 200
    return text(response)


def test_the_order_follows_the_same_socket_as_its_tracking_page(client, make_order):
    token = make_order(shipments=[JOURNEY])
    sockets = [
        [div["hx-ws:connect"] for div in tags(html, "div") if "hx-ws:connect" in div]
        for html in (order_frame(client, token), text(client.get(f"/t/{token}")))
    ]
    in_frame, on_page = sockets
    assert in_frame == on_page
    assert [urlsplit(url).path for url in in_frame] == [f"/t/{token}/live"]


def test_the_order_shows_its_stage_cards(app, client, make_order):
    token = make_order(shipments=[JOURNEY])
    with app.app_context():
        (sid,) = (
            s.id for s in db.session.scalar(select(Order).where(Order.token == token)).shipments
        )
    html = order_frame(client, token)
    assert 'id="order-shipments"' in html
    assert f'id="shipment-{sid}-in-transit"' in html
    assert "Arrived at Leeds depot" in html


def test_the_full_tracking_page_opens_in_a_new_tab(client, make_order):
    token = make_order(shipments=[JOURNEY])
    (link,) = (a for a in tags(order_frame(client, token), "a") if a["href"] == f"/t/{token}")
    assert link["target"] == "_blank"
    assert "noopener" in link["rel"].split()


def test_track_another_order_goes_back_to_the_form_with_the_options(shop_client, make_order):
    token = make_order(shipments=[JOURNEY])
    html = order_frame(shop_client, token, **OPTIONS)
    assert "Track another order" in html
    (back,) = (a for a in tags(html, "a") if urlsplit(a["href"]).path == "/embed")
    assert query(back["href"]) == OPTIONS


def test_the_full_layout_lists_the_items_and_compact_does_not(client, make_order):
    token = make_order(shipments=[JOURNEY])
    assert 'id="order-items"' in order_frame(client, token, layout="full")
    assert 'id="order-items"' not in order_frame(client, token)
    assert 'id="order-items"' not in order_frame(client, token, layout="compact")


def test_html_in_carrier_text_is_escaped_in_the_frame(client, make_order):
    hostile = '<img src=x onerror="alert(1)">Depot'
    html = order_frame(client, make_order(shipments=[[(S.IN_TRANSIT, 1, hostile)]]))
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Depot" in html


@pytest.mark.parametrize("token", ["nope", "a" * 32, "%00" * 12, "x" * 500, "%3Cb%3E", "ünï"])
def test_an_unknown_or_malformed_token_says_the_link_no_longer_works(client, token):
    response = client.get(f"/embed/t/{token}?layout=full")
    assert response.status_code == 404
    html = text(response)
    assert "no longer works" in html
    (body,) = tags(html, "body")
    assert body["class"].split() == ["embed", "embed-full"]


def test_a_rotated_token_no_longer_works_in_the_frame(app, client, make_order):
    token = make_order(shipments=[JOURNEY])
    with app.app_context():
        db.session.scalar(select(Order).where(Order.token == token)).rotate_token()
        db.session.commit()
    assert client.get(f"/embed/t/{token}").status_code == 404


# Hostile query strings


HOSTILE_QUERIES = [
    "order=" + "x" * 20_000,
    "accent=" + "%23" * 5_000,
    "locale=" + "a-" * 5_000,
    "parent=https://" + "s" * 10_000,
    "order=LL%00%01%1b&locale=de%0d%0aX:1&accent=%23fff%0a",
    "order=%F0%9F%93%A6-%E6%BC%A2&locale=%C3%BC&parent=https://%C3%BC.example",
    "order=%ff%fe&layout=%c0%af",
    "layout=full&layout=huge&accent=red&accent=%23fff&parent=x&parent=y",
]


@pytest.mark.parametrize("query_string", HOSTILE_QUERIES)
def test_hostile_query_strings_never_break_the_widget(shop_client, make_order, query_string):
    token = make_order(shipments=[JOURNEY])
    assert shop_client.get(f"/embed?{query_string}").status_code == 200
    assert shop_client.get(f"/embed/t/{token}?{query_string}").status_code == 200
    assert shop_client.get(f"/embed/t/nope?{query_string}").status_code == 404
    posted = shop_client.post(f"/embed?{query_string}", data={"number": "LL-9", "contact": "e"})
    assert posted.status_code == 404


# Configuration


@pytest.mark.parametrize(
    "origins", ["*", ["*"], "https://shop.example", ["https://*.shop.example"], ["shop.example"]]
)
def test_the_app_refuses_to_start_with_bad_embed_origins(tmp_path, origins):
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
        "EMBED_ORIGINS": origins,
    }
    with pytest.raises(ValueError, match="MLN_EMBED_ORIGINS"):
        create_app(settings)


def test_embed_origins_are_written_as_browsers_send_them(app_factory):
    client = app_factory(EMBED_ORIGINS=["https://Shop.Example/"]).test_client()
    assert policy(client.get("/embed"))["frame-ancestors"] == "https://shop.example"


# The demo


def test_demo_seed_prints_the_demo_shops_address(app):
    result = app.test_cli_runner().invoke(
        args=["demo", "seed", "--shop-url", "http://127.0.0.1:8026"]
    )
    assert result.exit_code == 0, result.output
    assert "The demo shop, with the tracking widget on its page: http://127.0.0.1:8026/" in (
        result.output
    )


def test_the_demo_shop_embeds_two_widgets_from_the_service():
    shop = create_shop("http://127.0.0.1:8000/", os.path.join(ROOT, "templates"))
    response = shop.test_client().get("/")
    html = text(response)
    assert response.status_code == 200
    scripts = [s for s in tags(html, "script") if "src" in s]
    assert scripts == [{"src": "http://127.0.0.1:8000/widget.js", "async": ""}]
    assert len([div for div in tags(html, "div") if "data-mln-track" in div]) == 2
