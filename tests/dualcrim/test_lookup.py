"""Candidate lookups: equality on codes and ancestors, a prefix range for descendants,
through the (jurisdiction, iccs_code, penalty) index; never a scan of the catalogue."""

from __future__ import annotations

from sqlalchemy import select, text

from mla.dualcrim.catalogue import import_catalogue_text
from mla.dualcrim.models import CatalogueOffenceIccs
from mla.dualcrim.services import MATCHES_PER_CODE, find_candidates, prefix_upper_bound

HEADER = "code,title,statute,max_penalty_months,iccs\n"


def test_prefix_upper_bound_carries_over_nines():
    assert prefix_upper_bound("0701") == "0702"
    assert prefix_upper_bound("0709") == "071"
    assert prefix_upper_bound("0999") == "1"
    assert prefix_upper_bound("99") is None


def test_descendant_range_stops_at_the_prefix(db):
    import_catalogue_text("test", "XA", HEADER + "A,Other fraud,PC,12,0709\n"
                                                 "B,Forgery,PC,12,0702\n"
                                                 "C,Fraud,PC,12,07011\n"
                                                 "D,Section,PC,12,07\n"
                                                 "E,Drugs,PC,12,06012\n")
    found = {e.code for e in find_candidates("XA", ["0701"])}
    assert found == {"C", "D"}  # descendant 07011 and ancestor 07, not siblings
    assert {e.code for e in find_candidates("XA", ["0709"])} == {"A", "D"}
    assert {e.code for e in find_candidates("XA", ["07"])} == {"A", "B", "C", "D"}
    assert find_candidates("XB", ["0701"]) == []


def test_matches_are_capped_per_code_best_penalty_first(db):
    rows = "".join(f"X{n},Fraud {n},PC,{n + 1},0701\n" for n in range(MATCHES_PER_CODE + 5))
    import_catalogue_text("test", "XA", HEADER + rows)
    found = find_candidates("XA", ["0701"])
    assert len(found) == MATCHES_PER_CODE
    assert max(e.max_penalty_months for e in found) == MATCHES_PER_CODE + 5


def test_lookup_uses_the_index_on_sqlite(db):
    if db.engine.dialect.name != "sqlite":
        return
    link = CatalogueOffenceIccs
    stmt = (select(link.offence_id).where(link.jurisdiction == "XA", link.iccs_code == "0701")
            .order_by(link.max_penalty_months.desc()).limit(10))
    ranged = (select(link.offence_id).where(link.jurisdiction == "XA", link.iccs_code > "0701",
                                            link.iccs_code < "0702")
              .order_by(link.iccs_code).limit(10))
    for query in (stmt, ranged):
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(row[-1]) for row in db.session.execute(
            text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "ix_catalogue_offence_iccs_lookup" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # no sort: rows come in index order
