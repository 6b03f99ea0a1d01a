"""The request list's tools: work in bulk on a selection, saved filters."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.worklist import models, views
from mla.worklist.bulk import Selected
from mla.worklist.services import saved_filters

DOMAIN = Domain(
    name="worklist",
    models=(models,),
    blueprints=(views.bp, views.portal_bp),
    template_globals={"bulk_token": lambda case: Selected.of(case).token,
                      "saved_filters": saved_filters, "saved_filter_url": views.filter_url},
)
