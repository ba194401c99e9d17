"""Carrier names and links to their public tracking pages."""

from __future__ import annotations

import pytest

from webapp.tracking.carriers import CARRIERS, Carrier, carrier


@pytest.mark.parametrize(
    ("number", "encoded"),
    [
        ("1Z999AA10123456784", "1Z999AA10123456784"),
        ("1Z 999 AA1", "1Z%20999%20AA1"),
        ("AB/12#3", "AB%2F12%233"),
        ("A&tracknum=B?x", "A%26tracknum%3DB%3Fx"),
    ],
)
def test_link_encodes_the_number(number, encoded):
    """Nothing in a number can add a path segment, fragment or query parameter."""
    assert carrier("ups").link(number) == f"https://www.ups.com/track?tracknum={encoded}"


def test_link_inside_a_fragment_url():
    """Royal Mail's page reads the number from after the '#', still encoded."""
    assert carrier("royalmail").link("RB 1/2") == (
        "https://www.royalmail.com/track-your-item#/tracking-results/RB%201%2F2"
    )


@pytest.mark.parametrize(
    "known", [c for c in CARRIERS.values() if c.tracking_url], ids=lambda c: c.code
)
def test_every_public_page_is_https_with_the_number(known):
    """Each configured template has the placeholder and a secure scheme."""
    link = known.link("AB 1/2")
    assert link.startswith("https://")
    assert "AB%201%2F2" in link


def test_unknown_code_is_named_after_it_without_link():
    """A carrier we have no entry for still gets a readable name."""
    acme = carrier("acme")
    assert acme == Carrier("acme", "ACME")
    assert acme.link("123") is None


def test_sandbox_has_no_link():
    """The demo carrier has no public page to send customers to."""
    sandbox = carrier("sandbox")
    assert sandbox.name == "Sandbox Express"
    assert sandbox.link("SBX123") is None
