"""Security headers on every kind of response, and the health probes."""

import flask_migrate
import pytest

from webapp import create_app


@pytest.mark.parametrize("path", ["/track", "/t/unknown", "/static/app.css", "/", "/healthz"])
def test_security_headers_on_every_response(client, path):
    with client.get(path) as response:
        headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/track").headers
    secure = client.get("/track", base_url="https://tracking.example.com")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_are_compressed_for_browsers_that_ask(client):
    response = client.get("/track", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_checks_the_database(client):
    assert client.get("/readyz").json == {"status": "ok", "database": "ok", "inbox": "ok"}


def test_readyz_reports_an_unreachable_database(app_factory, tmp_path):
    broken = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_readyz_refuses_a_database_not_migrated_to_head(tmp_path):
    unmigrated = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.db"}
    )
    response = unmigrated.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"].startswith("at migration none, expected ")


def test_readyz_refuses_an_inbox_not_migrated_to_head(tmp_path):
    """Only the database migrated (`flask db upgrade`, not `flask upgrade`): webhooks could not
    be kept, so the process is not ready."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
    with app.app_context():
        flask_migrate.upgrade()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["inbox"].startswith("at migration none, expected ")


def test_hsts_behind_a_tls_proxy(app_factory):
    """With one trusted proxy, X-Forwarded-Proto tells the app the customer used HTTPS."""
    client = app_factory(PROXY_FIX_X_FOR=1).test_client()
    response = client.get("/track", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
