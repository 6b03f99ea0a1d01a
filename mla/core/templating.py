"""Template filters and globals shared by every page."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context
from flask_babel import get_locale, pgettext
from flask_login import current_user
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup, escape

from mla.core.access import rule_for, trainee_refused
from mla.core.citations import cite
from mla.core.clock import now
from mla.core.display import (
    DEADLINE_STATUS_LABELS,
    MESSAGE_CHANNEL_LABELS,
    MESSAGE_STATUS_LABELS,
    country_label,
    day,
    days_left,
    due,
    duration,
    duration_days,
    humanise,
    label_in,
    number,
    relative_day,
    role_name,
    verdict_label,
    when,
)
from mla.core.locale import LANGUAGE_NAMES, direction_of, html_lang
from mla.core.plugins import MENUS, USER_MENU, NavEntry, nav_entries
from mla.core.text import strip_bidi
from mla.core.translations import install_template_gettext
from mla.settings import current_settings

# The navigation is what the domains register (mla.core.plugins.NavEntry): a link
# shows only to roles its endpoint admits; a menu shows when one of its items does.


def _page_language() -> str:
    """The page's language for <html lang>: "zh-Hans" for Chinese (the simplified
    script, which fonts and screen readers need to know), else the language code."""
    locale = get_locale()
    return html_lang(locale.language) if locale is not None else "en"


def _text_direction() -> str:
    locale = get_locale()
    return direction_of(locale.language if locale is not None else "en")


def _colon() -> str:
    """The colon between a label and its value: French puts a no-break space before it
    ("Délai ouvert : …"), Chinese writes a full-width "：". Templates write {{ colon() }}."""
    return pgettext("the colon between a label and its value, with the spaces around it",
                    ": ")


def _arrow() -> str:
    """"From → to" in the reading direction: an arrow is not mirrored by the bidi
    algorithm, so an Arabic page gets the one that points the way it reads. Put the
    two ends in <bdi> so Latin names on an Arabic page keep that order."""
    return "←" if _text_direction() == "rtl" else "→"


def _back_arrow() -> str:
    return "→" if _text_direction() == "rtl" else "←"


def _own_messages(errors: Any) -> list[str]:
    """A FieldList's own messages, without its entries' nested error lists."""
    return [str(e) for e in errors or () if not isinstance(e, list | tuple | dict)]


@pass_eval_context
def _without_bidi_overrides(eval_ctx: EvalContext, value: Any) -> Any:
    """Every {{ expression }} of every template passes here (Jinja's finalize), text
    and already-safe markup alike, so no template can show a bidi override. Objects
    that render themselves as HTML (form fields, marked values) become their markup
    first, as autoescaping would make them."""
    # The usual case first (a page passes a thousand values here): text or markup
    # in ASCII holds no override, and isascii() is a C scan with no copy.
    if type(value) is str or type(value) is Markup:
        return value if value.isascii() else strip_bidi(value)
    if eval_ctx.autoescape and hasattr(value, "__html__"):
        value = escape(value)
    return strip_bidi(value) if isinstance(value, str) else value


def init_templating(app: Flask) -> None:
    # Set before any template compiles: Jinja builds the finalize call into the code.
    app.jinja_env.finalize = _without_bidi_overrides
    install_template_gettext(app.jinja_env)  # after Flask-Babel's, which it replaces
    app.jinja_env.filters["own_messages"] = _own_messages
    # Dates, numbers and durations in the reader's language (mla.core.display).
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["due"] = due
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["days_left"] = days_left
    app.jinja_env.filters["duration_days"] = duration_days
    app.jinja_env.filters["relative_day"] = relative_day
    app.jinja_env.filters["humanise"] = humanise
    app.jinja_env.filters["verdict_label"] = verdict_label
    app.jinja_env.filters["message_status"] = lambda c: label_in(MESSAGE_STATUS_LABELS, c)
    app.jinja_env.filters["message_channel"] = lambda c: label_in(MESSAGE_CHANNEL_LABELS, c)
    app.jinja_env.filters["deadline_status"] = lambda c: label_in(DEADLINE_STATUS_LABELS, c)
    app.jinja_env.filters["role_name"] = role_name
    app.jinja_env.filters["country_label"] = country_label
    # Article citations read left to right on an Arabic page (mla.core.citations).
    app.jinja_env.filters["cite"] = cite
    app.jinja_env.globals.update(
        clock_now=now,
        page_language=_page_language,
        text_direction=_text_direction,
        language_names=LANGUAGE_NAMES,
        html_lang=html_lang,
        direction_of=direction_of,
        arrow=_arrow,
        back_arrow=_back_arrow,
        colon=_colon,
    )

    @app.context_processor
    def _globals() -> dict[str, Any]:
        settings = current_settings()
        values: dict[str, Any] = {"settings": settings, "is_sandbox": settings.is_sandbox}
        if not has_request_context():  # letters and e-mails rendered by jobs and the CLI
            return values
        # The signed-in user itself, not Flask-Login's proxy: a page reads it a few
        # dozen times, each a look-up through the request's context.
        user = current_user._get_current_object()
        role = user.role if user.is_authenticated else None
        nav_items, user_menu = _navigation(app, role, settings.is_sandbox)
        return values | {"can_visit": _can_visit, "current_user": user,
                         "nav_items": nav_items, "user_menu": user_menu}


def _navigation(app: Flask, role: str | None, is_sandbox: bool) -> tuple[Any, Any]:
    """The navigation bar and the user menu ``role`` sees: the same on every page,
    as the routes, their rules and the entries are fixed once the app serves, so
    made once per role (labels stay lazy: each page says them in its language)."""
    made = app.extensions.setdefault("mla.navigation", {})
    key = (role, is_sandbox)
    if key not in made:
        made[key] = (_visible_nav(app, role, is_sandbox),
                     [(e.endpoint, e.label) for e in nav_entries(app)
                      if e.menu == USER_MENU and _shown(app, e, role, is_sandbox)])
    return made[key]


def _shown(app: Flask, entry: NavEntry, role: str | None, is_sandbox: bool) -> bool:
    if entry.endpoint not in app.view_functions or (entry.sandbox_only and not is_sandbox):
        return False
    if role is not None and role in entry.hidden_for:
        return False
    return _permits(role, entry.endpoint, "GET")


def _visible_nav(app: Flask, role: str | None, is_sandbox: bool) -> list[dict[str, Any]]:
    """[{"endpoint", "label"} | {"label", "items": [(endpoint, label), ...]}]"""
    if role is None:
        return []
    placed: list[tuple[int, dict[str, Any]]] = []
    menus: dict[str, list[tuple[str, Any]]] = {key: [] for key in MENUS}
    for entry in nav_entries(app):
        if entry.menu == USER_MENU or not _shown(app, entry, role, is_sandbox):
            continue
        if entry.menu is None:
            placed.append((entry.order, {"endpoint": entry.endpoint, "label": entry.label}))
        else:
            menus[entry.menu].append((entry.endpoint, entry.label))
    for key, items in menus.items():
        if items:
            order, label = MENUS[key]
            placed.append((order, {"label": label, "items": items,
                                   "endpoints": [endpoint for endpoint, _ in items]}))
    return [item for _, item in sorted(placed, key=lambda pair: pair[0])]


def _can_visit(endpoint: str, method: str = "GET") -> bool:
    """Whether the signed-in user's role may use an endpoint (hides dead links)."""
    user = current_user._get_current_object()
    return _permits(user.role if user.is_authenticated else None, endpoint, method)


def _permits(role: str | None, endpoint: str, method: str) -> bool:
    rule = rule_for(endpoint)
    # A trainee outside a sandbox reads only: no button that would answer 403.
    return rule is not None and rule.permits(role, method) \
        and not trainee_refused(role, endpoint, method)
