"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from mla.cases.constants import DIRECTIONS, KINDS, MEASURES, PERSON_ROLES
from mla.core.access import rule_for
from mla.core.clock import now
from mla.settings import current_settings
from mla.workflow.registry import state_label

# Main navigation, in order; an item shows only to roles its endpoint admits.
NAV_ITEMS: list[tuple[str, Any]] = [
    ("core.home", _l("Dashboard")),
    ("cases.index", _l("Requests")),
    ("cases.new", _l("Register a request")),
    ("directory.index", _l("Directory")),
    ("dualcrim.check", _l("Dual criminality")),
    ("workflow.approvals", _l("Approvals")),
    ("notifications.letters", _l("Letters")),
    ("notifications.index", _l("Notifications")),
    ("auth.users", _l("Users")),
    ("portal.index", _l("My requests")),
    ("portal.review_queue", _l("Drafts to review")),
    ("tokens.mine", _l("API tokens")),
]


def _when(value: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else ""


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


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
    )

    @app.context_processor
    def _globals() -> dict[str, Any]:
        settings = current_settings()
        return {
            "settings": settings,
            "is_sandbox": settings.is_sandbox,
            "can_visit": _can_visit,
            "nav_items": [item for item in NAV_ITEMS if item[0] in app.view_functions],
        }


def _can_visit(endpoint: str, method: str = "GET") -> bool:
    """Whether the signed-in user's role may use an endpoint (hides dead links)."""
    rule = rule_for(endpoint)
    role = current_user.role if current_user.is_authenticated else None
    return rule is not None and rule.permits(role, method)
