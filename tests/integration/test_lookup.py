"""The lookup form: it finds the order, and tells a stranger nothing about orders that exist."""

import re

import pytest
import redis
from sqlalchemy import event

from webapp.extensions import db


def lookup(client, number="LL-1001", contact="ada@example.com", **headers):
    return client.post("/track", data={"number": number, "contact": contact}, headers=headers)


def test_form_renders(client):
    response = client.get("/track")
    assert response.status_code == 200
    assert b'name="number"' in response.data
    assert b'name="contact"' in response.data


def test_form_does_not_link_to_itself(client):
    assert b"Track another order" not in client.get("/track").data


def test_root_redirects_to_the_form(client):
    assert client.get("/").headers["Location"] == "/track"


def test_match_by_email_redirects_to_token_url(client, make_order):
    token = make_order()
    response = lookup(client, number="#ll-1001 ", contact="  Ada@Example.COM ")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/t/{token}"


def test_match_by_postcode_ignores_case_and_spaces(client, make_order):
    token = make_order()
    response = lookup(client, contact="ls62qt")
    assert response.headers["Location"] == f"/t/{token}"


def test_redirect_carries_no_personal_data(client, make_order):
    make_order()
    location = lookup(client).headers["Location"]
    for personal in ("ada", "example", "LL-1001", "LS6", "Lovelace"):
        assert personal.lower() not in location.lower()


def test_unknown_order_and_wrong_email_answer_alike(client, make_order):
    make_order()
    wrong_email = lookup(client, contact="eve@example.com")
    unknown = lookup(client, number="LL-9999", contact="eve@example.com")
    assert wrong_email.status_code == unknown.status_code == 404
    assert _without_field_values(wrong_email.data) == _without_field_values(unknown.data)
    assert b"could not find an order" in unknown.data


def test_unknown_order_and_wrong_email_do_the_same_database_work(app, client, make_order):
    """Same statements for both misses, so timing cannot tell them apart."""
    make_order()
    with app.app_context():
        wrong = _statements(app, lambda: lookup(client, contact="eve@example.com"))
        unknown = _statements(
            app, lambda: lookup(client, number="LL-9999", contact="eve@example.com")
        )
    assert len(wrong) == len(unknown) == 1
    assert wrong == unknown


@pytest.mark.parametrize(
    ("number", "contact", "message"),
    [
        ("", "ada@example.com", b"Enter your order number."),
        ("LL-1001", "   ", b"Enter the e-mail address or postcode"),
        ("L" * 65, "ada@example.com", b"longer than any order number"),
        ("LL-1001", "a" * 321, b"longer than any e-mail address"),
        ("LL-1001\x00", "ada@example.com", b"characters we cannot read"),
    ],
)
def test_bad_input_gets_a_clear_message(client, number, contact, message):
    response = lookup(client, number=number, contact=contact)
    assert response.status_code == 422
    assert message in response.data
    assert b'aria-invalid="true"' in response.data


def test_html_in_the_form_is_escaped(client):
    response = lookup(client, number="<script>alert(1)</script>", contact="x@example.com")
    assert b"<script>alert(1)</script>" not in response.data
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.data


def test_oversize_body_is_refused_politely(client):
    response = client.post("/track", data={"number": "x" * 100_000, "contact": "y"})
    assert response.status_code == 413
    assert b"<h1>" in response.data


def test_failed_lookups_are_rate_limited_with_a_friendly_page(app_factory, make_order):
    app = app_factory(LOOKUP_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [lookup(client, contact="eve@example.com").status_code for _ in range(3)]
    limited = lookup(client, contact="eve@example.com")
    assert statuses == [404, 404, 404]
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert b"Please wait a moment" in limited.data


def test_successful_lookups_do_not_use_up_the_limit(app_factory, make_order):
    make_order()
    app = app_factory(LOOKUP_RATE_LIMIT="2 per minute")
    client = app.test_client()
    assert [lookup(client).status_code for _ in range(4)] == [303] * 4


def test_limits_are_per_client(app_factory):
    app = app_factory(LOOKUP_RATE_LIMIT="1 per minute")
    first, second = app.test_client(), app.test_client()
    first.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    second.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert lookup(first, contact="eve@example.com").status_code == 404
    assert lookup(first, contact="eve@example.com").status_code == 429
    assert lookup(second, contact="eve@example.com").status_code == 404


def test_redis_storage_shares_the_limit_between_processes(app_factory, redis_url):
    """Two app instances (two web processes) count against one Redis counter."""
    redis.Redis.from_url(redis_url).flushdb()
    settings = {"LOOKUP_RATE_LIMIT": "2 per minute", "RATELIMIT_STORAGE_URI": redis_url}
    first, second = (app_factory(**settings).test_client() for _ in range(2))
    assert lookup(first, contact="eve@example.com").status_code == 404
    assert lookup(second, contact="eve@example.com").status_code == 404
    assert lookup(first, contact="eve@example.com").status_code == 429


def _without_field_values(html: bytes) -> bytes:
    return re.sub(rb'value="[^"]*"', b'value=""', html)


def _statements(app, action) -> list[str]:
    seen = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen
