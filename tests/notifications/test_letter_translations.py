"""Every letter exists in Spanish and a counterpart accepting Spanish gets it (the
placeholders of every translated letter are held to the English ones in
test_letter_languages.py)."""

from __future__ import annotations

from mla.directory.models import Authority
from mla.notifications.letters import LETTER_DIR, draft_letter, known_letter_templates


def test_every_letter_exists_in_spanish():
    missing = sorted(c for c in known_letter_templates()
                     if not (LETTER_DIR / f"{c}.es.txt").is_file())
    assert known_letter_templates() and not missing


def test_a_counterpart_accepting_spanish_gets_a_spanish_letter(db, make_case):
    authority = Authority(name="Subdirección General de Cooperación Jurídica Internacional",
                          country_code="ES", kind="central_authority", languages=["es", "en"],
                          email="cooperacion@example.es")
    db.session.add(authority)
    db.session.commit()
    case = make_case(direction="outgoing", kind="mla", legal_basis="UNTOC",
                     counterpart_country="ES", counterpart_authority_id=authority.id,
                     measures=[], counterpart_reference="AJI-2026-9")
    letter = draft_letter(case, "status_inquiry", actor="t", key="es-1")
    assert letter.language == "es"
    assert letter.subject.startswith("Consulta sobre el estado") and "AJI-2026-9" in letter.subject
    assert letter.body.startswith("Subdirección General") and "Autoridad central," in letter.body
