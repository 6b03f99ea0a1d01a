"""An outgoing request ready for its request document (used by tests/documents and by
tests/browser/test_generated_documents.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def outgoing_request(db: Any, make_case: Callable[..., Any], create_user: Callable[..., Any],
                     *, logo: bytes, assign: bool = False, **case_fields: Any
                     ) -> tuple[Any, Any]:
    """An outgoing MLA request from the Zembla-Ville prosecution office to the French
    central authority (which reads French), a suspect in Lyon, and the letterhead set with
    ``logo``; ``case_fields`` add to or replace the request's fields. Returns the request
    and its caseworker, who registered it (and is its assignee with ``assign``)."""
    from mla.cases.services import PersonInput
    from mla.core.transaction import unit_of_work
    from mla.directory.models import Authority
    from mla.documents.letterhead import LetterheadInput, set_letterhead

    office = Authority(name="Parquet de Zembla-Ville", country_code="XZ", kind="prosecution")
    counterpart = Authority(name="Bureau de l'entraide pénale internationale",
                            country_code="FR", kind="central_authority", languages=["fr"],
                            address="13 place Vendôme\n75001 Paris")
    db.session.add_all([office, counterpart])
    db.session.commit()
    worker = create_user("caseworker")
    fields: dict[str, Any] = {
        "direction": "outgoing", "kind": "mla", "counterpart_country": "FR",
        "counterpart_authority_id": counterpart.id, "domestic_authority_id": office.id,
        "domestic_reference": "PZ-2026-114", "counterpart_reference": "BEPI-77",
        "persons": [PersonInput(role="suspect", full_name="Jean Fictif", nationality="XZ",
                                address="Lyon")],
    }
    if assign:
        fields["assignee_id"] = worker.id
    case = make_case(worker, **{**fields, **case_fields})
    with unit_of_work():
        set_letterhead(create_user("admin"), LetterheadInput(
            authority_name="Ministère de la Justice de Zembla – Autorité centrale",
            address="1 rue de la Loi\nZembla-Ville", signatory_name="Anna Exemple",
            signatory_title="Directrice de l'autorité centrale", logo=logo))
    return case, worker
