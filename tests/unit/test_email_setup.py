"""Mail settings: the transport one URL names, and dates in the customer's language and zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from webapp.emails.dates import Formatter
from webapp.emails.transport import FileTransport, SmtpTransport, transport_for
from webapp.tracking.times import Eta


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", ("smtp", "mail.example.com", 25, None, None)),
        (
            "smtp+starttls://shop%40example.com:p%40ss%3Aword@smtp.example.com",
            ("smtp+starttls", "smtp.example.com", 587, "shop@example.com", "p@ss:word"),
        ),
        (
            "smtps://u:Zq9-xT@smtp.example.com:2465",
            ("smtps", "smtp.example.com", 2465, "u", "Zq9-xT"),
        ),
    ],
)
def test_one_url_names_the_smtp_server_its_security_and_login(url, expected):
    transport = transport_for(url, "/instance", 5.0)
    assert isinstance(transport, SmtpTransport)
    fields = (transport.scheme, transport.host, transport.port, transport.user, transport.password)
    assert fields == expected
    assert transport.password is None or transport.password not in str(transport)  # logged


def test_no_url_writes_files_under_the_instance_folder_and_file_urls_elsewhere():
    assert transport_for("", "/srv/instance", 5.0) == FileTransport(Path("/srv/instance/mail"))
    assert transport_for("file:///var/mail/out", "/i", 5.0) == FileTransport(Path("/var/mail/out"))


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com"])
def test_a_url_that_names_no_smtp_server_is_refused_with_the_forms_it_takes(url):
    with pytest.raises(ValueError, match=r"smtp://, smtp\+starttls:// or smtps://"):
        transport_for(url, "/instance", 5.0)


def test_a_login_over_plain_smtp_is_refused_as_it_would_travel_in_the_clear():
    with pytest.raises(ValueError, match=r"in the clear: use smtp\+starttls:// or smtps://"):
        transport_for("smtp://shop:secret@mail.example.com", "/instance", 5.0)


@pytest.mark.parametrize("content", [None, "not a certificate"])
def test_a_ca_file_missing_or_not_pem_is_refused_naming_the_setting(tmp_path, content):
    path = tmp_path / "relay-ca.pem"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ValueError, match=rf"^MLN_MAIL_CA_FILE {path}: "):
        transport_for("smtps://mail.example.com", "/instance", 5.0, str(path))


def order(locale="en", time_zone=None):
    return SimpleNamespace(locale=locale, time_zone=time_zone)


def test_times_are_in_the_customers_language_and_zone():
    when = Formatter.of(order("de", "Europe/Berlin"), "Europe/London")
    moment = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    assert when.moment(moment) == "04.12.2026, 00:30"
    assert when.day_of(moment) == "Freitag, 4. Dezember 2026"


def test_an_unknown_locale_is_english_and_an_unknown_zone_the_shops():
    when = Formatter.of(order("xx-QQ", "Mars/Olympus"), "America/New_York")
    assert when.moment(datetime(2026, 12, 3, 23, 30, tzinfo=UTC)) == "Dec 3, 2026, 6:30\u202fPM"


def test_a_delivery_day_stays_the_day_the_carrier_gave():
    when = Formatter.of(order("en-GB", "Pacific/Auckland"), "Europe/London")
    assert when.eta(Eta(day=date(2026, 12, 4))) == "Friday, 4 December 2026"
