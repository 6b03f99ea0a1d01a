"""Every trainee works on their own copy of the scenario (CONTRACT v1.1, Sandbox).

Two trainees do the same exercise independently; neither reaches the other's
requests through any page or the API; a team shares one copy; one trainee (or a late
arrival) gets a fresh copy at the class's current time; outside a sandbox nothing
changes.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mla.core import clock
from tests.sandbox.helpers import scenario_case

KEY = "arcadia-extradition"


def _formal_request(db, trainee):
    from mla.workflow.services import apply_transition

    case = scenario_case(db, KEY, trainee)
    apply_transition(trainee, case, "formal_request_received", expected_version=case.version)
    db.session.commit()
    return case


def _custody_exercise(user):
    from mla.sandbox.exercises import progress

    result = next(r for r in progress([user.id])[user.id] if r.exercise.code == "custody-clock")
    return [c.passed for c in result.checks]


def test_each_trainee_gets_their_own_copy_of_every_request(db, loaded, create_user):
    from mla.cases.models import Case

    loaded()
    amira, bruno = create_user("trainee"), create_user("trainee")
    mine, theirs = scenario_case(db, KEY, amira), scenario_case(db, KEY, bruno)
    trainers = scenario_case(db, KEY)
    assert len({mine.id, theirs.id, trainers.id}) == 3
    assert len({mine.reference, theirs.reference, trainers.reference}) == 3
    assert mine.state == theirs.state == trainers.state == "arrested"
    assert [e.transition for e in mine.events if e.kind == "transition"] == ["record_arrest"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3 * 3


def test_two_trainees_do_the_same_exercise_independently(db, loaded, create_user):
    loaded()
    amira, bruno = create_user("trainee"), create_user("trainee")
    _formal_request(db, amira)
    assert _custody_exercise(amira) == [True, True]
    assert _custody_exercise(bruno) == [False, False]  # nothing done yet, but still possible
    assert scenario_case(db, KEY, bruno).state == "arrested"
    _formal_request(db, bruno)
    assert _custody_exercise(bruno) == [True, True]
    assert scenario_case(db, KEY).state == "arrested"  # the trainer's copy is untouched


def test_a_trainee_cannot_act_on_another_trainees_request(db, loaded, create_user):
    from mla.core.errors import NotFound
    from mla.workflow.services import apply_transition

    loaded()
    amira, bruno = create_user("trainee"), create_user("trainee")
    theirs = scenario_case(db, KEY, bruno)
    with pytest.raises(NotFound):
        apply_transition(amira, theirs, "formal_request_received",
                         expected_version=theirs.version)


def _references(html: str) -> set[str]:
    return set(re.findall(r"(?:MLA|EXT)-(?:IN|OUT)-\d{4}-\d{5}", html))


def test_lists_pages_and_the_api_show_a_trainee_their_copy_only(
        client, db, loaded, create_user, trainer, login_as, api_token):
    from mla.cases.models import Case

    loaded()
    amira, bruno = create_user("trainee"), create_user("trainee")
    own = {c.reference for c in db.session.scalars(select(Case).where(
        Case.sandbox_copy_id == scenario_case(db, KEY, amira).sandbox_copy_id))}
    other = scenario_case(db, KEY, bruno).reference
    assert len(own) == 3

    login_as(amira)
    listed = _references(client.get("/requests/?per_page=200").get_data(as_text=True))
    assert listed == own
    assert _references(client.get("/").get_data(as_text=True)) <= own  # the home page
    assert client.get(f"/requests/{other}").status_code == 404
    assert client.get(f"/requests/{scenario_case(db, KEY, amira).reference}").status_code == 200

    headers = api_token(amira)
    api = client.get("/api/v1/cases?per_page=200", headers=headers).get_json()
    assert {c["reference"] for c in api["items"]} == own
    answer = client.get(f"/api/v1/cases/{other}", headers=headers)
    assert answer.status_code == 404 and answer.is_json

    login_as(trainer)  # the trainer sees the whole class, their own copy included
    everyone = _references(client.get("/requests/?per_page=200").get_data(as_text=True))
    assert own | {other, scenario_case(db, KEY).reference} <= everyone


def _objects_of(db, case):
    """Ids of what hangs off a request, to put in every route's URL."""
    from mla.deadlines.models import Deadline
    from mla.notifications.models import Letter

    deadline = db.session.scalar(select(Deadline.id).where(Deadline.case_id == case.id))
    letter = db.session.scalar(select(Letter.id).where(Letter.case_id == case.id))
    return {"reference": case.reference, "offence_id": case.offences[0].id,
            "person_id": case.persons[0].id, "deadline_id": deadline or 1,
            "letter_id": letter or 1, "link_id": 1, "name": "formal_request_received"}


def test_every_route_about_a_request_answers_404_on_another_trainees(
        app, client, db, loaded, create_user, login_as, csrf_token, api_token):
    """Each page and API route that names a request, an offence, a person, a deadline or
    a letter, tried as trainee A with trainee B's: refused exactly as for objects that
    do not exist (no 2xx, no redirect, nothing to tell them apart), and nothing changed."""
    loaded()
    amira, bruno = create_user("trainee"), create_user("trainee")
    theirs = scenario_case(db, KEY, bruno)
    values, version = _objects_of(db, theirs), theirs.version
    missing = {k: ("EXT-IN-2026-99999" if k == "reference" else v if k == "name" else 999999)
               for k, v in values.items()}
    login_as(amira)
    token = csrf_token("/sandbox/exercises")
    headers = api_token(amira)

    def answer(rule, method, given):
        path = rule.build({k: given[k] for k in rule.arguments}, append_unknown=False)[1]
        if path.startswith("/api/"):
            body = None if method == "GET" else {"title": "Changed", "expected_version": version,
                                                 "transition": "formal_request_received"}
            return path, client.open(path, method=method, headers=headers, json=body)
        data = None if method == "GET" else {"csrf_token": token, "title": "Changed"}
        return path, client.open(path, method=method, data=data)

    tried = []
    for rule in app.url_map.iter_rules():
        names = set(rule.arguments)
        if not names & {"reference", "person_id", "letter_id"} or not names <= set(values):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            path, response = answer(rule, method, values)
            _nowhere, expected = answer(rule, method, missing)
            tried.append(f"{method} {rule.rule}")
            assert response.status_code >= 400, (method, path, response.status_code)
            assert response.status_code == expected.status_code, (method, path)
    assert len(tried) >= 20, tried
    db.session.expire_all()
    assert scenario_case(db, KEY, bruno).version == version


def test_a_team_shares_one_copy_and_its_progress(db, loaded, create_user, trainer):
    from mla.cases.models import Case
    from mla.cases.queries import visible_cases
    from mla.sandbox.models import SandboxCopy
    from mla.sandbox.scenario import team_up

    loaded()
    amira, bruno, cleo = (create_user("trainee") for _ in range(3))
    bruno_copy = scenario_case(db, KEY, bruno).sandbox_copy_id
    team_up(trainer, bruno, amira)
    db.session.commit()
    shared = scenario_case(db, KEY, amira)
    assert scenario_case(db, KEY, bruno).id == shared.id
    assert db.session.get(SandboxCopy, bruno_copy) is None  # nobody left on it: deleted
    seen = set(db.session.scalars(visible_cases(bruno).with_only_columns(Case.id)))
    assert shared.id in seen and len(seen) == 3

    _formal_request(db, bruno)  # one member acts for the team
    assert _custody_exercise(amira) == _custody_exercise(bruno) == [True, True]
    assert _custody_exercise(cleo) == [False, False]


def test_the_trainer_resets_one_trainee_at_the_class_time(db, loaded, create_user, trainer,
                                                          real_time_stands_still):
    from mla.sandbox.scenario import reset_trainee
    from mla.sandbox.services import advance_clock

    loaded()
    amira, bruno = create_user("trainee"), create_user("trainee")
    advance_clock(trainer, days=5)
    db.session.commit()
    before = clock.now()
    _formal_request(db, amira)
    _formal_request(db, bruno)
    old = scenario_case(db, KEY, amira).reference

    reset_trainee(trainer, amira)
    db.session.commit()
    fresh = scenario_case(db, KEY, amira)
    assert fresh.state == "arrested" and fresh.reference != old
    assert _custody_exercise(amira) == [False, False]
    assert _custody_exercise(bruno) == [True, True]  # the others keep their work
    assert scenario_case(db, KEY, bruno).state != "arrested"
    assert clock.now() == before  # the class clock did not move


def test_a_late_arrival_gets_a_fresh_copy_at_the_current_time(db, loaded, create_user,
                                                              trainer, real_time_stands_still):
    from mla.sandbox.services import advance_clock

    pack = loaded()
    advance_clock(trainer, days=10)
    db.session.commit()
    before = clock.now()
    late = create_user("trainee")
    case = scenario_case(db, KEY, late)
    assert case is not None and case.state == "arrested"
    arrest = next(e for e in case.events if e.transition == "record_arrest")
    assert arrest.at.date() == pack.day_date(-3)  # the scenario as written
    assert clock.now() == before  # the class stays at day 10
    assert clock.now() - pack.start >= timedelta(days=10)


def test_the_trainers_pages_reset_and_team_trainees(client, db, loaded, create_user, trainer,
                                                    login_as, csrf_token):
    loaded()
    amira = create_user("trainee", display_name="Amira Haddad")
    bruno = create_user("trainee", display_name="Bruno Keller")
    _formal_request(db, amira)
    login_as(trainer)
    grid = client.get("/sandbox/progress").get_data(as_text=True)
    assert "Start over" in grid and "Own copy" in grid
    token = csrf_token("/sandbox/progress")
    response = client.post(f"/sandbox/trainees/{amira.id}/reset", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert scenario_case(db, KEY, amira).state == "arrested"
    response = client.post(f"/sandbox/trainees/{bruno.id}/team",
                           data={f"team-{bruno.id}-partner": str(amira.id),
                                 f"team-{bruno.id}-csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    db.session.expire_all()
    assert scenario_case(db, KEY, bruno).id == scenario_case(db, KEY, amira).id
    assert "Team with Amira Haddad" in client.get("/sandbox/progress").get_data(as_text=True)


def test_class_accounts_and_users_create_each_get_a_copy(client, db, loaded, runner, trainer,
                                                         login_as, csrf_token):
    from mla.auth.services import get_user_by_username

    loaded()
    login_as(trainer)
    text = "username,display_name,role\namira,Amira Haddad,\ncleo,Cleo Marsh,caseworker\n"
    page = client.post("/sandbox/class", data={"text": text,
                                               "csrf_token": csrf_token("/sandbox/class")})
    assert page.status_code == 200
    result = runner.invoke(args=["users", "create", "dora", "--role", "trainee"],
                           input="a-long-enough-passphrase-1\n")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    for name in ("amira", "dora"):
        assert scenario_case(db, KEY, get_user_by_username(name)).sandbox_copy_id is not None
    from mla.sandbox.copies import copy_id_of

    assert copy_id_of(get_user_by_username("cleo").id) is None  # not a trainee: no copy


def test_outside_a_sandbox_nothing_changes(tmp_path, fast_passwords):
    """A production instance: a trainee account gets no copy and sees every request."""
    from mla import create_app
    from mla.auth.services import create_user
    from mla.cases.models import Case
    from mla.cases.queries import visible_cases
    from mla.cases.services import CaseInput, OffenceInput, register_case
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import load_reference_data
    from mla.sandbox.models import CopyMember, SandboxCopy
    from tests.conftest import make_settings

    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'p.db'}"))
    with app.app_context():
        db.create_all()
        with unit_of_work():
            load_reference_data()
            clerk = create_user("test", username="clerk", password="a-long-enough-pass-1",
                                role="caseworker")
            trainee = create_user("test", username="learner", password="a-long-enough-pass-1",
                                  role="trainee")
            register_case(clerk, CaseInput(
                direction="incoming", kind="mla", counterpart_country="FR",
                legal_basis="UNTOC", title="Bank records",
                offences=[OffenceInput(label="Fraud", max_penalty_months=60, iccs=["0701"])]))
            case = register_case(trainee, CaseInput(
                direction="incoming", kind="mla", counterpart_country="FR",
                legal_basis="UNTOC", title="Phone records",
                offences=[OffenceInput(label="Fraud", max_penalty_months=60, iccs=["0701"])]))
            assert case.sandbox_copy_id is None
        assert db.session.scalar(select(func.count()).select_from(SandboxCopy)) == 0
        assert db.session.scalar(select(func.count()).select_from(CopyMember)) == 0
        seen = db.session.scalars(visible_cases(trainee).with_only_columns(Case.id)).all()
        assert len(seen) == 2
        assert "sandbox_copy_id" not in str(visible_cases(trainee).whereclause)
        db.session.remove()
        db.engine.dispose()
