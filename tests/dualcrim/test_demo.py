"""The demo catalogues load and show every verdict (the standalone page's training scenarios)."""

from __future__ import annotations

from mla.dualcrim.demo import load_demo_catalogues
from mla.dualcrim.services import CheckRequest, run_check
from mla.dualcrim.views import TRAINING


def test_demo_catalogues_show_every_verdict(db):
    assert load_demo_catalogues("test") > 100
    seen = set()
    for expected, args in TRAINING:
        verdict = run_check(CheckRequest(
            kind=args["kind"], legal_basis=args["legal_basis"],
            requesting_country=args["requesting_country"],
            requested_country=args["requested_country"], coercive=True,
            iccs=args["iccs"].split(), max_penalty_months=int(args["penalty"])))
        assert verdict.verdict == expected, (args, verdict.reasons)
        seen.add(expected)
    assert seen == {"satisfied", "not_satisfied", "not_required", "review"}


def test_demo_catalogues_reload_idempotently(db):
    first = load_demo_catalogues("test")
    assert load_demo_catalogues("test") == first
