"""Person links stay within a sandbox copy: every trainee's copy names the same
fictional persons, so link detection (mla/persons) must never propose a link between
requests of two copies (cases.sandbox_copy_id), whichever way a request is registered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from tests.sandbox.helpers import scenario_case

KEY = "arcadia-extradition"


def _links(db: Any) -> list[tuple[int | None, int | None]]:
    from mla.cases.models import Case
    from mla.persons.models import CaseLink

    one, other = aliased(Case), aliased(Case)
    return [(a, b) for a, b in db.session.execute(
        select(one.sandbox_copy_id, other.sandbox_copy_id).select_from(CaseLink)
        .join(one, one.id == CaseLink.case_id).join(other, other.id == CaseLink.other_case_id))]


def test_links_are_found_within_a_copy_never_across_copies(db, loaded, create_user):
    from mla.cases.services import CaseInput, PersonInput, register_case
    from mla.persons.services import preview_links
    from mla.sandbox.copies import copy_id_of

    loaded()
    amira, bruno = create_user("trainee"), create_user("trainee")
    scenario = scenario_case(db, KEY, amira)
    person = scenario.persons[0].decrypted()
    mine = register_case(amira, CaseInput(
        direction="incoming", kind="mla", counterpart_country=scenario.counterpart_country,
        legal_basis="UNTOC", title="Bank records of the same person",
        persons=[PersonInput(role="suspect", full_name=str(person["full_name"]),
                             date_of_birth=str(person.get("date_of_birth") or ""))]))
    db.session.commit()
    assert mine.sandbox_copy_id == copy_id_of(amira.id) is not None

    links = _links(db)
    assert (mine.sandbox_copy_id, mine.sandbox_copy_id) in links  # found within the copy
    assert all(a == b for a, b in links), links
    preview = preview_links(bruno, [], counterpart_country=scenario.counterpart_country,
                            counterpart_reference=scenario.counterpart_reference)
    assert all(p.case.sandbox_copy_id == copy_id_of(bruno.id) for p in preview)
