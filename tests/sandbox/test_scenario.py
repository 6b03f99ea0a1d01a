"""Scenario packs: each request reaches its stage with real history; reset starts over."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mla.core import clock


def _case(db, key):
    from tests.sandbox.helpers import scenario_case

    return scenario_case(db, key)


def test_the_shipped_pack_loads_every_request_at_its_stage(db, real_time_stands_still, loaded):
    from mla.dualcrim.models import OffenceCatalogue
    from mla.reference.models import Country
    from mla.sandbox.models import CounterpartProfile, Exercise

    pack = loaded()
    expected = {"arcadia-extradition": ("incoming", "extradition", "ECE", "arrested",
                                        ["record_arrest"]),
                "borduria-bank-records": ("incoming", "mla", "UNTOC", "under_review",
                                          ["acknowledge"]),
                "carpania-eio": ("outgoing", "mla", "EIO", "transmitted",
                                 ["submit", "submit_for_signature", "sign", "transmit"])}
    for key, (direction, kind, basis, state, steps) in expected.items():
        case = _case(db, key)
        assert (case.direction, case.kind, case.legal_basis, case.state) == \
            (direction, kind, basis, state), key
        history = [e for e in case.events if e.kind == "transition"]
        assert [e.transition for e in history] == steps
        # Four eyes: the signature is a second person's, as in a real office.
        assert [e.actor.username for e in history] == [
            "scenario.approver" if e.transition == "sign" else "scenario.desk" for e in history]
        assert all(e.at < pack.start for e in history)  # history before the class starts
    arrest = next(e for e in _case(db, "arcadia-extradition").events
              if e.transition == "record_arrest")
    assert arrest.at.date() == pack.start.date() - timedelta(days=3)
    assert arrest.data["values"]["arrested_on"] == (pack.start.date()
                                                    - timedelta(days=3)).isoformat()
    assert all(db.session.get(Country, c).is_fictional for c in ("XA", "XB", "XC", "XZ"))
    assert {c.jurisdiction for c in db.session.scalars(select(OffenceCatalogue))} == \
        {"XA", "XB", "XC", "XZ"}
    assert db.session.scalar(select(func.count()).select_from(Exercise)) == 5
    assert db.session.get(CounterpartProfile, "XC").supplementary_probability == 100
    assert clock.now() - pack.start < timedelta(seconds=5)


def test_reset_wipes_the_class_work_and_keeps_accounts(db, real_time_stands_still, loaded,
                                                       trainer, make_case, create_user):
    from mla.auth.models import User
    from mla.cases.models import Case
    from mla.notifications.models import OutboxMessage
    from mla.sandbox.scenario import reset_scenario
    from mla.sandbox.services import advance_clock

    pack = loaded()
    trainee = create_user("trainee")  # gets their own copy of the 3 requests
    make_case(actor=trainee, counterpart_country="XA")
    advance_clock(trainer, days=20)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3 + 3 + 1
    users_before = set(db.session.scalars(select(User.username)))

    reset_scenario(trainer)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3 + 3  # copies rebuilt
    assert db.session.scalar(select(func.count()).select_from(Case)
                             .where(Case.created_by_id == trainee.id)) == 0
    assert set(db.session.scalars(select(User.username))) == users_before
    assert clock.now() - pack.start < timedelta(seconds=5)
    assert all(m.created_at < pack.start + timedelta(seconds=5)
               for m in db.session.scalars(select(OutboxMessage)))
    assert _case(db, "arcadia-extradition").reference.endswith("-00001")  # counters restart


def test_reset_drops_the_report_figures_kept(app, db, real_time_stands_still, loaded,
                                              trainer, monkeypatch):
    # Kept figures are the wiped requests' (the oldest list names them), computed at a
    # simulated instant the rewound clock reaches again only days later: served as
    # fresh until then unless the reset drops them.
    import dataclasses

    from mla.reports.filters import parse_filters
    from mla.reports.ready import ReportFigures, figures
    from mla.sandbox.scenario import reset_scenario
    from mla.sandbox.services import advance_clock

    settings = app.extensions["mla.settings"]
    monkeypatch.setitem(app.extensions, "mla.settings",
                        dataclasses.replace(settings, report_figures_max_age=900))
    loaded()
    advance_clock(trainer, days=20)
    with app.test_request_context():
        kept = figures(trainer, "workload", parse_filters({}))
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ReportFigures)) == 1

    reset_scenario(trainer)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ReportFigures)) == 0
    with app.test_request_context():
        assert figures(trainer, "workload", parse_filters({})).computed_at < kept.computed_at


def test_reset_through_the_page_keeps_the_trainer_signed_in(client, db, loaded, trainer,
                                                            login_as, csrf_token):
    loaded()
    login_as(trainer)
    token = csrf_token("/sandbox/")
    assert client.post("/sandbox/clock/advance",
                       data={"days": "30", "csrf_token": token}).status_code == 302
    response = client.post("/sandbox/reset", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get("/sandbox/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Scenario day 0 " in html, html[html.find("h-clock"):][:800]


def test_a_broken_copy_names_every_problem_and_changes_nothing(db, loaded, trainer, tmp_path):
    from mla.cases.models import Case
    from mla.sandbox.pack import PackError
    from mla.sandbox.scenario import load_pack

    loaded()
    copy = tmp_path / "broken"
    shutil.copytree(__import__("mla.sandbox.pack", fromlist=["x"]).SCENARIO_DIR / "first-week",
                    copy)
    text = (copy / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace('code = "XB"', 'code = "FR"', 1)
    text = text.replace('transition = "sign"', 'transition = "sign"\ncolour = "red"', 1)
    text = text.replace('check = "took_step"', 'check = "eval_python"', 1)
    text = text.replace('catalogue = "offences-XC.csv"', 'catalogue = "missing.csv"', 1)
    (copy / "scenario.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(trainer, str(copy))
    problems = "\n".join(caught.value.problems)
    assert "'FR' is not an ISO user-assigned code" in problems
    assert "unknown key 'colour'" in problems
    assert "unknown check 'eval_python'" in problems
    assert "no file 'missing.csv'" in problems
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3


def test_a_step_the_workflow_refuses_is_named(db, loaded, trainer, tmp_path):
    from mla.sandbox.pack import SCENARIO_DIR, PackError
    from mla.sandbox.scenario import load_pack

    copy = tmp_path / "refused"
    shutil.copytree(SCENARIO_DIR / "first-week", copy)
    text = (copy / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace('transition = "record_arrest"', 'transition = "court_allows"', 1)
    (copy / "scenario.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(trainer, str(copy))
    assert "request 'arcadia-extradition': steps[1] 'court_allows'" in caught.value.problems[0]


def test_cli_loads_once_and_creates_the_trainer(runner, db):
    result = runner.invoke(args=["sandbox", "load", "first-week", "--if-empty",
                                 "--trainer", "trainer1"])
    assert result.exit_code == 0, result.output
    assert "Loaded 'first-week': 3 requests, 5 exercises; 1 more arriving" in result.output
    assert "Trainer login: trainer1 / " in result.output
    again = runner.invoke(args=["sandbox", "load", "first-week", "--if-empty",
                                "--trainer", "trainer1"])
    assert "already loaded; nothing changed" in again.output
    assert "Trainer login" not in again.output
