"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, has_request_context
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from mla.cases.constants import DIRECTIONS, KINDS, MEASURES, PERSON_ROLES
from mla.core.access import rule_for
from mla.core.clock import now
from mla.settings import current_settings
from mla.workflow.registry import state_label

# Main navigation: links, and menus of links. An item shows only to roles its
# endpoint admits; a menu shows when one of its items does. Sandbox-only pages
# are listed in SANDBOX_ONLY and hidden elsewhere.
NavItem = tuple[str, Any]
NAV: list[tuple[Any, Any]] = [
    ("core.home", _l("Dashboard")),
    ("cases.index", _l("Requests")),
    ("cases.new", _l("Register")),
    ("portal.index", _l("My requests")),
    ("workflow.approvals", _l("Approvals")),
    ("notifications.letters", _l("Letters")),
    ("portal.review_queue", _l("Drafts to review")),
    (_l("Training"), [
        ("sandbox.console", _l("Trainer console")),
        ("sandbox.progress", _l("Class progress")),
        ("sandbox.class_accounts", _l("Class accounts")),
        ("sandbox.my_exercises", _l("My exercises")),
        ("sandbox.outbox", _l("Training outbox")),
    ]),
    (_l("Reference"), [
        ("directory.index", _l("Directory of authorities")),
        ("dualcrim.check", _l("Dual criminality check")),
        ("dualcrim.catalogue_index", _l("Offence catalogues")),
        ("dualcrim.iccs", _l("ICCS taxonomy")),
        ("workflow.index", _l("Workflows")),
        ("deadlines.rules", _l("Deadline rules")),
        ("deadlines.time_zones", _l("Time zones of deadlines")),
    ]),
    (_l("Administration"), [
        ("auth.users", _l("Users")),
        ("tokens.everyone", _l("API tokens")),
        ("dualcrim.settings", _l("Dual criminality settings")),
        ("notifications.mailbox", _l("Mail outbox")),
        ("notifications.dead_letters", _l("Undeliverable messages")),
    ]),
]
# The signed-in user's own menu (right-hand side).
USER_MENU: list[NavItem] = [
    ("notifications.index", _l("Notifications")),
    ("deadlines.calendar", _l("Calendar feed")),
    ("tokens.mine", _l("My API tokens")),
    ("auth.change_password", _l("Change password")),
]
# Links a role reaches by another way: prosecutors' "Requests" is their portal list.
HIDDEN_FOR = {"cases.index": frozenset({"prosecutor"})}
SANDBOX_ONLY = frozenset({"sandbox.console", "sandbox.progress", "sandbox.class_accounts",
                          "sandbox.my_exercises", "sandbox.outbox"})



def _when(value: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else ""


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


# Languages written right to left: the page flips and loads Bootstrap's RTL build.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


def _page_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def _text_direction() -> str:
    return "rtl" if _page_language() in RTL_LANGUAGES else "ltr"


def _own_messages(errors: Any) -> list[str]:
    """A FieldList's own messages, without its entries' nested error lists."""
    return [str(e) for e in errors or () if not isinstance(e, list | tuple | dict)]


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["own_messages"] = _own_messages
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["day"] = _date
    app.jinja_env.globals.update(
        DIRECTIONS=DIRECTIONS, KINDS=KINDS, MEASURES=MEASURES, PERSON_ROLES=PERSON_ROLES,
        clock_now=now,
        state_label=lambda case: state_label(case.workflow_name, case.state),
        state_name=state_label,
        rule_title=_rule_title,
        page_language=_page_language,
        text_direction=_text_direction,
    )

    @app.context_processor
    def _globals() -> dict[str, Any]:
        settings = current_settings()
        values: dict[str, Any] = {"settings": settings, "is_sandbox": settings.is_sandbox}
        if not has_request_context():  # letters and e-mails rendered by jobs and the CLI
            return values
        return values | {
            "can_visit": _can_visit,
            "nav_items": _visible_nav(app, settings.is_sandbox),
            "user_menu": [item for item in USER_MENU if _shown(app, item[0], True)],
        }


def _rule_title(code: str | None) -> str:
    from mla.deadlines.rules import get_rule

    if not code:
        return ""
    try:
        return get_rule(code).title
    except (KeyError, LookupError, ValueError):
        return code.replace("_", " ")


def _shown(app: Flask, endpoint: str, is_sandbox: bool) -> bool:
    if endpoint not in app.view_functions or (endpoint in SANDBOX_ONLY and not is_sandbox):
        return False
    if current_user.is_authenticated and current_user.role in HIDDEN_FOR.get(endpoint, ()):
        return False
    return _can_visit(endpoint)


def _visible_nav(app: Flask, is_sandbox: bool) -> list[dict[str, Any]]:
    """[{"endpoint", "label"} | {"label", "items": [(endpoint, label), ...]}]"""
    if not current_user.is_authenticated:
        return []
    visible: list[dict[str, Any]] = []
    for first, second in NAV:
        if isinstance(second, list):
            items = [item for item in second if _shown(app, item[0], is_sandbox)]
            if items:
                visible.append({"label": first, "items": items,
                                "endpoints": [endpoint for endpoint, _ in items]})
        elif _shown(app, first, is_sandbox):
            visible.append({"endpoint": first, "label": second})
    return visible


def _can_visit(endpoint: str, method: str = "GET") -> bool:
    """Whether the signed-in user's role may use an endpoint (hides dead links)."""
    rule = rule_for(endpoint)
    role = current_user.role if current_user.is_authenticated else None
    return rule is not None and rule.permits(role, method)
