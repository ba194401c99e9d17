"""Which carrier a tracking number belongs to: every reading its shape allows, best first.

Staff correct the carrier when detection is wrong, so detect() shows every candidate instead of
one guess: a number can fit several formats, and a hand-off (a FedEx SmartPost parcel that USPS
delivers) legitimately belongs to two carriers. The formats and check digits are those of the
carrier documentation we keep (CARRIERS.md, "Tracking-number formats and check digits").

Confidence takes one of two values. HIGH (0.9): the number's own check digit vouches for the
reading; not 1.0, since a random number passes a mod 7 to mod 37 check one time in 7 to 37.
LOW (0.3): only the shape fits, because the format has no check digit or because its check
failed. A failed reading is kept rather than dropped: a mistyped digit still tells staff the
likely carrier.

Candidates of equal confidence keep the order of FORMATS: formats with letters or a fixed prefix
before bare runs of digits, and the delivering carrier before the one handing the parcel over.
That is how a USPS 420+ZIP number ranks USPS above FedEx SmartPost.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

HIGH = 0.9
LOW = 0.3

#: Every format detect() names, in tie-break order (see the module docstring).
FORMATS = (
    "ups_1z",
    "s10",
    "dhl_piece_jjd",
    "dhl_ecommerce",
    "usps_impb",
    "fedex_smartpost",
    "fedex_ground_96_22",
    "fedex_sscc",
    "usps_20",
    "usps_21",
    "usps_22",
    "dpd_28",
    "dpd_14",
    "fedex_ground_15",
    "fedex_express_12",
    "dhl_express",
)

# ISO 3166-1 alpha-2 codes, less the territories with no post of their own (AQ, BV, HM, UM).
_POSTAL_COUNTRY_CODES = """
AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
BS BT BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
GW GY HK HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS
PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WF WS
YE YT ZA ZM ZW
"""

#: The countries an S10 number can end with.
POSTAL_COUNTRIES = frozenset(_POSTAL_COUNTRY_CODES.split())

#: The national posts among our carriers, by the country an S10 number ends with; Deutsche Post
#: items are tracked by DHL. Any other country gives the generic carrier "upu".
NATIONAL_POSTS = {"GB": "royalmail", "NL": "postnl", "US": "usps", "DE": "dhl"}

_ALPHANUMERIC = re.compile(r"[0-9A-Za-z]+")
_S10 = re.compile(r"[A-Z]{2}([0-9]{8})([0-9])([A-Z]{2})")
_USPS_ROUTED = re.compile(r"420(?:[0-9]{5}|[0-9]{9})([0-9]{20,22})")
_IMPB_PREFIXES = ("92", "93", "94")
_DPD = re.compile(r"[0-9]{13}[0-9A-Z]|[0-9]{27}[0-9A-Z]")
_DHL_ECOMMERCE = re.compile(r"(?:GM|LX|RX)[0-9]{10,39}")
_DHL_PIECE = re.compile(r"JJD[0-9]{9,24}")

_UPS_VALUES = str.maketrans({c: str((ord(c) - 3) % 10) for c in string.ascii_uppercase})
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_FEDEX_EXPRESS_WEIGHTS = (3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)
_BASE36 = string.digits + string.ascii_uppercase
_BASE36_VALUES = {c: value for value, c in enumerate(_BASE36)}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One reading of a number; country is the S10 suffix, for S10 numbers only."""

    carrier: str
    format: str
    check_digit_valid: bool | None
    confidence: float
    normalized: str
    country: str | None = None


Reader = Callable[[str], Candidate | None]


def detect(number: str) -> list[Candidate]:
    """Every carrier the number could belong to, best first; [] when no format fits."""
    normalized = normalize(number)
    if normalized is None:
        return []
    found = []
    for read in _READERS.get(len(normalized), ()):
        candidate = read(normalized)
        if candidate is not None:
            found.append(candidate)
    if len(found) > 1:
        found.sort(key=_rank)
    return found


def normalize(number: str) -> str | None:
    """The number without spaces or dashes, upper-cased; None when anything else is in it."""
    compact = number.strip().replace(" ", "").replace("-", "")
    return compact.upper() if _ALPHANUMERIC.fullmatch(compact) else None


def _rank(candidate: Candidate) -> tuple[float, int]:
    return -candidate.confidence, _PRECEDENCE[candidate.format]


def _checked(carrier: str, format: str, number: str, valid: bool) -> Candidate:
    return Candidate(carrier, format, valid, HIGH if valid else LOW, number)


def _unchecked(carrier: str, format: str, number: str) -> Candidate:
    return Candidate(carrier, format, None, LOW, number)


# --- Readers: one per format, given a normalized number of a length the format allows --------


def _ups(number: str) -> Candidate | None:
    if not number.startswith("1Z"):
        return None
    return _checked("ups", "ups_1z", number, number[17] == _ups_check(number[2:17]))


def _s10(number: str) -> Candidate | None:
    match = _S10.fullmatch(number)
    if match is None:
        return None
    serial, check, country = match.groups()
    if country not in POSTAL_COUNTRIES:
        return None
    valid = check == _s10_check(serial)
    carrier = NATIONAL_POSTS.get(country, "upu")
    return Candidate(carrier, "s10", valid, HIGH if valid else LOW, number, country)


def _usps(number: str) -> Candidate | None:
    body = _usps_body(number)
    if body is None:
        return None
    format = "usps_impb" if body.startswith(_IMPB_PREFIXES) else f"usps_{len(body)}"
    return _checked("usps", format, number, body[-1] == _usps_check(body[:-1]))


def _fedex_smartpost(number: str) -> Candidate | None:
    """SmartPost parcels travel under a 92 IMpb number that USPS delivers: both track it."""
    body = _usps_body(number)
    if body is None or not body.startswith("92"):
        return None
    return _checked("fedex", "fedex_smartpost", number, body[-1] == _usps_check(body[:-1]))


def _usps_body(number: str) -> str | None:
    """The digits USPS tracks: the whole number, or what follows a 420+ZIP routing code."""
    if len(number) <= 22:
        return number if number.isdigit() else None
    match = _USPS_ROUTED.fullmatch(number)
    return match[1] if match else None


def _fedex_express(number: str) -> Candidate | None:
    if not number.isdigit():
        return None
    total = sum(int(d) * w for d, w in zip(number[:11], _FEDEX_EXPRESS_WEIGHTS, strict=True))
    return _checked("fedex", "fedex_express_12", number, number[11] == str(total % 11 % 10))


def _fedex_ground(number: str) -> Candidate | None:
    if not number.isdigit():
        return None
    return _checked("fedex", "fedex_ground_15", number, number[14] == _gs1_check(number[:14]))


def _fedex_ground_96(number: str) -> Candidate | None:
    """The check covers the last 15 digits only: the Ground number inside the 96 barcode."""
    if not (number.startswith("96") and number.isdigit()):
        return None
    valid = number[21] == _gs1_check(number[7:21])
    return _checked("fedex", "fedex_ground_96_22", number, valid)


def _fedex_sscc(number: str) -> Candidate | None:
    """An SSCC is 18 digits, or 20 with its (00) application identifier in front."""
    if not number.isdigit() or (len(number) == 20 and not number.startswith("00")):
        return None
    return _checked("fedex", "fedex_sscc", number, number[-1] == _gs1_check(number[:-1]))


def _dhl_express(number: str) -> Candidate | None:
    if not number.isdigit():
        return None
    return _checked("dhl", "dhl_express", number, int(number[:-1]) % 7 == int(number[-1]))


def _dhl_ecommerce(number: str) -> Candidate | None:
    if not _DHL_ECOMMERCE.fullmatch(number):
        return None
    return _unchecked("dhl", "dhl_ecommerce", number)


def _dhl_piece(number: str) -> Candidate | None:
    if not _DHL_PIECE.fullmatch(number):
        return None
    return _unchecked("dhl", "dhl_piece_jjd", number)


def _dpd(number: str) -> Candidate | None:
    """13 or 27 digits, then a check character that is more often a letter than a digit."""
    if not _DPD.fullmatch(number):
        return None
    valid = number[-1] == _mod_37_36_check(number[:-1])
    return _checked("dpd", f"dpd_{len(number)}", number, valid)


# --- Check digits -------------------------------------------------------------------------------


def _ups_check(body: str) -> str:
    """Letters count as (ord - 3) mod 10; every second character counts double."""
    values = body.translate(_UPS_VALUES)
    return str(-(_digit_sum(values[::2]) + 2 * _digit_sum(values[1::2])) % 10)


def _s10_check(serial: str) -> str:
    remainder = sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return "5"
    if remainder == 1:
        return "0"
    return str(11 - remainder)


def _usps_check(digits: str) -> str:
    """Mod 10 from the left, even positions weighing 3: GS1's weights for 20 and 22 digits."""
    return str(-(3 * _digit_sum(digits[::2]) + _digit_sum(digits[1::2])) % 10)


def _gs1_check(digits: str) -> str:
    """Mod 10 counted from the right (GS1): the digit before the check weighs 3."""
    return str(-(3 * _digit_sum(digits[::-2]) + _digit_sum(digits[-2::-2])) % 10)


def _mod_37_36_check(payload: str) -> str:
    """ISO 7064 MOD 37,36 (hybrid): the character that brings the running sum to 1 mod 36."""
    product = 36
    for char in payload:
        product = ((product + _BASE36_VALUES[char]) % 36 or 36) * 2 % 37
    return _BASE36[(37 - product) % 36]


def _digit_sum(digits: str) -> int:
    """Sum of ASCII digits, from the bytes: several times faster than int() per digit."""
    return sum(digits.encode()) - 48 * len(digits)


def _by_length(readers: Iterable[tuple[Reader, Iterable[int]]]) -> dict[int, tuple[Reader, ...]]:
    """The readers for each length, so detect() tries only the formats a number could be."""
    table: dict[int, list[Reader]] = {}
    for read, lengths in readers:
        for length in lengths:
            table.setdefault(length, []).append(read)
    return {length: tuple(reads) for length, reads in table.items()}


# 20-22 digits, after a 420+ZIP (8 digits) or 420+ZIP+4 (12 digits) routing code if any.
_USPS_LENGTHS = (*range(20, 23), *range(28, 31), *range(32, 35))

_PRECEDENCE = {format: index for index, format in enumerate(FORMATS)}
_READERS = _by_length(
    [
        (_ups, [18]),
        (_s10, [13]),
        (_usps, _USPS_LENGTHS),
        (_fedex_smartpost, _USPS_LENGTHS),
        (_fedex_express, [12]),
        (_fedex_ground, [15]),
        (_fedex_ground_96, [22]),
        (_fedex_sscc, [18, 20]),
        (_dhl_express, [10, 11]),
        (_dhl_ecommerce, range(12, 42)),
        (_dhl_piece, range(12, 28)),
        (_dpd, [14, 28]),
    ]
)
