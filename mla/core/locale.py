"""Which language a page, an API answer or an e-mail speaks.

A page: the signed-in user's choice (their account page), else the choice made on the
sign-in page before signing in (a cookie), else the browser's ``Accept-Language``, else
the instance default (``MLA_DEFAULT_LOCALE``). The JSON API answers in the language the
client asks for in ``Accept-Language`` first: a script speaks for itself, whoever owns
its token. CLI commands and scheduled jobs have no request: they use the instance
default, so their output does not depend on who ran them; what they send to a person
is rendered in that person's language (``force_locale`` around the rendering).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import has_request_context, request
from flask_login import current_user

from mla.core.errors import is_api_request
from mla.settings import SUPPORTED_LOCALES, current_settings

# The cookie the sign-in page's language switcher sets (a year; nothing secret in it).
LANGUAGE_COOKIE = "comity_lang"
LANGUAGE_COOKIE_DAYS = 365

# Each language named in itself, as language pickers do: a reader who cannot read the
# current page's language still finds their own.
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ru": "Русский",
    "ar": "العربية",
    "zh": "中文（简体）",
}

# Languages written right to left: the page flips and loads Bootstrap's RTL build.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


def supported(code: str | None) -> str | None:
    """``code`` when it is one of the interface languages, else None."""
    return code if code in SUPPORTED_LOCALES else None


def choose_locale(*, chosen: str | None, remembered: str | None,
                  accept: Iterable[tuple[str, float]] | None, default: str,
                  prefer_header: bool = False) -> str:
    """The language to use, from the most to the least specific source.

    ``accept`` is the Accept-Language header as (language tag, quality) pairs, best
    first (werkzeug's ``request.accept_languages``); ``prefer_header`` puts it first
    (the API)."""
    from_header = _best_match(accept or ())
    order = ((from_header, supported(chosen), supported(remembered)) if prefer_header
             else (supported(chosen), supported(remembered), from_header))
    return next((code for code in order if code), default)


def _best_match(accept: Iterable[tuple[str, float]]) -> str | None:
    """The first acceptable tag whose primary language Comity has ("fr-CA" -> "fr",
    "zh-Hans-CN" and "zh-CN" -> "zh"); q=0 means "not this one"."""
    ranked = sorted((pair for pair in accept if pair[1] > 0), key=lambda p: -p[1])
    for tag, _quality in ranked:
        language = tag.replace("_", "-").split("-")[0].strip().lower()
        if language in SUPPORTED_LOCALES:
            return language
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module doc for the order)."""
    if not has_request_context():  # CLI commands, scheduled jobs, service-level tests
        return current_settings().default_locale
    user = current_user
    chosen = getattr(user, "language", None) if user and user.is_authenticated else None
    return _from_request(chosen)


def browser_locale() -> str:
    """The language this browser asks for, whoever is signed in (the cookie of the
    sign-in page's switcher, Accept-Language, the instance default)."""
    return _from_request(None)


def _from_request(chosen: str | None) -> str:
    default = current_settings().default_locale
    return choose_locale(
        chosen=chosen,
        remembered=request.cookies.get(LANGUAGE_COOKIE),
        accept=list(request.accept_languages),
        default=default,
        prefer_header=is_api_request(),
    )


def html_lang(language: str) -> str:
    """The language's tag for ``lang=""``: "zh-Hans" for Chinese (Comity's is the
    simplified script, which fonts and screen readers need to know)."""
    return "zh-Hans" if language == "zh" else language


def direction_of(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"
