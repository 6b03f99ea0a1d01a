"""Comity: case management for mutual legal assistance and extradition."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from mla.settings import SUPPORTED_LOCALES, Settings

PACKAGE_DIR = Path(__file__).resolve().parent

# The domains, in the order they plug in (blueprints, navigation, setup follow it).
# Each package has a plugin.py defining DOMAIN (mla.core.plugins.Domain); adding a
# domain means writing its plugin.py and naming it here. Imported by name in
# create_app: mla/__init__.py runs first whenever any mla module is imported, so it
# must not import the domains at module level.
DOMAINS = (
    "auth",
    "audit",
    "reference",
    "treaties",
    "directory",
    "cases",
    "api",
    "workflow",
    "deadlines",
    "notifications",
    "dualcrim",
    "documents",
    "exchange",
    "persons",
    "undertakings",
    "portal",
    "reports",
    "worklist",
    "sandbox",
    "scheduler",
    "demo",
    "operations",
    "imports",
)

__all__ = ["DOMAINS", "SUPPORTED_LOCALES", "create_app", "settings_of"]


def create_app(settings: Settings | None = None) -> Flask:
    from mla.core.access import gate
    from mla.core.crypto import EXTENSION_KEY, KeyRing
    from mla.core.db import ping_after_idle, tune_sqlite
    from mla.core.errors import register_error_handlers
    from mla.core.headers import init_headers
    from mla.core.input import init_input_guard
    from mla.core.logs import init_log_redaction, install_filter
    from mla.core.plugins import install
    from mla.core.proxy import trust_proxies
    from mla.core.templating import init_templating
    from mla.core.transaction import init_transaction_boundary
    from mla.core.views import DOMAIN as CORE
    from mla.extensions import babel, csrf, db, login_manager, migrate

    settings = settings or Settings.from_env()  # instance folder: see mla.settings
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(PACKAGE_DIR / "templates"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_NAME="comity_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
        WTF_CSRF_TIME_LIMIT=None,  # the session record's idle timeout bounds it
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        TESTING=settings.testing,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["mla.settings"] = settings
    trust_proxies(app, settings.trusted_proxies)  # the client's address behind nginx
    app.extensions[EXTENSION_KEY] = KeyRing.from_settings(settings)
    _configure_logging(settings)

    db.init_app(app)
    domains = [importlib.import_module(f"mla.{name}.plugin").DOMAIN for name in DOMAINS]
    with app.app_context():
        if settings.is_sqlite:
            tune_sqlite(db.engine)
        else:
            ping_after_idle(db.engine)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")

    init_transaction_boundary(app)
    init_input_guard(app)  # before the gate: odd input never reaches a loader or view
    app.before_request(gate)
    init_headers(app)
    register_error_handlers(app)

    app.url_map.converters["int"] = RowIdConverter
    init_log_redaction(app)  # the `secret` converter, before any route
    init_templating(app)
    install(app, [CORE, *domains])
    install_filter(app)  # no URL secret or search reaches a log (mla.core.logs)
    return app


class RowIdConverter(IntegerConverter):
    """`<int:...>` in routes: a row id, so /documents/99999999999999999999 is a 404,
    not an integer the database driver cannot bind."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _configure_logging(settings: Settings) -> None:
    """Comity's own messages (scheduler, warnings about keys) go to standard error,
    unless the host (gunicorn, a test runner) already configured logging."""
    logger = logging.getLogger("mla")
    logger.setLevel(logging.INFO)
    if settings.testing or logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)


def _engine_options(settings: Settings) -> dict[str, object]:
    if settings.is_sqlite:
        return {"connect_args": {"timeout": 10, "check_same_thread": False}}
    # No pool_pre_ping (a round trip per request): mla.core.db.ping_after_idle checks
    # only connections that sat idle; pool_recycle bounds a connection's age.
    # jit=off: the app's statements are short OLTP reads and report aggregates that run
    # in a second or less; PostgreSQL's JIT compiled one report query for 5.6 s at a
    # million requests (its cost estimate crosses jit_above_cost) before running it.
    return {"pool_recycle": 1800, "pool_size": 10, "max_overflow": 10,
            "connect_args": {"options": "-c jit=off"}}


def _select_locale() -> str:
    """The user's choice, the sign-in page's cookie, Accept-Language, MLA_DEFAULT_LOCALE
    (the API puts Accept-Language first): see mla.core.locale."""
    from mla.core.locale import select_locale

    return select_locale()


def _select_timezone() -> str:
    """The user's zone, else the instance's home zone: see mla.core.zones."""
    from mla.core.zones import select_timezone

    return select_timezone()


def settings_of(app: Flask) -> Settings:
    return app.extensions["mla.settings"]
