"""How a domain plugs itself into the application.

Each domain package has a ``plugin.py`` defining ``DOMAIN = Domain(...)``: its
blueprints, CLI groups, models, navigation entries, home-page panels, outbox
channels and scheduler jobs. Importing ``plugin.py`` also imports the domain's
hooks (workflow guards and effects, signal receivers), which register themselves.
``create_app`` walks the list of domains (``mla.DOMAINS``) and calls
``install``; core reads what was registered and never names a domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import ModuleType
from typing import Any

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

EXTENSION_KEY = "mla.domains"

# The main navigation's menus (key -> label); entries name the menu they join.
# Position of a menu among the top-level links, by its key.
MENUS: dict[str, tuple[int, Any]] = {
    "training": (80, _l("Training")),
    "reference": (90, _l("Reference")),
    "administration": (100, _l("Administration")),
}
USER_MENU = "user"  # the signed-in user's own menu, on the right


@dataclass(frozen=True)
class NavEntry:
    """A link in the main navigation (``menu=None``), one of MENUS, or the user menu.

    Shown only to roles the endpoint admits (the access rules), never where the
    endpoint is not registered, to ``hidden_for`` roles (they reach it another way),
    and, when ``sandbox_only``, only in a training sandbox.
    """

    endpoint: str
    label: Any
    order: int
    menu: str | None = None
    sandbox_only: bool = False
    hidden_for: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Panel:
    """A section of the home page: a template included in order (it reads what it
    needs through its own domain's template globals)."""

    template: str
    order: int


@dataclass(frozen=True)
class Tick:
    """What a scheduler job gets on each tick (inside an app context)."""

    lease: timedelta | None = None


@dataclass(frozen=True)
class Job:
    """Work the scheduler does on every tick, in ``order``. ``run`` returns counts
    by name (they make up the tick's report); ``when`` says whether it runs for
    these settings (e.g. only in a sandbox)."""

    name: str
    order: int
    run: Callable[[Tick], Mapping[str, int]]
    when: Callable[[Any], bool] = lambda settings: True


@dataclass(frozen=True)
class Domain:
    """Everything a domain adds to the application, in one place (its plugin.py)."""

    name: str
    blueprints: Sequence[Blueprint] = ()
    cli: Sequence[Any] = ()                # click groups added to `flask`
    models: Sequence[ModuleType] = ()      # imported, so metadata is complete
    hooks: Sequence[ModuleType] = ()       # imported: workflow guards/effects, receivers
    nav: Sequence[NavEntry] = ()
    panels: Sequence[Panel] = ()
    jobs: Sequence[Job] = ()
    # Outbox channels this domain delivers: name -> deliver(token, row ids, report),
    # called by the dispatcher with every claimed batch (it picks its own channel's rows).
    outbox_channels: Mapping[str, Callable[[str, list[int], Any], object]] = field(
        default_factory=dict)
    template_globals: Mapping[str, Any] = field(default_factory=dict)
    setup: Callable[[Flask], object] | None = None  # anything else, run last


def install(app: Flask, domains: Iterable[Domain]) -> None:
    """Register every domain's blueprints, CLI groups and template globals, then run
    their setup (in the order given)."""
    installed = list(domains)
    names = [d.name for d in installed]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"domains registered twice: {', '.join(sorted(duplicates))}")
    app.extensions[EXTENSION_KEY] = installed
    for domain in installed:
        for bp in domain.blueprints:
            app.register_blueprint(bp)
        for group in domain.cli:
            app.cli.add_command(group)
        app.jinja_env.globals.update(domain.template_globals)
    for domain in installed:
        if domain.setup is not None:
            domain.setup(app)


def domains(app: Flask) -> list[Domain]:
    return list(app.extensions.get(EXTENSION_KEY, ()))


def nav_entries(app: Flask) -> list[NavEntry]:
    return sorted((e for d in domains(app) for e in d.nav), key=lambda e: e.order)


def panels(app: Flask) -> list[Panel]:
    return sorted((p for d in domains(app) for p in d.panels), key=lambda p: p.order)


def jobs(app: Flask) -> list[Job]:
    return sorted((j for d in domains(app) for j in d.jobs), key=lambda j: j.order)


def outbox_channels(app: Flask) -> frozenset[str]:
    return frozenset(c for d in domains(app) for c in d.outbox_channels)


def outbox_deliverers(app: Flask) -> dict[str, Callable[[str, list[int], Any], object]]:
    return {name: deliver for d in domains(app) for name, deliver in d.outbox_channels.items()}
