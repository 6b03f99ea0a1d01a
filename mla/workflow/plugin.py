"""The workflow engine's registration: its own guards and effects, pages, CLI."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.core.plugins import Domain, NavEntry
from mla.workflow import builtin_hooks, cli, models, subscribers, views
from mla.workflow.registry import state_choices, state_label

DOMAIN = Domain(
    name="workflow",
    models=(models,),
    blueprints=(views.bp,),
    cli=(cli.cli,),
    hooks=(builtin_hooks, subscribers),
    nav=(
        NavEntry("workflow.approvals", _l("Approvals"), 50),
        NavEntry("workflow.index", _l("Workflows"), 50, menu="reference"),
    ),
    template_globals={
        "state_label": lambda case: state_label(case.workflow_name, case.state),
        "state_name": state_label,
        "state_choices": state_choices,
    },
)
