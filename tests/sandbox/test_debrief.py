"""The trainer's debrief of one trainee: exercises with the model answer, what the
trainee did (simulated and real time), answers to the counterpart, clocks; CSV."""

from __future__ import annotations

import csv
import io

from tests.sandbox.helpers import scenario_case


def test_the_debrief_shows_what_the_trainee_did_and_exports_csv(
        db, loaded, trainer, create_user, client, login_as, real_time_stands_still):
    from mla.sandbox.counterpart import run_counterpart
    from mla.sandbox.letters import answer_question
    from mla.sandbox.models import CounterpartLetter
    from mla.sandbox.services import advance_clock

    amira = create_user("trainee", username="amira", display_name="Amira Haddad")
    loaded()
    for days in (1, 8):
        advance_clock(trainer, days=days)
        run_counterpart()
        db.session.commit()
    eio = scenario_case(db, "carpania-eio", amira)
    question = db.session.query(CounterpartLetter).filter_by(case_id=eio.id,
                                                             kind="question").one()
    answer_question(amira, question.id, "=HYPERLINK(\"x\") born on 3 March 1980", [])
    db.session.commit()

    login_as(trainer)
    page = client.get(f"/sandbox/trainees/{amira.id}/debrief")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Debrief: Amira Haddad" in text and "Model answer" in text
    assert "incomplete: period / between / période" in text
    assert "@media print" in text or "d-print-none" in text

    exported = client.get(f"/sandbox/trainees/{amira.id}/debrief?format=csv")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0] == ["section", "exercise_or_rule", "request", "what", "simulated_time",
                       "real_time", "result"]
    actions = [r for r in rows if r[0] == "action"]
    step = next(r for r in actions if r[3].startswith("Send the supplementary information"))
    # Simulated: day 9 of the scenario; real: the machine's (stopped) clock.
    assert step[4] == "2026-03-11 08:00"
    assert step[5] == real_time_stands_still.strftime("%Y-%m-%d %H:%M")
    answer = next(r for r in rows if r[0] == "answer")
    assert answer[3].startswith("'=HYPERLINK")  # no formula reaches a spreadsheet
    assert any(r[0] == "model_answer" and "date of birth" in r[3] for r in rows)
    assert any(r[0] == "clock" for r in rows)
    # A trainee cannot open a debrief.
    login_as(amira)
    assert client.get(f"/sandbox/trainees/{amira.id}/debrief").status_code in (403, 404)
