"""A shop's accent colour becomes a palette whose text and buttons stay readable (WCAG 2.2)."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from webapp.widget.theme import contrast, palette

WHITE = (255, 255, 255)
ACCENTS = st.from_regex(r"#(?:[0-9a-fA-F]{3}){1,2}", fullmatch=True)
SHORT_ACCENTS = st.from_regex(r"#[0-9a-fA-F]{3}", fullmatch=True)


def rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.removeprefix("#")
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


@given(ACCENTS)
def test_links_and_text_in_the_accent_are_readable_on_white(accent):
    assert contrast(rgb(palette(accent)["--accent-ink"]), WHITE) >= 4.5


@given(ACCENTS)
def test_buttons_in_the_accent_stand_out_on_white(accent):
    assert contrast(rgb(palette(accent)["--accent"]), WHITE) >= 3


@given(ACCENTS)
def test_button_text_is_readable_on_the_button(accent):
    colours = palette(accent)
    assert contrast(rgb(colours["--on-accent"]), rgb(colours["--accent"])) >= 4.5


@given(ACCENTS)
def test_a_dark_enough_accent_is_kept_as_the_shop_chose_it(accent):
    assume(contrast(rgb(accent), WHITE) >= 4.5)
    kept = "#{:02x}{:02x}{:02x}".format(*rgb(accent))
    colours = palette(accent)
    assert colours["--accent"] == colours["--accent-ink"] == kept


def test_a_dark_accent_is_kept_unchanged():
    colours = palette("#0a5c44")
    assert colours["--accent"] == colours["--accent-ink"] == "#0a5c44"


@given(SHORT_ACCENTS)
def test_short_and_long_hex_give_the_same_palette(accent):
    long = "#" + "".join(digit * 2 for digit in accent[1:])
    assert palette(accent) == palette(long)


def test_three_digit_example_matches_six_digit_example():
    assert palette("#abc") == palette("#aabbcc")


def test_a_light_accent_gets_dark_button_text():
    """White on yellow is unreadable: the text is the dark ink instead."""
    on_accent = rgb(palette("#ffcc00")["--on-accent"])
    assert on_accent != WHITE
    assert contrast(on_accent, WHITE) >= 4.5
