"""One access policy, declared on every endpoint, enforced before every request.

Deny by default: an endpoint with no declaration answers 403 (and a test fails
on it). Views declare who may use them with ``@public``, ``@allow(...)`` or
``@allow_any_user``; the gate checks the declaration before the view runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from flask import Flask, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mla.core.errors import ApiError, is_api_request
from mla.settings import current_settings

F = TypeVar("F", bound=Callable[..., Any])



class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    CASEWORKER = "caseworker"
    PROSECUTOR = "prosecutor"
    TRAINEE = "trainee"
    AUDITOR = "auditor"


ROLES = tuple(r.value for r in Role)
# Central-authority staff who work on cases.
STAFF = ("admin", "supervisor", "caseworker", "trainee")
# Everyone who may read the central authority's full case files.
READERS = (*STAFF, "auditor")


@dataclass(frozen=True)
class Rule:
    public: bool = False
    roles: frozenset[str] = frozenset()
    any_user: bool = False
    write_roles: frozenset[str] | None = None

    def permits(self, role: str | None, method: str) -> bool:
        if self.public:
            return True
        if role is None:
            return False
        if method not in {"GET", "HEAD", "OPTIONS"} and self.write_roles is not None:
            return role in self.write_roles
        return self.any_user or role in self.roles

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.any_user:
            return "any signed-in user"
        text = ", ".join(sorted(self.roles))
        if self.write_roles is not None:
            text += f" (changes: {', '.join(sorted(self.write_roles)) or 'nobody'})"
        return text


def _declare(rule: Rule) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorator


def public(view: F) -> F:
    return _declare(Rule(public=True))(view)


def allow_any_user(view: F) -> F:
    return _declare(Rule(any_user=True))(view)


def allow(*roles: str, write: Iterable[str] | None = None) -> Callable[[F], F]:
    unknown = set(roles) - set(ROLES) | (set(write or ()) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return _declare(
        Rule(roles=frozenset(roles), write_roles=frozenset(write) if write is not None else None)
    )


def rule_for(endpoint: str | None, app: Flask | None = None) -> Rule | None:
    app = app or current_app
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return Rule(public=True)
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


# What a trainee may still do on a production instance, where they only read.
# (and a search of the request list, posted so its words stay out of the address).
TRAINEE_OWN_ACCOUNT = frozenset({"auth.logout", "auth.change_password",
                                 "auth.two_factor_page", "auth.language",
                                 "auth.time_zone", "cases.search"})


def trainee_refused(role: str | None, endpoint: str | None, method: str) -> bool:
    """Trainees practise on a sandbox; elsewhere (the demo, a live system) they read only."""
    return (role == "trainee" and method not in {"GET", "HEAD", "OPTIONS"}
            and endpoint not in TRAINEE_OWN_ACCOUNT and not current_settings().is_sandbox)


def current_role() -> str | None:
    if not current_user or not current_user.is_authenticated:
        return None
    return current_user.role


def gate() -> Any:
    """before_request: apply the endpoint's declared rule."""
    if request.endpoint is None:  # 404s and 405s are answered by Flask itself
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s declares no access rule", request.endpoint)
        raise ApiError(403, "forbidden", _("This page is not available."))
    role = current_role()
    if rule.permits(role, request.method):
        if trainee_refused(role, request.endpoint, request.method):
            raise ApiError(403, "forbidden", _("Your role does not allow this. Trainee "
                                               "accounts change nothing outside a "
                                               "training sandbox."))
        return None
    if role is None:
        if is_api_request():
            raise ApiError(401, "unauthorized", _("A valid bearer token is required."))
        if request.endpoint != "core.home":
            flash(_("Please sign in to continue."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    raise ApiError(403, "forbidden", _("Your role does not allow this."))
