"""The request list's tools: work in bulk on a selection, saved filters."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.worklist import views
from mla.worklist.bulk import Selected

DOMAIN = Domain(
    name="worklist",
    blueprints=(views.bp,),
    template_globals={"bulk_token": lambda case: Selected.of(case).token},
)
