"""MLNshops Order Tracking: the Flask application factory."""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp import (
    admin,
    api,
    config,
    database,
    demo,
    emails,
    errors,
    filters,
    headers,
    health,
    live,
    schema,
    track,
    webhooks,
    widget,
)
from webapp.admin.cli import cli as users_cli
from webapp.api.cli import cli as api_keys_cli
from webapp.cookies import SessionCookies
from webapp.extensions import compress, csrf, db, htmx, limiter, login_manager, migrate, sock
from webapp.live import views as live_views
from webapp.track.page_cache import PageCache
from webapp.widget.options import embed_origins

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then MLN_ environment variables, then test_config."""
    app = Flask(
        __name__,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
        instance_relative_config=True,
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_prefixed_env("MLN")
    app.config.update(config.raw_strings(os.environ))
    if test_config:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = config.database_uri(
        app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path
    )
    app.config["INBOX_DATABASE_URI"] = config.inbox_uri(
        app.config["INBOX_DATABASE_URI"], app.config["SQLALCHEMY_DATABASE_URI"]
    )
    configured = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], configured
    )
    inbox = app.config["INBOX_DATABASE_URI"]
    app.config["SQLALCHEMY_BINDS"] = {
        database.INBOX: {"url": inbox, **database.engine_options(inbox, configured)}
    }
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or config.secret_key(app.instance_path)
    app.config["EMBED_ORIGINS"] = embed_origins(app.config["EMBED_ORIGINS"])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    if app.config["PROXY_FIX_X_FOR"]:
        proxies = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    db.init_app(app)
    database.tune_sqlite(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    limiter.init_app(app)
    compress.init_app(app)
    htmx.init_app(app)
    sock.init_app(app)
    live.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "admin.login_form"
    csrf.init_app(app)
    app.session_interface = SessionCookies()
    app.extensions["page_cache"] = PageCache(
        app.config["PAGE_CACHE_BYTES"], app.config["PAGE_FRESH_SECONDS"]
    )

    app.register_blueprint(track.bp)
    app.register_blueprint(live_views.bp)
    app.register_blueprint(widget.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(emails.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)
    csrf.exempt(track.bp)  # public forms without a session: the lookup rate limit guards them
    csrf.exempt(widget.bp)
    csrf.exempt(emails.bp)  # the key in the link is the capability; mail clients POST to it
    csrf.exempt(api.bp)  # no cookies: a key in the Authorization header
    csrf.exempt(webhooks.bp)  # no cookies: the provider's signature on the body
    app.register_blueprint(health.bp)
    app.cli.add_command(demo.cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(api_keys_cli)
    app.cli.add_command(schema.upgrade_command)
    filters.register(app)
    errors.register(app)
    headers.register(app)
    return app
