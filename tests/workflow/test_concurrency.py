"""Twenty people take the same step at the same instant: one wins, nothing is lost."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from mla.cases.models import Case, CaseEvent
from mla.core.errors import Conflict
from mla.workflow.services import apply_transition
from tests.conftest import selected_backend

THREADS = 20


@pytest.mark.postgres
def test_twenty_threads_one_transition(app, db, ready_case, users, effect_log):
    if selected_backend() != "postgres":
        pytest.skip("row-level concurrency is a PostgreSQL test (MLA_TEST_DB=postgres)")
    case = ready_case("incoming_mla")
    case_id, user_ids = case.id, [users["caseworker"].id, users["supervisor"].id]
    db.session.commit()
    db.session.close()  # give the pool back every connection: each thread needs one

    barrier = threading.Barrier(THREADS, timeout=300)  # a guard against a hang only
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(index: int) -> None:
        from mla.auth.models import User

        with app.app_context():
            session = db.session
            try:
                actor = session.get(User, user_ids[index % 2])
                mine = session.get(Case, case_id)
                _ = (mine.offences, mine.measures, mine.version)
                barrier.wait()
                apply_transition(actor, mine, "acknowledge", expected_version=1,
                                 comment=f"thread {index}")
                session.commit()
                result = "ok"
            except Conflict:
                session.rollback()
                result = "conflict"
            except Exception as exc:  # reported, not swallowed
                session.rollback()
                result = f"error: {exc!r}"
            finally:
                session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)  # a guard against a hang, not a speed check
    assert not any(thread.is_alive() for thread in threads), "a thread hung"

    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"], outcomes
    final = db.session.get(Case, case_id)
    assert (final.state, final.version) == ("under_review", 2)
    history = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case_id, CaseEvent.kind == "transition"))
    assert history == 1
