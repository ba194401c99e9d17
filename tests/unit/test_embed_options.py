"""What a shop asks of a widget: well-formed options are kept, each malformed one is dropped."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from webapp.widget.options import EmbedOptions, embed_origins

SHOP = "https://shop.example"
GOOD = {
    "order": "LL-1001",
    "locale": "de-DE",
    "accent": "#0a7d5a",
    "layout": "full",
    "parent": SHOP,
}


def parse(**changes) -> EmbedOptions:
    return EmbedOptions.parse(MultiDict({**GOOD, **changes}), [SHOP])


def test_well_formed_options_are_kept():
    assert parse() == EmbedOptions(**GOOD)


def test_no_options_at_all_is_the_compact_widget():
    assert EmbedOptions.parse(MultiDict(), [SHOP]) == EmbedOptions(layout="compact")


@pytest.mark.parametrize("accent", ["red", "#12345", "javascript:alert(1)", "#fff;}body{", "#ggg"])
def test_a_malformed_accent_is_dropped_alone(accent):
    assert parse(accent=accent) == EmbedOptions(**{**GOOD, "accent": ""})


@pytest.mark.parametrize("accent", ["#ABC", "#0A7D5A"])
def test_accent_is_kept_in_lower_case(accent):
    assert parse(accent=accent).accent == accent.lower()


def test_an_unknown_layout_falls_back_to_compact():
    assert parse(layout="huge") == EmbedOptions(**{**GOOD, "layout": "compact"})


@pytest.mark.parametrize("locale", ["de-DE", "en", "fr-CA", "zh-Hant-TW"])
def test_a_language_tag_is_kept(locale):
    assert parse(locale=locale).locale == locale


@pytest.mark.parametrize("locale", ["en_US", "<x>", "de-DE\n", "", "e"])
def test_a_malformed_locale_is_dropped_alone(locale):
    assert parse(locale=locale) == EmbedOptions(**{**GOOD, "locale": ""})


def test_an_order_number_of_64_characters_is_kept_and_65_dropped():
    assert parse(order="N" * 64).order == "N" * 64
    assert parse(order="N" * 65) == EmbedOptions(**{**GOOD, "order": ""})


@pytest.mark.parametrize("order", ["LL-1001\x00", "LL\x1b-1001", "LL-\x7f1001", "LL\n1001"])
def test_an_order_number_with_control_characters_is_dropped(order):
    assert parse(order=order) == EmbedOptions(**{**GOOD, "order": ""})


def test_surrounding_whitespace_is_not_part_of_the_order_number():
    assert parse(order="  LL-1001 \n").order == "LL-1001"


@pytest.mark.parametrize(
    "parent", ["https://evil.example", "https://shop.example.evil", "http://shop.example", "*"]
)
def test_a_parent_is_kept_only_when_it_may_frame_the_widget(parent):
    assert parse(parent=parent) == EmbedOptions(**{**GOOD, "parent": ""})


def test_the_first_of_repeated_values_counts():
    values = MultiDict([("layout", "full"), ("layout", "huge"), ("accent", "red")])
    assert EmbedOptions.parse(values, []) == EmbedOptions(layout="full")


def test_query_carries_the_options_but_not_the_order_number():
    assert parse().query() == {k: v for k, v in GOOD.items() if k != "order"}


def test_query_leaves_out_empty_values():
    assert EmbedOptions(order="LL-1001", layout="compact").query() == {"layout": "compact"}


def test_embed_origins_accepts_a_list_and_writes_them_as_browsers_send_them():
    configured = [
        "https://Shop.Example/",
        "http://127.0.0.1:8026",
        "https://shop.example:8443",
        "https://shop.example:443",
        "http://shop.example:80",
        "https://шоп.example",
    ]
    assert embed_origins(configured) == [
        "https://shop.example",
        "http://127.0.0.1:8026",
        "https://shop.example:8443",
        "https://shop.example",
        "http://shop.example",
        "https://xn--n1acz.example",
    ]


def test_no_embed_origins_is_allowed():
    assert embed_origins([]) == []


def test_embed_origins_must_be_a_list():
    with pytest.raises(ValueError, match=r"MLN_EMBED_ORIGINS must be a JSON list"):
        embed_origins("https://shop.example")


@pytest.mark.parametrize(
    "entry",
    [
        "*",
        "https://*.shop.example",
        "https://shop.example/path",
        "shop.example",
        "",
        42,
        None,
        "https://shop.example;",
        "https://shop.example:abc",
        "https://:",
        "https://'none'",
        "https://shop.example.",
        "ftp://shop.example",
        "https://user@shop.example",
        "https://shop.example?x=1",
    ],
)
def test_an_entry_that_is_not_an_origin_is_refused_by_name(entry):
    with pytest.raises(ValueError, match="MLN_EMBED_ORIGINS") as refused:
        embed_origins([SHOP, entry])
    assert repr(entry) in str(refused.value)
    assert "no path and no wildcard" in str(refused.value)
