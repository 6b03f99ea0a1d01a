"""Persons across requests: registration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.core.plugins import Domain, NavEntry
from mla.persons import cli, hooks, models, views
from mla.persons.services import (
    COMPETING_CRITERIA,
    competing_requests,
    links_of,
    person_reason_labels,
    preview_for_form,
)

DOMAIN = Domain(
    name="persons",
    models=(models,),
    blueprints=(views.bp,),
    cli=(cli.cli,),
    hooks=(hooks,),
    nav=(NavEntry("persons.search", _l("Persons"), 25),),
    template_globals={"case_links": links_of, "competing_requests": competing_requests,
                      "LINK_REASONS": person_reason_labels(),
                      "preview_links_for_form": preview_for_form,
                      "COMPETING_CRITERIA": COMPETING_CRITERIA},
)
