"""CSV cells a spreadsheet would run as formulas are neutralised; everything else is kept as is."""

from datetime import UTC, date, datetime

import pytest

from webapp.admin.export import neutralise


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+44 20 7946 0958", "'+44 20 7946 0958"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Ada = Lovelace", "Ada = Lovelace"),
        ("LL-1001", "LL-1001"),
        ("", ""),
        (None, ""),
        (42, "42"),
        (date(2026, 11, 20), "2026-11-20"),
        (datetime(2026, 11, 20, 9, 30, tzinfo=UTC), "2026-11-20T09:30:00+00:00"),
    ],
)
def test_neutralise(value, cell):
    assert neutralise(value) == cell
