"""The audit trail's hash chain: verify passes when intact and names the first broken
entry when a row is edited or deleted; concurrent writers never fork the chain."""

from __future__ import annotations

import itertools
import threading

from sqlalchemy import delete, select, update

from mla.audit.chain import entry_hash, fields_of
from mla.audit.models import AuditEntry
from mla.audit.services import record_audit


def _write(db, n: int) -> list[int]:
    ids = []
    for i in range(n):
        ids.append(record_audit("test", "test.event", object_type="thing", object_id=i,
                                step=i, note="ünïcode ✓").id)
        db.session.flush()
    db.session.commit()
    return [e.id for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_an_intact_trail_verifies(db, runner):
    ids = _write(db, 5)
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(entries))
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert f"{len(ids)} entries" in result.output


def test_an_edited_entry_is_named(db, runner):
    ids = _write(db, 5)
    db.session.execute(update(AuditEntry).where(AuditEntry.id == ids[2])
                       .values(details={"step": 99}))
    db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"entry {ids[2]}:" in result.output and "changed" in result.output


def test_an_edited_time_or_actor_is_named(db, runner):
    ids = _write(db, 3)
    db.session.execute(update(AuditEntry).where(AuditEntry.id == ids[1])
                       .values(actor_label="someone-else"))
    db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1 and f"entry {ids[1]}:" in result.output


def test_a_deleted_entry_breaks_the_link_after_it(db, runner):
    ids = _write(db, 5)
    db.session.execute(delete(AuditEntry).where(AuditEntry.id == ids[1]))
    db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"entry {ids[2]}:" in result.output and "deleted" in result.output


def test_rehashing_one_edited_row_still_breaks_the_next_link(db, runner):
    """Recomputing the edited row's own hash does not help: the next entry names it."""
    ids = _write(db, 4)
    entry = db.session.get(AuditEntry, ids[1])
    entry.details = {"step": 42}
    entry.entry_hash = entry_hash(entry.prev_hash, fields_of(entry))
    db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1 and f"entry {ids[2]}:" in result.output


def test_entries_of_a_rolled_back_transaction_leave_no_gap(db, runner):
    record_audit("test", "test.kept")
    db.session.commit()
    record_audit("test", "test.dropped")
    db.session.rollback()
    record_audit("test", "test.kept_too")
    db.session.commit()
    assert _verify(runner).exit_code == 0


def test_concurrent_writers_never_fork_the_chain(app, db, runner):
    """Eight threads, each its own connection and transactions, appending at once
    (PostgreSQL: the advisory lock; SQLite: its write lock)."""
    from mla.extensions import db as _db

    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(5):
                    record_audit("test", "test.concurrent", object_id=f"{n}-{i}")
                    record_audit("test", "test.concurrent", object_id=f"{n}-{i}b")
                    _db.session.commit()
                _db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert len(entries) == 80
    assert len({e.prev_hash for e in entries}) == 80  # no two share a predecessor
    result = _verify(runner)
    assert result.exit_code == 0, result.output
