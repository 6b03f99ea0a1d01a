"""Typed, frozen settings, read once from the environment.

The embedded default (no ``MLA_DATABASE_URL``) needs no configuration: an SQLite
file, a generated secret key and a generated key ring all live in ``instance/``.
Anywhere else a missing secret stops start-up with a message saying what to set.

The instance folder is ``MLA_INSTANCE_PATH`` when set; otherwise, in a checkout
(``pyproject.toml`` and ``wsgi.py`` next to the package), the checkout's own
``instance/`` whatever the working directory; otherwise (an installed wheel)
``instance/`` in the working directory. Its optional ``comity.env`` adds settings,
so ``MLA_INSTANCE_PATH`` itself can only come from the environment.

What the app reads at run time ships inside the package; ``MLA_WORKFLOWS_DIR``
and ``MLA_SCENARIOS_DIR`` replace the shipped workflow definitions and scenario
packs with a directory of your own. Documents are kept in the database by default
(``MLA_DOCUMENT_STORE=database``): every application server sees them, they commit
and roll back with the rest of the request, and no server keeps state on its disk;
``filesystem`` keeps them under ``instance/documents/`` for a single server. The key
ring comes from ``MLA_KEY_RING`` (its JSON, for a secret store that fills the
environment) or the file ``MLA_KEY_FILE``.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import pycountry
from flask import current_app
from limits import parse_many

log = logging.getLogger(__name__)

MODES = ("production", "sandbox")
# The interface languages: the six official languages of the United Nations. Each has
# a catalogue in mla/translations/ (English is the source language and needs none).
SUPPORTED_LOCALES = ("en", "fr", "es", "ru", "ar", "zh")


class DocumentStore(StrEnum):
    """Where sealed document content lies (MLA_DOCUMENT_STORE; see the module doc)."""

    DATABASE = "database"
    FILESYSTEM = "filesystem"


DOCUMENT_STORES = tuple(store.value for store in DocumentStore)
INSTANCE_ENV_FILE = "comity.env"
_CHECKOUT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to change."""


def _read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines from an optional ``instance/comity.env``; '#' starts a comment."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"expected a yes/no value, got {value!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None


def _max_age(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more seconds, got {value}")
    return value


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate limit such as "10 per minute;50 per hour", checked at start-up."""
    value = env.get(name, "").strip() or default
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must read like '10 per minute;50 per hour', "
                          f"got {value!r}") from None
    return value


# An operator's setting, not a database one: an administrator's stolen session must not
# be able to switch the second factor off for everybody.
DEFAULT_2FA_ROLES = frozenset({"admin", "supervisor"})


def _roles(value: str | None, default: frozenset[str]) -> frozenset[str]:
    """A comma-separated list of roles; "none" for none (auth checks the names at start)."""
    if value is None or not value.strip():
        return default
    if value.strip().lower() == "none":
        return frozenset()
    return frozenset(part.strip().lower() for part in value.split(",") if part.strip())


def _locale(env: Mapping[str, str]) -> str:
    """MLA_DEFAULT_LOCALE: the language of pages before anybody chooses one."""
    value = env.get("MLA_DEFAULT_LOCALE", "").strip()
    if not value:
        return "en"
    if value not in SUPPORTED_LOCALES:
        raise ConfigError(f"MLA_DEFAULT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)} "
                          f"(the language of pages a person has not chosen one for), "
                          f"got {value!r}.")
    return value


def _is_country_code(code: str) -> bool:
    if len(code) != 2 or not code.isalpha():
        return False
    # XA-XZ are ISO user-assigned codes: fictional states for training.
    return code[0] == "X" or pycountry.countries.get(alpha_2=code) is not None


def _url(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if value and not value.startswith(("https://", "http://")):
        raise ConfigError(f"{name} must be an https:// address, got {value!r}.")
    return value


def default_instance_path(env: Mapping[str, str]) -> Path:
    """MLA_INSTANCE_PATH, else a checkout's instance/, else ./instance (see module doc)."""
    configured = env.get("MLA_INSTANCE_PATH", "").strip()
    if configured:
        return Path(configured)
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "wsgi.py").is_file():
        return _CHECKOUT / "instance"
    return Path.cwd() / "instance"


def _directory(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    path = Path(value).resolve()
    if not path.is_dir():
        raise ConfigError(f"{name} names {value!r}, which is not a directory.")
    return path


def _generated_secret(path: Path) -> str:
    """The embedded default's secret key: made once, kept in instance/, never hard-coded."""
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 25
    use_tls: bool = False
    use_starttls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = "comity@localhost"
    timeout_seconds: int = 10

    @property
    def is_configured(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str = field(repr=False)
    home_country: str
    mode: str
    key_file: Path
    instance_path: Path
    is_embedded: bool
    cookie_secure: bool
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    # Requests to sign in (POST /login), in Flask-Limiter's notation; 429 past them.
    sign_in_limits: bool = True
    login_limit_per_ip: str = "10 per minute;50 per hour"
    login_limit_global: str = "300 per minute"
    rate_limit_storage_uri: str = "memory://"
    # The exchange endpoint (mla/exchange/endpoint.py): deliveries per client address,
    # and whether packages may go over plain http to a non-loopback address (a channel
    # the operator secures otherwise); MLA_EXCHANGE_INBOX_LIMIT, MLA_EXCHANGE_ALLOW_HTTP.
    exchange_inbox_limit: str = "30 per minute;600 per hour"
    exchange_allow_http: bool = False
    # This instance's exchange address, as its public identity document gives it to
    # counterparts (`flask exchange identity`); MLA_EXCHANGE_URL. "": files only.
    exchange_url: str = ""
    # Reverse proxies in front of the app that add X-Forwarded-For (README, Production).
    trusted_proxies: int = 0
    # Roles that must sign in with a second factor (TOTP); MLA_REQUIRE_2FA_ROLES.
    require_2fa_roles: frozenset[str] = DEFAULT_2FA_ROLES
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    run_scheduler_in_process: bool = False
    testing: bool = False
    # The interface language when neither the user nor the browser says (MLA_DEFAULT_LOCALE).
    default_locale: str = "en"
    # Seconds the reports' figures are served from storage before they are computed
    # again (MLA_REPORT_FIGURES_MAX_AGE; 0: never kept, computed on every read).
    report_figures_max_age: int = 900
    document_store: DocumentStore = DocumentStore.DATABASE
    # The key ring's JSON when MLA_KEY_RING provides it; key_file is not read then.
    key_ring_json: str | None = field(default=None, repr=False)
    # None: the copies shipped in the package.
    workflows_dir: Path | None = None
    scenarios_dir: Path | None = None

    @property
    def key_ring_source(self) -> str:
        """Where the key ring comes from, for messages."""
        return "MLA_KEY_RING" if self.key_ring_json is not None else str(self.key_file)

    @property
    def is_sandbox(self) -> bool:
        return self.mode == "sandbox"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        instance_path: Path | str | None = None,
        **overrides: object,
    ) -> Settings:
        given = os.environ if environ is None else environ
        instance = Path(instance_path or default_instance_path(given)).resolve()
        env: dict[str, str] = _read_env_file(instance / INSTANCE_ENV_FILE)
        env.update(given)

        database_url = env.get("MLA_DATABASE_URL", "").strip()
        is_embedded = not database_url
        if is_embedded:
            instance.mkdir(parents=True, exist_ok=True)
            database_url = f"sqlite:///{instance / 'comity.db'}"

        secret_key = env.get("MLA_SECRET_KEY", "").strip()
        if not secret_key:
            if not is_embedded:
                raise ConfigError(
                    "MLA_SECRET_KEY is not set. Outside the embedded SQLite default a secret "
                    "key is required: generate one with "
                    "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'` "
                    "and pass it in the environment (see README, 'Production')."
                )
            secret_key = _generated_secret(instance / "secret_key")
        if len(secret_key) < 32:
            raise ConfigError("MLA_SECRET_KEY must be at least 32 characters long.")

        mode = env.get("MLA_MODE", "production").strip() or "production"
        if mode not in MODES:
            raise ConfigError(f"MLA_MODE must be one of {', '.join(MODES)}, got {mode!r}.")

        home = env.get("MLA_HOME_COUNTRY", "").strip().upper()
        if not home:
            if not is_embedded and mode == "production":
                raise ConfigError(
                    "MLA_HOME_COUNTRY is not set. A production instance must say which state "
                    "it serves: the ISO 3166-1 alpha-2 code, e.g. MLA_HOME_COUNTRY=FR.")
            home = "XZ"  # the demo and training default: a fictional state
        if not _is_country_code(home):
            raise ConfigError(
                "MLA_HOME_COUNTRY must be an ISO 3166-1 alpha-2 code (or XA-XZ for a "
                f"fictional training state), got {home!r}.")

        key_file_value = env.get("MLA_KEY_FILE", "").strip()
        key_file = Path(key_file_value) if key_file_value else instance / "keyring.json"
        key_ring_json = env.get("MLA_KEY_RING", "").strip() or None
        if key_ring_json is not None and key_file_value:
            raise ConfigError(
                "MLA_KEY_RING and MLA_KEY_FILE are both set; give the key ring one way only.")

        store_name = env.get("MLA_DOCUMENT_STORE", "").strip().lower() or "database"
        if store_name not in DOCUMENT_STORES:
            raise ConfigError(f"MLA_DOCUMENT_STORE must be one of {', '.join(DOCUMENT_STORES)}, "
                              f"got {store_name!r}.")
        document_store = DocumentStore(store_name)

        smtp = SmtpSettings(
            host=env.get("MLA_SMTP_HOST", ""),
            port=_int(env, "MLA_SMTP_PORT", 25),
            use_tls=_flag(env.get("MLA_SMTP_TLS"), False),
            use_starttls=_flag(env.get("MLA_SMTP_STARTTLS"), False),
            username=env.get("MLA_SMTP_USERNAME", ""),
            password=env.get("MLA_SMTP_PASSWORD", ""),
            sender=env.get("MLA_SMTP_SENDER", "comity@localhost"),
        )
        values: dict[str, object] = {
            "database_url": database_url,
            "secret_key": secret_key,
            "home_country": home,
            "mode": mode,
            "key_file": key_file,
            "key_file_is_default": not key_file_value and key_ring_json is None,
            "key_ring_json": key_ring_json,
            "document_store": document_store,
            "workflows_dir": _directory(env, "MLA_WORKFLOWS_DIR"),
            "scenarios_dir": _directory(env, "MLA_SCENARIOS_DIR"),
            "instance_path": instance,
            "is_embedded": is_embedded,
            "cookie_secure": _flag(env.get("MLA_COOKIE_SECURE"), not is_embedded),
            "session_idle_minutes": _int(env, "MLA_SESSION_IDLE_MINUTES", 30),
            "session_max_hours": _int(env, "MLA_SESSION_MAX_HOURS", 12),
            "login_max_failures": _int(env, "MLA_LOGIN_MAX_FAILURES", 5),
            "login_lockout_minutes": _int(env, "MLA_LOGIN_LOCKOUT_MINUTES", 15),
            "sign_in_limits": _flag(env.get("MLA_SIGN_IN_LIMITS"), True),
            "login_limit_per_ip": _rate(env, "MLA_LOGIN_LIMIT_PER_IP",
                                        "10 per minute;50 per hour"),
            "login_limit_global": _rate(env, "MLA_LOGIN_LIMIT_GLOBAL", "300 per minute"),
            "rate_limit_storage_uri": env.get("MLA_RATE_LIMIT_STORAGE", "").strip()
            or "memory://",
            "exchange_inbox_limit": _rate(env, "MLA_EXCHANGE_INBOX_LIMIT",
                                          "30 per minute;600 per hour"),
            "exchange_allow_http": _flag(env.get("MLA_EXCHANGE_ALLOW_HTTP"), False),
            "exchange_url": _url(env, "MLA_EXCHANGE_URL"),
            "trusted_proxies": _int(env, "MLA_TRUSTED_PROXIES", 0),
            "require_2fa_roles": _roles(env.get("MLA_REQUIRE_2FA_ROLES"),
                                        frozenset() if mode == "sandbox" else DEFAULT_2FA_ROLES),
            "smtp": smtp,
            "run_scheduler_in_process": _flag(env.get("MLA_RUN_SCHEDULER"), False),
            "default_locale": _locale(env),
            "report_figures_max_age": _max_age(env, "MLA_REPORT_FIGURES_MAX_AGE", 900),
        }
        values.update(overrides)
        key_default = values.pop("key_file_is_default")
        settings = cls(**values)  # type: ignore[arg-type]
        if key_default and settings.mode == "production" and not settings.is_embedded:
            log.warning(
                "Neither MLA_KEY_FILE nor MLA_KEY_RING is set: personal data is encrypted with "
                "a key ring kept in %s. Point MLA_KEY_FILE at a managed secret outside the "
                "server's disk, or pass the ring's JSON in MLA_KEY_RING.",
                key_file,
            )
        return settings


def current_settings() -> Settings:
    """The running app's settings (inside an app context)."""
    return current_app.extensions["mla.settings"]
