"""Carrier detection: the documented examples and pitfalls, and check-digit properties.

The check digits here are computed by helpers of this file, written from CARRIERS.md and not
from the module, so a shared mistake would have to be made twice.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.tracking.detection import FORMATS, HIGH, LOW, Candidate, detect, normalize

# Fixed seed and no example database, so every run checks the same cases.
PROPERTY = settings(max_examples=200, derandomize=True, database=None, deadline=None)

ALPHABET = string.digits + string.ascii_uppercase
UNCHECKED_FORMATS = {"dhl_ecommerce", "dhl_piece_jjd"}


# --- Check digits, from the documentation ------------------------------------------------------


def ups_check(body: str) -> str:
    total = 0
    for position, char in enumerate(body):
        value = int(char) if char.isdigit() else (ord(char) - 3) % 10
        total += value * 2 if position % 2 == 1 else value
    return str((10 - total % 10) % 10)


def usps_check(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return str((10 - total % 10) % 10)


def gs1_check(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def s10_check(serial: str) -> str:
    weights = [8, 6, 4, 2, 3, 5, 9, 7]
    r = sum(int(d) * w for d, w in zip(serial, weights, strict=True)) % 11
    return {0: "5", 1: "0"}.get(r, str(11 - r))


def fedex_express_check(digits: str) -> str:
    weights = [3, 1, 7] * 4
    return str(sum(int(d) * weights[i] for i, d in enumerate(digits)) % 11 % 10)


def dhl_express_check(serial: str) -> str:
    return str(int(serial) % 7)


def passes_mod_37_36(chars: str) -> bool:
    """ISO 7064 MOD 37,36 as the standard checks it: the last running sum is 1."""
    product = 36
    for char in chars:
        running = (product + ALPHABET.index(char)) % 36 or 36
        product = running * 2 % 37
    return running == 1


def dpd_check(payload: str) -> str:
    return next(char for char in ALPHABET if passes_mod_37_36(payload + char))


# --- Strategies ---------------------------------------------------------------------------------


def digits(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=string.digits, min_size=size, max_size=size)


def with_check(payloads: st.SearchStrategy[str], check) -> st.SearchStrategy[str]:
    return payloads.map(lambda payload: payload + check(payload))


ups_numbers = st.text(alphabet=ALPHABET, min_size=15, max_size=15).map(
    lambda body: "1Z" + body + ups_check(body)
)
usps_bodies = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(["92", "93", "94", "03", "71", "95"]),
    st.integers(min_value=17, max_value=19).flatmap(digits),
).map(lambda payload: payload + usps_check(payload))
routings = st.sampled_from(["", "42012345", "420123456789", "42090210", "420021381234"])
usps_numbers = st.builds(lambda routing, body: routing + body, routings, usps_bodies)
s10_countries = st.sampled_from(["GB", "NL", "US", "DE", "FR", "JP", "CN", "BR"])
s10_numbers = st.builds(
    lambda service, serial, country: service + serial + s10_check(serial) + country,
    st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2),
    digits(8),
    s10_countries,
)
fedex_express_numbers = with_check(digits(11), fedex_express_check)
fedex_ground_numbers = with_check(digits(14), gs1_check)
fedex_96_numbers = st.builds(lambda head, ground: "96" + head + ground, digits(5), digits(14)).map(
    lambda payload: payload + gs1_check(payload[7:])
)
sscc_numbers = st.builds(
    lambda ai, sscc: ai + sscc, st.sampled_from(["", "00"]), with_check(digits(17), gs1_check)
)
dhl_express_numbers = with_check(
    st.integers(min_value=9, max_value=10).flatmap(digits), dhl_express_check
)
dpd_numbers = with_check(st.sampled_from([13, 27]).flatmap(digits), dpd_check)

VALID = {
    "ups_1z": ups_numbers,
    "usps": usps_numbers,
    "s10": s10_numbers,
    "fedex_express_12": fedex_express_numbers,
    "fedex_ground_15": fedex_ground_numbers,
    "fedex_ground_96_22": fedex_96_numbers,
    "fedex_sscc": sscc_numbers,
    "dhl_express": dhl_express_numbers,
    "dpd": dpd_numbers,
}
valid_numbers = st.one_of(*VALID.values())
plausible = st.text(alphabet=string.digits + "GMJDLXRZB -", min_size=8, max_size=36)


def valid_in(family: str, number: str) -> list[Candidate]:
    """The readings of a format family (USPS and DPD have several formats) that pass the check."""
    return [c for c in detect(number) if c.format.startswith(family) and c.check_digit_valid]


def changed(number: str, position: int, alphabet: str, data) -> str:
    """The number with the character at position replaced by a different one of alphabet."""
    others = [c for c in alphabet if c != number[position]]
    return number[:position] + data.draw(st.sampled_from(others)) + number[position + 1 :]


# --- The documented examples -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "carrier", "format"),
    [
        ("1Z5R89390357567127", "ups", "ups_1z"),
        ("9400 1112 0108 0805 4830 16", "usps", "usps_impb"),
        ("RB123456785GB", "royalmail", "s10"),
        ("986578788855", "fedex", "fedex_express_12"),
        ("3318810025", "dhl", "dhl_express"),
    ],
)
def test_documented_example_is_the_top_valid_candidate(number, carrier, format):
    """Each valid example of CARRIERS.md reads as its carrier first, vouched for by its check."""
    top = detect(number)[0]
    assert (top.carrier, top.format) == (carrier, format)
    assert top.check_digit_valid is True
    assert top.confidence == HIGH


@pytest.mark.parametrize(
    ("number", "format"),
    [
        ("1Z5R89390357567128", "ups_1z"),
        ("9400 1112 0108 0805 4830 17", "usps_impb"),
        ("RB123456784GB", "s10"),
        ("986578788856", "fedex_express_12"),
        ("3318810026", "dhl_express"),
        ("1Z5R8939035756712A", "ups_1z"),
    ],
)
def test_failed_check_digit_is_kept_at_low_confidence(number, format):
    """A mistyped number still shows staff its likely carrier, but never as a sure reading."""
    (candidate,) = detect(number)
    assert candidate.format == format
    assert candidate.check_digit_valid is False
    assert candidate.confidence == LOW


@pytest.mark.parametrize(
    ("number", "format"),
    [
        ("0414 4176 0228 964", "fedex_ground_15"),
        ("9611020987654312345672", "fedex_ground_96_22"),
        ("00 0123 4500 0000 0027", "fedex_sscc"),
        ("00 81827 0998 0000 0200 33 350 276 C", "dpd_28"),
        ("0081 827 0998 0000 0200 45 327 276 N", "dpd_28"),
    ],
)
def test_published_examples_of_the_formats_without_one_in_carriers_md(number, format):
    """Numbers from a public integration's test data confirm the direction of each check."""
    top = detect(number)[0]
    assert top.format == format
    assert top.check_digit_valid is True


def test_candidate_carries_the_normalized_number():
    (candidate,) = detect("  1z5r 8939-0357 5671 27\n")
    assert candidate == Candidate("ups", "ups_1z", True, HIGH, "1Z5R89390357567127")


# --- S10 countries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "carrier"),
    [("GB", "royalmail"), ("NL", "postnl"), ("US", "usps"), ("DE", "dhl"), ("FR", "upu")],
)
def test_s10_belongs_to_the_national_post_of_its_country(country, carrier):
    """The check covers the digits only, so one serial serves every country."""
    (candidate,) = detect(f"RB123456785{country}")
    assert (candidate.carrier, candidate.country, candidate.check_digit_valid) == (
        carrier,
        country,
        True,
    )


@pytest.mark.parametrize("country", ["XX", "ZZ", "EU", "AQ"])
def test_s10_needs_a_postal_country(country):
    assert detect(f"RB123456785{country}") == []


# --- Pitfalls ----------------------------------------------------------------------------------


@pytest.mark.parametrize("routing", ["420 12345", "420 12345 6789"])
def test_routing_code_is_stripped_before_the_usps_check(routing):
    """A 420+ZIP (or ZIP+4) prefix is routing, not part of the number the check covers."""
    top = detect(f"{routing} 9400 1112 0108 0805 4830 16")[0]
    assert (top.carrier, top.format, top.check_digit_valid) == ("usps", "usps_impb", True)


def test_routed_usps_number_ranks_usps_above_fedex():
    """A 420+ZIP IMpb number is also a FedEx SmartPost hand-off: both shown, USPS first."""
    candidates = detect("420 10282 0000 9261 2901 1318 5417 4685 10")
    assert [(c.carrier, c.format) for c in candidates] == [
        ("usps", "usps_impb"),
        ("fedex", "fedex_smartpost"),
    ]
    assert all(c.check_digit_valid for c in candidates)


@pytest.mark.parametrize("number", ["00 81827 0998 0000 0200 33 350 276 C", "0123 4567 8901 2N"])
def test_dpd_is_not_read_as_dhl(number):
    candidates = detect(number)
    assert [c.carrier for c in candidates] == ["dpd"]
    assert candidates[0].check_digit_valid is True


def test_number_valid_for_two_carriers_yields_both():
    """A 20-digit SSCC with its (00) identifier passes USPS's check too; the SSCC comes first."""
    payload = "00" + "1234567890123456" + "7"
    number = payload + usps_check(payload)
    assert [(c.carrier, c.format, c.check_digit_valid) for c in detect(number)] == [
        ("fedex", "fedex_sscc", True),
        ("usps", "usps_20", True),
    ]


def test_twenty_digits_are_an_sscc_only_behind_the_00_identifier():
    """USPS's own 20-digit numbers pass the same mod 10, so the identifier is what tells them."""
    assert [(c.carrier, c.format) for c in detect("0307 1790 0005 2348 3741")] == [
        ("usps", "usps_20")
    ]


def test_valid_reading_ranks_above_a_failed_one():
    candidates = detect("9611020987654312345672")
    assert [(c.format, c.confidence) for c in candidates] == [
        ("fedex_ground_96_22", HIGH),
        ("usps_22", LOW),
    ]


@pytest.mark.parametrize(
    ("number", "format"),
    [
        ("JJD0099999999", "dhl_piece_jjd"),
        ("JJD 0001 2345 6789 0123 45", "dhl_piece_jjd"),
        ("GM2951173225174494", "dhl_ecommerce"),
        ("LX 1234 5678 9012", "dhl_ecommerce"),
        ("RX12345678901234", "dhl_ecommerce"),
    ],
)
def test_formats_without_check_digit_are_low_confidence_only(number, format):
    (candidate,) = detect(number)
    assert (candidate.carrier, candidate.format) == ("dhl", format)
    assert candidate.check_digit_valid is None
    assert candidate.confidence == LOW


@pytest.mark.parametrize(
    "number",
    [
        "",
        "   ",
        "hello",
        "hello world",
        "12345",
        "1Z5R8939/0357567127",
        "1Z5R8939.0357567127",
        "1Z5R8939\t0357567127",
        "RB123456785GB!",
        "ß123456785GB",
        "١٢٣٤٥٦٧٨٩٠",
        "1Z5R8939035756712",
        "JJD",
        "GM123",
    ],
)
def test_garbage_gives_no_candidate(number):
    assert detect(number) == []


def test_normalize_keeps_letters_and_digits_only():
    assert normalize(" rb-123 456 785 gb ") == "RB123456785GB"
    assert normalize("RB_123") is None


# --- Properties --------------------------------------------------------------------------------


@PROPERTY
@given(data=st.data(), family=st.sampled_from(sorted(VALID)))
def test_any_number_with_a_computed_check_digit_is_detected_valid(data, family):
    number = data.draw(VALID[family])
    assert valid_in(family, number)
    top = detect(number)[0]
    assert top.check_digit_valid is True
    assert top.confidence == HIGH


@PROPERTY
@given(
    case=st.one_of(
        usps_bodies.map(lambda number: ("usps", number)),
        fedex_ground_numbers.map(lambda number: ("fedex_ground_15", number)),
        sscc_numbers.map(lambda number: ("fedex_sscc", number)),
    ),
    data=st.data(),
)
def test_one_changed_digit_breaks_a_mod_10_check(case, data):
    """Weights 3 and 1 are prime to 10, so no single changed digit keeps the check passing."""
    family, number = case
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    assert not valid_in(family, changed(number, position, string.digits, data))


@PROPERTY
@given(number=fedex_96_numbers, data=st.data())
def test_one_changed_digit_in_the_ground_number_breaks_a_96_barcode(number, data):
    position = data.draw(st.integers(min_value=7, max_value=21))
    assert not valid_in("fedex_ground_96_22", changed(number, position, string.digits, data))


@PROPERTY
@given(number=dpd_numbers, data=st.data())
def test_one_changed_character_breaks_a_dpd_check(number, data):
    """ISO 7064 hybrid systems detect every single substitution, the check character's too."""
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    alphabet = ALPHABET if position == len(number) - 1 else string.digits
    assert not valid_in("dpd", changed(number, position, alphabet, data))


@PROPERTY
@given(
    data=st.data(),
    family=st.sampled_from(["ups_1z", "s10", "fedex_express_12", "dhl_express"]),
)
def test_a_changed_check_digit_fails(data, family):
    """These schemes miss some changes elsewhere (a 0 for a 7 under mod 7), never the check's."""
    number = data.draw(VALID[family])
    position = 10 if family == "s10" else len(number) - 1
    assert not valid_in(family, changed(number, position, string.digits, data))


@PROPERTY
@given(number=st.one_of(valid_numbers, plausible), data=st.data())
def test_spaces_dashes_and_case_change_nothing(number, data):
    separators = st.sampled_from(["", "", " ", "-", " - "])
    pieces = [char + data.draw(separators) for char in number]
    decorated = data.draw(st.sampled_from([" ", "", "\t"])) + "".join(pieces) + "\n"
    assert detect(decorated.lower()) == detect(number)


@PROPERTY
@given(number=st.one_of(st.text(), plausible, valid_numbers))
def test_candidates_follow_the_confidence_rules_and_order(number):
    """Never raises; HIGH exactly when a check digit passed; best first, ties in FORMATS order."""
    candidates = detect(number)
    for candidate in candidates:
        assert candidate.format in FORMATS
        assert (candidate.check_digit_valid is None) == (candidate.format in UNCHECKED_FORMATS)
        assert candidate.confidence == (HIGH if candidate.check_digit_valid else LOW)
        assert candidate.normalized == normalize(number)
    ranks = [(-c.confidence, FORMATS.index(c.format)) for c in candidates]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)
