"""The order lookup form: normalising what customers type, and rejecting what cannot be right."""

from __future__ import annotations

import pytest

from webapp.track.lookup import (
    LookupForm,
    normalise_email,
    normalise_number,
    normalise_postcode,
)

VALID = {"number": "LL-1001", "contact": "ada@example.com"}


@pytest.mark.parametrize("typed", ["#ll-1001 ", "LL-1001", " # ll-1001", "##LL-1001", "ll-1001\n"])
def test_normalise_number(typed):
    """Case, a leading '#' and surrounding whitespace are not part of the number."""
    assert normalise_number(typed) == "LL-1001"


@pytest.mark.parametrize("typed", ["ls6 2qt", " LS6  2QT ", "ls62qt", "LS6\t2QT"])
def test_normalise_postcode(typed):
    """Spacing and case vary in how people write postcodes; the letters do not."""
    assert normalise_postcode(typed) == "LS62QT"


def test_normalise_email():
    """Compared case-insensitively, whole address."""
    assert normalise_email(" Ada@Example.COM ") == "ada@example.com"


def test_parse_missing_fields_as_empty():
    """A form post without a field is treated as a blank field, not an error page."""
    assert LookupForm.parse({}) == LookupForm(number="", contact="")


def test_valid_input_has_no_errors():
    """An e-mail or a postcode both pass as the contact."""
    assert LookupForm(**VALID).errors() == {}
    assert LookupForm(number="#ll-1001", contact="LS6 2QT").errors() == {}


def test_empty_fields():
    """Each field reports its own problem."""
    assert LookupForm(number="", contact="").errors() == {
        "number": "Enter your order number.",
        "contact": "Enter the e-mail address or postcode you ordered with.",
    }


@pytest.mark.parametrize("number", ["   ", "#", " # "])
def test_number_that_normalises_to_nothing_is_empty(number):
    """Only a '#' and spaces is no number at all."""
    assert LookupForm(number=number, contact=VALID["contact"]).errors() == {
        "number": "Enter your order number."
    }


def test_overlong_number():
    """64 characters is the longest number accepted; one more is refused."""
    assert LookupForm(number="N" * 64, contact=VALID["contact"]).errors() == {}
    assert LookupForm(number="N" * 65, contact=VALID["contact"]).errors() == {
        "number": "That is longer than any order number we issue."
    }


def test_overlong_contact():
    """320 characters is the longest e-mail address there can be; one more is refused."""
    assert LookupForm(number=VALID["number"], contact="c" * 320).errors() == {}
    assert LookupForm(number=VALID["number"], contact="c" * 321).errors() == {
        "contact": "That is longer than any e-mail address or postcode."
    }


@pytest.mark.parametrize("field", ["number", "contact"])
@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f", "\r"])
def test_control_characters(field, control):
    """NUL, escape, DEL and stray carriage returns inside a field are refused."""
    value = VALID[field][:3] + control + VALID[field][3:]
    form = LookupForm(**{**VALID, field: value})
    assert form.errors() == {field: "That contains characters we cannot read."}


def test_one_message_per_field():
    """An overlong field full of control characters reports only its length."""
    form = LookupForm(number="\x00" * 65, contact=VALID["contact"])
    assert form.errors() == {"number": "That is longer than any order number we issue."}


def test_pasted_values_with_trailing_newlines_are_accepted():
    form = LookupForm.parse({"number": "LL-1001\n", "contact": " ada@example.com\r\n"})
    assert form.errors() == {}
    assert form.number == "LL-1001"
