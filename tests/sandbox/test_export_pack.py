"""A closed request exported as a pack skeleton holds no real name, date of birth,
identifier, address, reference or state: canaries planted everywhere are searched for
in every byte written, and the skeleton loads as a pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from mla.audit.models import AuditEntry
from mla.cases.services import OffenceInput, PersonInput
from mla.core.errors import ApiError
from mla.documents.services import Upload, store_document
from mla.sandbox.export import export_pack
from mla.sandbox.scenario import load_pack
from mla.workflow.services import apply_transition

CANARIES = {
    "name": "Quillon Zarathustrov", "given": "Quillon", "family": "Zarathustrov",
    "witness": "Wendeline Okonkwo-Brisbane",
    "dob": "1983-07-19", "dob_local": "19/07/1983",
    "identifier": "PASSPORT-QX998877", "id_number": "QX998877",
    "street": "Canarystrasse", "address": "41 Canarystrasse, 8808 Pfäffikon",
    "counterpart_ref": "CANREF-5511-ZZ", "domestic_ref": "DOMCAN-7733",
    "colleague": "Ottoline Pemberley-Canary",
}


@pytest.fixture
def closed_case(db, create_user, make_case):
    worker = create_user("caseworker", username="ottoline",
                         display_name=CANARIES["colleague"])
    c = CANARIES
    case = make_case(
        worker, counterpart_country="FR", legal_basis="UNTOC",
        title=f"Bank records of {c['family']}",
        summary=(f"{c['name']} (born {c['dob_local']}, passport {c['identifier']}) lives at "
                 f"{c['address']}; {c['witness']} saw him. Our file {c['domestic_ref']}, "
                 f"France's {c['counterpart_ref']}. Mr {c['family']} denies it."),
        counterpart_reference=c["counterpart_ref"], domestic_reference=c["domestic_ref"],
        offences=[OffenceInput(label=f"Fraud by {c['given']}", statute="Code pénal art. 313",
                               max_penalty_months=60, iccs=["0701"],
                               conduct=f"{c['family']} sold fake tickets from {c['street']}.")],
        persons=[PersonInput(role="suspect", full_name=c["name"], date_of_birth=c["dob"],
                             nationality="French", identifiers=c["identifier"],
                             address=c["address"]),
                 PersonInput(role="witness", full_name=c["witness"])])
    store_document(worker, case, Upload(f"{c['family']}_passport_{c['id_number']}.pdf",
                                        b"%PDF-1.4 canary"))
    apply_transition(worker, case, "acknowledge", expected_version=case.version,
                     comment=f"Called {c['given']}'s lawyer; {c['colleague']} agrees.")
    apply_transition(worker, case, "withdraw", expected_version=case.version,
                     comment=f"France withdrew: {c['name']} was arrested at {c['street']}.")
    db.session.commit()
    return case


def test_the_export_holds_no_planted_personal_datum_and_loads(db, closed_case, create_user,
                                                              tmp_path, runner, trainer):
    result = runner.invoke(args=["sandbox", "export-pack", closed_case.reference,
                                 "--out", str(tmp_path / "pack")])
    assert result.exit_code == 0, result.output
    written = b"".join(p.read_bytes() for p in sorted((tmp_path / "pack").iterdir()))
    assert b"withdraw" in written and b"Fraud by" in written  # it did export the request
    for what, canary in CANARIES.items():
        for form in {canary, canary.lower(), canary.upper()}:
            assert form.encode() not in written, f"{what} leaked: {form}"
    for real in (b"France", b"FR\"", closed_case.reference.encode(), b"French"):
        assert real not in written
    assert db.session.query(AuditEntry).filter_by(
        action="sandbox.pack_exported", object_id=closed_case.reference).count() == 1

    pack = load_pack(trainer, str(tmp_path / "pack"))
    db.session.commit()
    assert [r.key for r in pack.requests] == ["exported"]
    assert pack.requests[0].persons[0]["full_name"] == "Anton Vesk"


def test_only_a_closed_request_and_only_an_admin(db, make_case, create_user, closed_case):
    open_case = make_case()
    with pytest.raises(ApiError, match="closed"):
        export_pack(create_user("admin"), open_case.reference)
    with pytest.raises(ApiError, match="administrator"):
        export_pack(create_user("supervisor"), closed_case.reference)
    exported = export_pack(create_user("admin"), closed_case.reference)
    assert "scenario.toml" in exported.files


def test_export_refuses_a_folder_that_is_not_empty(runner, closed_case, tmp_path: Path):
    (tmp_path / "keep.txt").write_text("x")
    result = runner.invoke(args=["sandbox", "export-pack", closed_case.reference,
                                 "--out", str(tmp_path)])
    assert result.exit_code != 0 and "not empty" in result.output
