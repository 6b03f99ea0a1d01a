"""References: MLA-IN-2026-00042 / EXT-OUT-2026-00007, unique under concurrent registration."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

from sqlalchemy import select

from mla.cases.services import OffenceInput, PersonInput

SUSPECT = [PersonInput(role="suspect", full_name="Jean Fictif")]
OFFENCE = [OffenceInput(label="Fraud", max_penalty_months=60)]


def test_reference_format_and_a_counter_per_kind_and_direction(make_case, create_user):
    from mla.core.clock import now

    year = now().year
    actor = create_user("caseworker")
    first = make_case(actor=actor, direction="incoming", kind="mla")
    second = make_case(actor=actor, direction="incoming", kind="mla")
    outgoing_ext = make_case(actor=actor, direction="outgoing", kind="extradition",
                             offences=OFFENCE, persons=SUSPECT)
    incoming_ext = make_case(actor=actor, direction="incoming", kind="extradition",
                             offences=OFFENCE, persons=SUSPECT)
    outgoing_mla = make_case(actor=actor, direction="outgoing", kind="mla")

    assert first.reference == f"MLA-IN-{year}-00001"
    assert second.reference == f"MLA-IN-{year}-00002"
    assert outgoing_ext.reference == f"EXT-OUT-{year}-00001"
    assert incoming_ext.reference == f"EXT-IN-{year}-00001"
    assert outgoing_mla.reference == f"MLA-OUT-{year}-00001"
    pattern = re.compile(r"^(MLA|EXT)-(IN|OUT)-\d{4}-\d{5}$")
    assert all(pattern.match(c.reference) for c in
               (first, second, outgoing_ext, incoming_ext, outgoing_mla))


def test_the_counter_starts_again_each_year(db):
    from mla.cases.services import next_reference

    assert next_reference("incoming", "mla", datetime(2030, 12, 31, 23, 0, tzinfo=UTC)) \
        == "MLA-IN-2030-00001"
    assert next_reference("incoming", "mla", datetime(2030, 12, 31, 23, 5, tzinfo=UTC)) \
        == "MLA-IN-2030-00002"
    assert next_reference("incoming", "mla", datetime(2031, 1, 1, 0, 5, tzinfo=UTC)) \
        == "MLA-IN-2031-00001"
    db.session.rollback()


def test_references_stay_unique_when_caseworkers_register_at_the_same_moment(
    app, db, create_user
):
    """10 threads, each with its own app context (own session and connection),
    released together by a barrier, each registering 3 requests."""
    from mla.auth.models import User
    from mla.cases.models import Case
    from mla.cases.services import CaseInput, register_case
    from mla.extensions import db as _db

    threads_count, per_thread = 10, 3
    actor_ids = [create_user("caseworker").id for _ in range(threads_count)]
    # Reading .id after a commit opened a transaction in this thread (on SQLite a write
    # transaction: BEGIN IMMEDIATE); end it, or every worker waits for it.
    db.session.commit()
    barrier = threading.Barrier(threads_count)
    references: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(actor_id: int) -> None:
        try:
            with app.app_context():
                actor = _db.session.get(User, actor_id)
                _db.session.commit()  # end the read: each registration is its own transaction
                barrier.wait(timeout=300)  # a guard against a hang, not a speed check
                for i in range(per_thread):
                    case = register_case(actor, CaseInput(
                        direction="incoming", kind="mla", counterpart_country="XA",
                        legal_basis="UNTOC", title=f"Concurrent {actor_id}/{i}"))
                    _db.session.commit()
                    with lock:
                        references.append(case.reference)
                _db.session.remove()
        except BaseException as exc:  # reported below, with the thread's traceback
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(actor_id,)) for actor_id in actor_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)  # a guard against a hang, not a speed check
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, errors
    assert len(references) == threads_count * per_thread
    assert len(set(references)) == len(references), sorted(references)
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    assert numbers == list(range(1, threads_count * per_thread + 1))  # no gap, no double
    saved = db.session.scalars(select(Case.reference)).all()
    assert sorted(saved) == sorted(references)
