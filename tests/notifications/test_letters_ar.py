"""Letters exist in Arabic and are drafted in Arabic for a counterpart that accepts it.

(The structure of every translated letter, Arabic included, is checked against the English
one in test_letter_translations.py.)"""

from __future__ import annotations

from mla.directory.models import Authority
from mla.notifications.letters import LETTER_DIR, draft_letter, known_letter_templates


def test_every_letter_exists_in_arabic():
    missing = sorted(c for c in known_letter_templates()
                     if not (LETTER_DIR / f"{c}.ar.txt").is_file())
    assert not missing


def test_a_counterpart_accepting_arabic_gets_an_arabic_letter(db, make_case):
    authority = Authority(name="إدارة التعاون الدولي", country_code="MA",
                          kind="central_authority", languages=["ar", "fr"],
                          email="cooperation@example.ma")
    db.session.add(authority)
    db.session.commit()
    case = make_case(direction="outgoing", kind="mla", legal_basis="UNTOC",
                     counterpart_country="MA", counterpart_authority_id=authority.id,
                     measures=[], counterpart_reference="MA-EJ-2026-14")
    letter = draft_letter(case, "status_inquiry", actor="t", key="ar-1")
    assert letter.language == "ar"
    # The subject is Arabic; the references stay as they are, in Latin script.
    assert letter.subject.startswith("استعلام عن الحالة") and "MA-EJ-2026-14" in letter.subject
    assert case.reference in letter.subject
    assert letter.body.startswith("إدارة التعاون الدولي،")
    assert "السلطة المركزية،" in letter.body and "{{" not in letter.body
