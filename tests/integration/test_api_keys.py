"""The shop API's keys and errors: shown once, kept hashed, scoped, revocable; every failure
answered as problem details (RFC 9457), never an HTML page."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from webapp.api import keys
from webapp.api.problems import Problem
from webapp.api.views import requires
from webapp.extensions import db
from webapp.models import ApiKey, utcnow

DETECT = "/api/v1/carriers/detect"
UPS = "1Z5R89390357567127"


def make_key(app, name="shop backend", scopes=("orders:read", "orders:write")) -> str:
    with app.app_context():
        _, key = keys.issue(name, list(scopes))
        db.session.commit()
        return key


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"]
    return body


def test_the_cli_prints_the_key_once_and_keeps_only_its_digest(app):
    result = app.test_cli_runner().invoke(
        args=["api-keys", "create", "erp", "--scope", "orders:read"]
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert keys.SHAPE.fullmatch(key)
    assert "not shown again" in result.stderr
    with app.app_context():
        row = db.session.scalar(select(ApiKey))
        assert (row.name, row.scopes) == ("erp", "orders:read")
        assert row.digest == hashlib.sha256(key.encode()).hexdigest()
        stored = " ".join(str(value) for value in vars(row).values())
        assert key.rsplit("_", 1)[1] not in stored
    listed = app.test_cli_runner().invoke(args=["api-keys", "list"]).output
    assert "erp" in listed
    assert key not in listed


def test_the_cli_refuses_a_duplicate_name_and_an_unknown_scope(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["api-keys", "create", "erp"]).exit_code == 0
    again = runner.invoke(args=["api-keys", "create", "erp"])
    assert again.exit_code == 1
    assert "exists already" in again.output
    unknown = runner.invoke(args=["api-keys", "create", "x", "--scope", "admin"])
    assert unknown.exit_code == 2
    assert "orders:read" in unknown.output


def test_a_live_key_detects_the_carrier_of_a_number(app, client):
    key = make_key(app)
    response = client.get(
        DETECT, query_string={"number": "1Z 5R8 939 0357 5671 27"}, headers=bearer(key)
    )
    assert response.status_code == 200
    [best, *_] = response.get_json()["candidates"]
    assert best == {
        "carrier": "ups",
        "format": "ups_1z",
        "check_digit_valid": True,
        "confidence": 0.9,
    }
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer mln_000000000000_" + "A" * 43,
        "Bearer not-a-key",
    ],
)
def test_no_key_or_a_wrong_one_is_401_with_the_scheme_to_use(app, client, header):
    make_key(app)
    headers = {"Authorization": header} if header else {}
    response = client.get(DETECT, query_string={"number": UPS}, headers=headers)
    body = assert_problem(response, 401)
    assert "Bearer" in body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_under_a_real_lookup_is_401(app, client):
    key = make_key(app)
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert_problem(client.get(DETECT, query_string={"number": UPS}, headers=bearer(forged)), 401)


def test_a_revoked_key_stops_at_once(app, client):
    key = make_key(app, "old till")
    assert client.get(DETECT, query_string={"number": UPS}, headers=bearer(key)).status_code == 200
    result = app.test_cli_runner().invoke(args=["api-keys", "revoke", "old till"])
    assert result.exit_code == 0
    assert_problem(client.get(DETECT, query_string={"number": UPS}, headers=bearer(key)), 401)
    listed = app.test_cli_runner().invoke(args=["api-keys", "list"]).output
    assert "revoked" in listed


def test_a_key_without_the_scope_is_403_naming_it(app):
    key = make_key(app, scopes=("orders:read",))
    guarded = requires("orders:write")(lambda: "written")
    with app.test_request_context(headers=bearer(key)):
        with pytest.raises(Problem) as refused:
            guarded()
        response = refused.value.get_response()
        assert requires("orders:read")(lambda: "read")() == "read"
    assert response.status_code == 403
    assert "orders:write" in response.get_json()["detail"]


def test_last_used_is_written_at_most_once_a_minute(app, client):
    key = make_key(app)
    client.get(DETECT, query_string={"number": UPS}, headers=bearer(key))
    with app.app_context():
        first = db.session.scalar(select(ApiKey.last_used_at))
    assert first is not None
    client.get(DETECT, query_string={"number": UPS}, headers=bearer(key))
    with app.app_context():
        assert db.session.scalar(select(ApiKey.last_used_at)) == first
        earlier = utcnow() - timedelta(minutes=2)
        db.session.execute(update(ApiKey).values(last_used_at=earlier))
        db.session.commit()
    client.get(DETECT, query_string={"number": UPS}, headers=bearer(key))
    with app.app_context():
        assert db.session.scalar(select(ApiKey.last_used_at)) > first


@pytest.mark.parametrize("number", ["", "   ", "1" * 65])
def test_a_missing_or_overlong_number_is_400_naming_the_field(app, client, number):
    key = make_key(app)
    body = assert_problem(
        client.get(DETECT, query_string={"number": number}, headers=bearer(key)), 400
    )
    assert body["errors"][0]["field"] == "number"


def test_a_number_of_no_known_shape_has_no_candidates(app, client):
    key = make_key(app)
    response = client.get(DETECT, query_string={"number": "<b>hello</b>"}, headers=bearer(key))
    assert response.get_json() == {"number": "<b>hello</b>", "candidates": []}


def test_unknown_paths_and_methods_under_the_api_are_problems_too(app, client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    response = client.post(DETECT)
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]
