"""The sandbox carrier's HTTP API, through the Flask test client."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from workers.sandbox.service import create_sandbox

PAST = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
NUMBER = "SB1234567890"
URL = f"/v1/tracking/{NUMBER}"


@pytest.fixture
def sandbox():
    """A sandbox whose journeys all finished long ago."""
    return create_sandbox(speed=1, epoch=PAST, hold_seconds=0.05)


@pytest.fixture
def client(sandbox):
    return sandbox.test_client()


@pytest.fixture
def midway():
    """A client on a sandbox five hours into every journey: label and pickup are shown."""
    app = create_sandbox(speed=1, epoch=datetime.now(UTC) - timedelta(hours=5))
    return app.test_client()


def codes(response) -> list[str]:
    return [event["code"] for event in response.json["events"]]


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.content_type == "application/json"
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


def test_health(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json) == (200, {"ok": True})


def test_a_finished_journey_in_full(client):
    response = client.get(URL.lower())
    body = response.json
    assert (response.status_code, response.content_type) == (200, "application/json")
    assert list(body) == ["tracking_number", "estimated_delivery", "events"]
    assert (body["tracking_number"], body["estimated_delivery"]) == (NUMBER, None)
    assert codes(response)[0] == "LC"
    assert codes(response)[-1] == "DL"
    first = body["events"][0]
    assert list(first) == ["id", "code", "description", "occurred_at", "location", "exception"]
    assert (first["id"], first["exception"]) == (f"{NUMBER}-000", None)
    assert list(first["location"]) == ["city", "region", "postcode", "country"]
    assert datetime.fromisoformat(first["occurred_at"]) == PAST


def test_a_journey_under_way_has_an_estimate():
    app = create_sandbox(speed=0, epoch=PAST)
    body = app.test_client().get(URL).json
    assert [event["code"] for event in body["events"]] == ["LC"]
    assert body["estimated_delivery"] == "2020-01-08"


def test_nothing_before_the_epoch():
    app = create_sandbox(speed=1, epoch=datetime.now(UTC) + timedelta(days=1))
    assert app.test_client().get(URL).json["events"] == []


@pytest.mark.parametrize("number", ["SB123", "SB-1234567", "S" * 41, "SB12345ü", "ﬀﬀﬀﬀ"])
@pytest.mark.parametrize("method", ["get", "delete"])
def test_an_impossible_number_is_not_found(client, method, number):
    response = getattr(client, method)(f"/v1/tracking/{number}")
    assert_error(response, 404, "not_found")
    if method == "get":
        assert "No shipment with tracking number" in response.json["error"]["message"]


@pytest.mark.parametrize("what", ["events", "failures"])
def test_no_control_of_an_impossible_number(client, what):
    assert_error(client.post(f"/v1/tracking/SB1/{what}", json={}), 404, "not_found")


def test_unknown_routes_and_methods_answer_in_json(client):
    assert_error(client.get("/v2/anything"), 404, "not_found")
    response = client.put(URL)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_injected_events_take_their_place_in_time(midway):
    label_time = datetime.fromisoformat(midway.get(URL).json["events"][0]["occurred_at"])
    between = (label_time + timedelta(minutes=30)).astimezone(UTC).isoformat()
    first = midway.post(f"{URL}/events", json={"code": "EX", "exception": "address"})
    second = midway.post(
        f"{URL}/events",
        json={
            "code": "AR",
            "description": "Sorted by hand",
            "occurred_at": between,
            "location": {"city": "York", "country": "GB"},
        },
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json["id"] == f"{NUMBER}-x000"
    assert first.json["description"] == "Delivery exception"
    assert second.json["location"] == {
        "city": "York",
        "region": None,
        "postcode": None,
        "country": "GB",
    }
    events = midway.get(URL).json["events"]
    assert [event["id"][-4:] for event in events] == ["-000", "x001", "-001", "x000"]
    assert events[1] == second.json


def test_an_injected_delivery_ends_the_estimate(midway):
    assert midway.get(URL).json["estimated_delivery"] is not None
    midway.post(f"{URL}/events", json={"code": "DL"})
    assert midway.get(URL).json["estimated_delivery"] is None


def test_an_injected_event_without_location_or_time(client):
    event = client.post(f"{URL}/events", json={"code": "OD"}).json
    assert event["location"] is None
    assert datetime.fromisoformat(event["occurred_at"]).utcoffset() == timedelta(0)


def test_a_server_error(client):
    created = client.post(f"{URL}/failures", json={"mode": "error"})
    assert (created.status_code, created.json) == (201, {"mode": "error", "remaining": 1})
    assert_error(client.get(URL), 500, "server_error")
    assert client.get(URL).status_code == 200


def test_rate_limiting_says_when_to_come_back(client):
    client.post(f"{URL}/failures", json={"mode": "rate_limit", "retry_after": 7})
    response = client.get(URL)
    assert_error(response, 429, "rate_limited")
    assert response.headers["Retry-After"] == "7"


def test_a_malformed_answer_claims_to_be_json(client):
    client.post(f"{URL}/failures", json={"mode": "malformed"})
    response = client.get(URL)
    assert (response.status_code, response.content_type) == (200, "application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.get_data(as_text=True))


def test_a_timeout_holds_the_answer_then_gives_it(sandbox, client):
    client.post(f"{URL}/failures", json={"mode": "timeout", "count": 2})
    started = time.monotonic()
    response = client.get(URL)
    assert time.monotonic() - started >= 0.05
    assert (response.status_code, codes(response)[-1]) == (200, "DL")
    assert sandbox.extensions["sandbox"].pending(NUMBER).remaining == 1


def test_failures_repeat_count_times_for_that_number_only(client):
    client.post(f"{URL}/failures", json={"mode": "error", "count": 3})
    assert client.get("/v1/tracking/SB1234567891").status_code == 200
    assert [client.get(URL).status_code for _ in range(4)] == [500, 500, 500, 200]


def test_a_new_failure_replaces_the_pending_one(client):
    client.post(f"{URL}/failures", json={"mode": "error", "count": 5})
    client.post(f"{URL}/failures", json={"mode": "rate_limit"})
    assert [client.get(URL).status_code for _ in range(2)] == [429, 200]


def test_delete_forgets_injections_and_failures(client):
    scripted = client.get(URL).json
    client.post(f"{URL}/events", json={"code": "EX", "exception": "damaged"})
    client.post(f"{URL}/failures", json={"mode": "error"})
    response = client.delete(URL)
    assert (response.status_code, response.data) == (204, b"")
    assert client.get(URL).json == scripted
    assert client.post(f"{URL}/events", json={"code": "OD"}).json["id"] == f"{NUMBER}-x000"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        "{}",
        '{"code": "ZZ"}',
        '{"code": ["OD"]}',
        '{"code": {"a": 1}}',
        '{"code": "OD", "occurred_at": "yesterday"}',
        '{"code": "OD", "occurred_at": "2026-11-26T10:00:00"}',
        '{"code": "OD", "occurred_at": "0001-01-01T00:00:00+01:00"}',
        '{"code": "OD", "occurred_at": 1700000000}',
        '{"code": "OD", "location": "York"}',
        '{"code": "OD", "location": {"city": 7}}',
        '{"code": "OD", "description": ["x"]}',
        '{"code": "OD", "description": "' + "x" * 501 + '"}',
        '{"code": "EX", "exception": "aliens"}',
        '{"code": "EX", "exception": ["lost"]}',
    ],
)
def test_bad_events_are_refused(client, body):
    response = client.post(f"{URL}/events", data=body, content_type="application/json")
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize(
    "body",
    [
        "",
        "{}",
        '{"mode": "explode"}',
        '{"mode": ["error"]}',
        '{"mode": "error", "count": 0}',
        '{"mode": "error", "count": "2"}',
        '{"mode": "error", "count": true}',
        '{"mode": "error", "count": 1.5}',
        '{"mode": "rate_limit", "retry_after": -1}',
    ],
)
def test_bad_failures_are_refused(client, body):
    response = client.post(f"{URL}/failures", data=body, content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_a_body_is_json_whatever_its_content_type(client):
    response = client.post(f"{URL}/events", data='{"code": "PU"}', content_type="text/plain")
    assert response.status_code == 201


def test_an_oversize_body_is_refused(client):
    body = {"code": "OD", "description": "x" * (65 * 1024)}
    assert_error(client.post(f"{URL}/events", json=body), 413, "too_large")


@pytest.mark.parametrize(
    ("speed", "epoch", "hold", "complaint"),
    [
        (-1, PAST, 0, "speed"),
        (1, datetime(2020, 1, 6, 9), 0, "UTC offset"),
        (1, PAST, -1, "hold_seconds"),
    ],
)
def test_the_factory_refuses_nonsense(speed, epoch, hold, complaint):
    with pytest.raises(ValueError, match=complaint):
        create_sandbox(speed, epoch, hold)
