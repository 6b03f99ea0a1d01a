"""What people read: no internal names, plurals right, "tomorrow" meaning tomorrow,
a favicon, a letter editor tall enough, long text that wraps."""

from __future__ import annotations

from datetime import date

from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import select

from mla.cases.services import PersonInput, add_event
from mla.core import clock
from mla.core.display import days_left, due_in, duration_days, humanise, relative_day
from mla.core.transaction import unit_of_work
from mla.deadlines.reminders import scan_deadlines
from mla.deadlines.services import start_deadline
from mla.directory.models import Authority
from mla.notifications.forms import ApproveLetterForm
from mla.notifications.models import OutboxMessage
from mla.workflow.services import apply_transition
from tests.deadlines.conftest import utc


def test_plurals_and_relative_days(app_ctx):
    with force_locale("en"):
        assert duration_days(1) == "1 day" and duration_days(2) == "2 days"
        assert duration_days(1, business=True) == "1 business day"
        assert days_left(1) == "1 day left" and days_left(-1) == "1 day overdue"
        assert days_left(3, business=True) == "3 business days left"
        assert days_left(0) == "due today"
        assert relative_day(-3) == "3 days before" and relative_day(1) == "1 day after"
        assert due_in(1) == "Due tomorrow" and due_in(2) == "Due in 2 days"
        assert humanise("central_authority") == "Central authority"


def test_due_tomorrow_on_a_friday_is_never_monday(make_case, create_user, monkeypatch, db):
    def set_now(at):
        monkeypatch.setattr(clock, "real_now", lambda: at)

    worker = create_user("caseworker")
    case = make_case(worker, kind="mla", legal_basis="UNTOC", measures=[],
                     assignee_id=worker.id)
    set_now(utc(2026, 3, 2, 9))
    with unit_of_work():
        start_deadline(case, "sla_decision", actor="t")  # business days: due Mon 30 March
    set_now(utc(2026, 3, 27, 9))                         # Fri: 1 business day before
    scan_deadlines()
    subjects = db.session.scalars(select(OutboxMessage.subject)).all()
    assert subjects and all(s.startswith("Due in 3 days") for s in subjects), subjects


def test_a_step_is_notified_by_its_label_not_its_name(make_case, create_user, db):
    create_user("supervisor")
    worker = create_user("caseworker")
    case = make_case(worker, kind="extradition", legal_basis="ECE", counterpart_country="FR",
                     measures=[], persons=[PersonInput(role="suspect", full_name="Ana Sought")])
    apply_transition(worker, case, "record_arrest", expected_version=case.version,
                     values={"arrested_on": date.today().isoformat()})
    db.session.commit()
    texts = [f"{n.subject} {n.body}" for n in db.session.scalars(select(OutboxMessage))]
    step = [t for t in texts if "Record the provisional arrest" in t]
    assert step, texts
    for text in texts:
        assert "record arrest" not in text and "record_arrest" not in text
        assert "moved to" not in text and ": arrested" not in text


def test_directory_shows_channels_in_words(create_user, login_as, client, db):
    db.session.add(Authority(name="Central Authority of Ruritania", country_code="XZ",
                             kind="central_authority", channels=["central_authority", "post"]))
    db.session.commit()
    login_as(create_user("caseworker"))
    html = client.get("/directory/").get_data(as_text=True)
    assert "Central authority to central authority" in html and "Post / courier" in html
    assert "central_authority" not in html.split("<tbody>", 1)[1]


def test_dual_criminality_training_list_shows_outcomes_in_words(create_user, login_as, client):
    login_as(create_user("caseworker"))
    html = client.get("/dual-criminality/check").get_data(as_text=True)
    assert "not_satisfied" not in html and "not_required" not in html


def test_favicon_is_served_by_the_app(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in html
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200 and b"<svg" in response.data
    response.close()


def test_letter_editor_is_tall_enough(app_ctx):
    with app_ctx.test_request_context():
        assert 'rows="24"' in str(ApproveLetterForm(meta={"csrf": False}).body())


def test_long_unbroken_text_wraps(client):
    css = client.get("/static/css/app.css")
    assert b"overflow-wrap: anywhere" in css.data
    css.close()


def test_timeline_names_outcomes_and_steps_in_words(make_case, create_user, login_as, client):
    worker = create_user("caseworker")
    case = make_case(worker)
    with unit_of_work():
        add_event(case, worker, "dc_assessment", data={"verdict": "not_satisfied",
                                                       "offence": "Fraud"})
        add_event(case, worker, "document_required", data={"document": "arrest_warrant"})
    login_as(worker)
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    timeline = html[html.index('id="h-timeline"'):]
    assert "Not satisfied" in timeline and "not_satisfied" not in timeline
    assert "Arrest warrant" in timeline


def test_statuses_and_channels_of_messages_and_clocks_in_words(app_ctx):
    with app_ctx.test_request_context():
        shown = render_template_string(
            "{{ 'in_app'|message_channel }}|{{ 'sandboxed'|message_status }}|"
            "{{ 'dead'|message_status }}|{{ 'missed'|deadline_status }}|{{ 'odd_code'|humanise }}")
    assert shown == ("in Comity|kept (training sandbox: never sent)|not delivered|missed|"
                     "Odd code")
