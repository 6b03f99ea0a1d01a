"""A letter is written in the counterpart's language through and through: not only the
template's sentences but every word Comity puts into it (the home state's name, the
rule's title and citation, a refusal ground, dates), whoever's page drafted it, and when
the scheduler drafted it with no page at all."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale, get_locale
from sqlalchemy import select, text

from mla.core.display import country_name
from mla.core.transaction import unit_of_work
from mla.deadlines.models import Deadline
from mla.deadlines.reminders import scan_deadlines
from mla.deadlines.rules import get_rule
from mla.deadlines.services import start_deadline
from mla.directory.models import Authority
from mla.dualcrim.services import record_assessment
from mla.notifications.letters import approve_letter, draft_letter, redraft_letter
from mla.notifications.models import Letter
from mla.workflow.grounds import GROUNDS_BY_CODE
from mla.workflow.services import apply_transition
from tests.deadlines.conftest import utc
from tests.notifications.helpers import settings_override
from tests.workflow.conftest import force_state

ECE_CITATION = "European Convention on Extradition 1957 (CETS 24), art. 16(4)"


@pytest.fixture
def germany(app):
    """Germany serves: its name differs in every language ("Allemagne", "Alemania")."""
    with settings_override(app, home_country="DE") as settings:
        yield settings


def _authority(db, languages: list[str], country: str = "FR") -> Authority:
    authority = Authority(name="Bureau de l'entraide pénale internationale",
                          country_code=country, kind="central_authority",
                          languages=languages, email="entraide@example.fr")
    db.session.add(authority)
    db.session.commit()
    return authority


def _arrested(db, make_case, authority: Authority):
    """An ECE provisional arrest on 2 November 2026: the formal request is due by the
    40th day, 12 December; its reminder is drafted 7 days before."""
    case = make_case(direction="incoming", kind="extradition", legal_basis="ECE",
                     counterpart_country="FR", counterpart_authority_id=authority.id,
                     measures=[], counterpart_reference="BEPI-2026-41")
    with unit_of_work():
        start_deadline(case, "ece_provisional_arrest", actor="t",
                       values={"arrested_on": date(2026, 11, 2)})
    return case


def _home_in_french() -> str:
    with force_locale("fr"):
        return country_name("DE", "fr")


def test_the_scheduler_drafts_the_reminder_in_the_counterparts_language(
        app, db, make_case, set_now, germany):
    """No request, and an instance whose default language is Chinese: the French
    counterpart's reminder is French, dates and names included."""
    authority = _authority(db, ["fr"])
    _arrested(db, make_case, authority)
    home = _home_in_french()
    assert home == "Allemagne"
    with settings_override(app, default_locale="zh"):
        set_now(utc(2026, 12, 5, 9))
        scan_deadlines()
    letter = db.session.scalars(select(Letter)).one()
    assert letter.language == "fr" and letter.template_code == "formal_request_reminder"
    assert "le 12 décembre 2026" in letter.subject
    assert "arrêtée provisoirement le 2 novembre 2026" in letter.body
    assert ECE_CITATION in letter.body                 # a legal citation stays as it is
    assert f"Autorité centrale, {home}" in letter.body
    assert letter.body.rstrip().endswith("5 décembre 2026")
    for english in ("Germany", "December", "2026-12-12", "2026-11-02"):
        assert english not in letter.subject + letter.body, english


def test_an_english_page_redrafting_in_french_writes_french_words(
        app, db, make_case, set_now, create_user, login_as, client, csrf_token):
    """A counterpart with no template in its language gets English; the caseworker, whose
    own pages are English, asks for French: every inserted word follows the letter. The
    home state is the fictional Zembla (XZ): its name is kept as it was given."""
    set_now(utc(2026, 11, 5, 9))  # sessions run on real time: stay before it
    authority = _authority(db, ["de"])
    case = _arrested(db, make_case, authority)
    deadline = db.session.scalars(select(Deadline)).one()
    with unit_of_work():
        letter = draft_letter(case, "formal_request_reminder", actor="t", deadline=deadline)
    assert letter.language == "en"
    assert ECE_CITATION in letter.body and "Central authority, Zembla" in letter.body
    assert "December 12, 2026" in letter.subject and "November 2, 2026" in letter.body

    worker = create_user("caseworker")
    worker.language = "en"
    db.session.commit()
    login_as(worker)
    response = client.post(f"/letters/{letter.id}/language", data={
        "csrf_token": csrf_token(f"/letters/{letter.id}"), "language": "fr"},
        follow_redirects=True)
    assert response.status_code == 200
    assert '<html lang="en"' in response.get_data(as_text=True)  # the page stays English
    db.session.expire_all()
    assert letter.language == "fr"
    assert "le 12 décembre 2026" in letter.subject
    assert f"En application de {ECE_CITATION}" in letter.body
    assert "Autorité centrale, Zembla" in letter.body
    assert "2 novembre 2026" in letter.body and "5 novembre 2026" in letter.body
    for english in ("December", "November"):
        assert english not in letter.subject + letter.body, english


def test_the_rule_title_is_looked_up_in_the_letters_language(app, db, make_case, germany):
    """The EIO delay notice names the clock: in the letter's language, on an English
    page (a request whose locale is English)."""
    from mla.deadlines.services import extend_deadline

    authority = _authority(db, ["es"], country="ES")
    case = make_case(direction="incoming", kind="mla", legal_basis="EIO",
                     counterpart_country="ES", counterpart_authority_id=authority.id,
                     measures=[], counterpart_reference="EIO-ES-7")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert str(get_locale()) == "en"
        with unit_of_work():
            deadline = start_deadline(case, "eio_recognition", actor="t",
                                      values={"received_on": date(2026, 6, 1)})
            extend_deadline("t", deadline, reason="Testigo en el extranjero", days=30)
        with force_locale("es"):
            title = get_rule("eio_recognition").title_text
    letter = db.session.scalars(select(Letter)).one()
    assert letter.language == "es" and title != get_rule("eio_recognition").title
    assert f"({title})" in letter.body and "Alemania" in letter.body


def test_an_arabic_refusal_notice_gives_its_ground_in_arabic(
        app, db, make_case, create_user):
    """Taken from an English page: the ground the caseworker chose is written in the
    notice in Arabic, with its citation as it is."""
    authority = _authority(db, ["ar"], country="MA")
    worker, supervisor = create_user("caseworker"), create_user("supervisor")
    case = make_case(actor=worker, direction="incoming", kind="mla", legal_basis="UNTOC",
                     counterpart_country="MA", counterpart_authority_id=authority.id,
                     counterpart_reference="MA-EJ-2026-3")
    for offence in case.offences:
        record_assessment(worker, case, offence, iccs=list(offence.iccs_codes),
                          decision="satisfied", justification="An offence here too.")
    force_state(db, case, "decision")
    ground = GROUNDS_BY_CODE["essential_interests"]
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert str(get_locale()) == "en"
        apply_transition(worker, case, "propose_refusal", expected_version=case.version,
                         values={"refusal_ground": ground.code,
                                 "reasons": "الكشف عن سر من أسرار الدولة.",
                                 "consultation": "held"})
        apply_transition(supervisor, case, "approve_refusal", expected_version=case.version)
        db.session.commit()
        with force_locale("ar"):
            arabic = ground.label_text
    assert arabic != ground.label
    letter = db.session.scalars(select(Letter).where(
        Letter.template_code == "refusal_notice")).one()
    assert letter.language == "ar"
    assert f"سبب الرفض: {arabic}" in letter.body
    assert ground.label not in letter.body
    assert "الكشف عن سر من أسرار الدولة." in letter.body


def test_the_report_on_the_prosecution_gives_its_outcome_in_the_letters_language(
        app, db, ready_case, users, set_now):
    """The outcome is Comity's own label: drafted from an English page, a French report
    says it in French, with its days in words."""
    from mla.undertakings import services as u

    worker = users["caseworker"]
    set_now(utc(2026, 2, 20, 9))
    case = ready_case("incoming_extradition", "executive_decision")
    case.counterpart_authority.languages = ["fr"]
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert str(get_locale()) == "en"
        apply_transition(worker, case, "propose_refusal", expected_version=case.version,
                         values={"ground": "nationality", "reasons": "Notre ressortissant."})
        apply_transition(users["supervisor"], case, "approve_refusal",
                         expected_version=case.version)
        apply_transition(worker, case, "refer_for_prosecution", expected_version=case.version,
                         values={"executing_authority_id": case.domestic_authority_id})
        referral = u.referral_of(case)
        set_now(utc(2026, 3, 5, 9))
        u.record_outcome(worker, referral, outcome="convicted", outcome_on=date(2026, 3, 2),
                         details="Condamné à 4 ans.", domestic_reference="XZ-PP-2026-11")
        letter = u.report_back(worker, referral)
        db.session.commit()
        with force_locale("fr"):
            convicted = str(u.REFERRAL_OUTCOMES["convicted"])
    assert letter.language == "fr" and convicted != "Convicted"
    assert f"{convicted} (2 mars 2026)" in letter.body
    assert "le 20 février 2026" in letter.body
    assert "Convicted" not in letter.body and "2026-03-02" not in letter.body


def test_a_letter_drafted_with_no_request_gives_a_recorded_choice_in_its_language(
        app, db, ready_case, users, set_now):
    """A step taken where there is no page (a scheduled job, the CLI) on an instance whose
    default language is Chinese: the French refusal notice of a warrant gives the ground
    the court chose, a choice of the workflow's form, in French."""
    from flask import has_request_context

    from mla.core.i18n import data_text, workflow_key
    from mla.workflow.registry import as_written, definition_for_case

    set_now(utc(2026, 3, 10, 9))
    case = ready_case("incoming_eaw", "before_court")
    case.counterpart_authority.languages = ["fr"]
    db.session.commit()
    step = as_written(definition_for_case(case)).transition("court_refuses")
    english = dict(step.fields[0].choices)["art4_4_statute_barred"]
    assert not has_request_context()
    with settings_override(app, default_locale="zh"):
        apply_transition(users["caseworker"], case, "court_refuses",
                         expected_version=case.version,
                         values={"ground": "art4_4_statute_barred",
                                 "reasons": "Prescription acquise le 1er mars 2026."})
        db.session.commit()
        with force_locale("fr"):
            french = data_text(workflow_key("incoming_eaw", "step", "court_refuses", "field",
                                            "ground", "choice", "art4_4_statute_barred"),
                               english)
    assert french != english
    letter = db.session.scalars(select(Letter).where(
        Letter.template_code == "refusal_notice")).one()
    assert letter.language == "fr"
    assert f"Motif de refus : {french}" in letter.body
    assert english not in letter.body
    assert "Prescription acquise le 1er mars 2026." in letter.body


def _redrafted(db, worker, code: str, language: str) -> Letter:
    letter = db.session.scalars(select(Letter).where(Letter.template_code == code)).one()
    redraft_letter(worker, letter, language)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Letter, letter.id)


def test_a_refusal_notice_redrafted_in_spanish_keeps_what_the_step_recorded(
        app, db, ready_case, users, set_now):
    """The counterpart reads German, which Comity has no template in: the notice is
    drafted in English and the caseworker asks for Spanish. The court's ground, its
    reasons and the caseworker's note typed at the step are all in the Spanish letter;
    what the letter was drafted from is kept sealed, like the timeline's comments."""
    set_now(utc(2026, 3, 10, 9))
    case = ready_case("incoming_eaw", "before_court")
    case.counterpart_authority.languages = ["de"]
    db.session.commit()
    reasons = "Prescripción: los hechos se cometieron el 4 de enero de 2001."
    note = "Se remite copia de la resolución del tribunal."
    apply_transition(users["caseworker"], case, "court_refuses", expected_version=case.version,
                     values={"ground": "art4_4_statute_barred", "reasons": reasons},
                     comment=note)
    db.session.commit()
    english = db.session.scalars(select(Letter)).one()
    assert english.language == "en" and reasons in english.body and note in english.body
    stored = db.session.execute(text("SELECT drafted_values FROM letters")).scalar_one()
    assert reasons.encode() not in bytes(stored) and note.encode() not in bytes(stored)

    letter = _redrafted(db, users["caseworker"], "refusal_notice", "es")
    assert letter.language == "es" and letter.is_translation_needed
    assert "Motivo de denegación:" in letter.body
    assert reasons in letter.body
    assert note in letter.body
    approve_letter(users["supervisor"], letter)
    db.session.commit()
    assert letter.drafted_values is None  # kept only while it may be drafted again


def test_a_redrafted_letter_writes_the_steps_dates_and_labels_in_its_new_language(
        app, db, ready_case, users, set_now):
    """A day the step recorded, and a label Comity passed (the outcome of a prosecution),
    are written again in the new language, not kept in the first one's words."""
    from mla.undertakings import services as u

    worker = users["caseworker"]
    set_now(utc(2026, 3, 10, 9))
    case = ready_case("incoming_eaw", "surrender_pending")
    case.counterpart_authority.languages = ["fr"]
    db.session.commit()
    apply_transition(worker, case, "agree_new_surrender_date", expected_version=case.version,
                     values={"new_surrender_on": date(2026, 4, 2), "cause": "humanitarian",
                             "reasons": "Hospitalisation de la personne recherchée."},
                     comment="Escorte à confirmer.")
    db.session.commit()
    french = db.session.scalars(select(Letter)).one()
    assert french.language == "fr" and "2 avril 2026" in french.body
    letter = _redrafted(db, worker, "eaw_surrender_arrangements", "es")
    assert "2 de abril de 2026" in letter.body and "avril" not in letter.body
    assert "Hospitalisation de la personne recherchée." in letter.body
    assert "Escorte à confirmer." in letter.body

    case = ready_case("incoming_extradition", "executive_decision")
    case.counterpart_authority.languages = ["fr"]
    db.session.commit()
    apply_transition(worker, case, "propose_refusal", expected_version=case.version,
                     values={"ground": "nationality", "reasons": "Notre ressortissant."})
    apply_transition(users["supervisor"], case, "approve_refusal",
                     expected_version=case.version)
    apply_transition(worker, case, "refer_for_prosecution", expected_version=case.version,
                     values={"executing_authority_id": case.domestic_authority_id})
    referral = u.referral_of(case)
    set_now(utc(2026, 3, 20, 9))
    u.record_outcome(worker, referral, outcome="convicted", outcome_on=date(2026, 3, 16),
                     details="Condamné à 4 ans.", domestic_reference="XZ-PP-2026-11")
    u.report_back(worker, referral)
    db.session.commit()
    with force_locale("es"):
        convicted = str(u.REFERRAL_OUTCOMES["convicted"])
    assert convicted != "Convicted"
    letter = _redrafted(db, worker, "aut_dedere_report", "es")
    assert f"{convicted} (16 de marzo de 2026)" in letter.body
    assert "Condamné à 4 ans." in letter.body and "XZ-PP-2026-11" in letter.body
