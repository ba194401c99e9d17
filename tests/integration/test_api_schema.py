"""The API keeps to its own OpenAPI document: schemathesis generates requests from it, valid
and not, and checks every answer's status, content type and body against the document, and
that none is a server error."""

from __future__ import annotations

from uuid import uuid4

import pytest
import schemathesis
from hypothesis import given, settings

from tests.integration.test_api_keys import bearer, make_key

OPERATIONS = ["createOrder", "readOrder", "addShipment", "detectCarrier"]


@pytest.fixture
def key(app) -> str:
    return make_key(app)


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_every_answer_matches_the_document(app, key, operation_id):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema.find_operation_by_id(operation_id)

    @given(case=operation.as_strategy())
    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    def answers_as_documented(case):
        # identity: the in-process client does not undo compression as an HTTP client would.
        # A fresh Idempotency-Key each time: one reused for another body is rightly a 422,
        # which test_api_orders covers, while here it would read as valid data refused.
        headers = bearer(key) | {"Accept-Encoding": "identity"}
        if operation_id == "createOrder":
            headers["Idempotency-Key"] = str(uuid4())
        case.call_and_validate(headers=headers)

    answers_as_documented()


def test_the_document_is_openapi_3_1_with_every_route_of_the_api(client, app):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    routes = {
        (method, rule.rule.replace("<number>", "{number}"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_document"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routes
