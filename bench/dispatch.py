"""Time one scheduler tick that dispatches 10,000 due in-app reminders:
`.venv/bin/python -m bench.dispatch [--reminders 10000] [--postgres-url URL] [--skip-postgres]`.

For each backend (an SQLite file in a temp directory; a throwaway database on the
PostgreSQL server) it bulk-inserts REMINDERS running deadlines whose "1 day
before" reminder has fallen due, then runs one tick exactly as `scheduler run`
does: the scan writes the outbox rows, the dispatcher claims and delivers them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432"
# Named after this process: two benchmark runs never drop each other's database.
PG_DATABASE = f"comity_bench_dispatch_{os.getpid()}"


def _app(database_url: str, tmp: Path):
    from mla import create_app
    from mla.settings import Settings

    settings = Settings.from_env(
        environ={"MLA_SECRET_KEY": "b" * 48, "MLA_HOME_COUNTRY": "XZ",
                 "MLA_DATABASE_URL": database_url},
        instance_path=tmp, key_file=tmp / "keyring.json", cookie_secure=False, testing=True)
    return create_app(settings)


def _populate(app, reminders: int) -> None:
    from mla.auth.services import create_user
    from mla.cases.services import CaseInput, register_case
    from mla.core import clock
    from mla.core.transaction import unit_of_work
    from mla.deadlines.models import Deadline
    from mla.extensions import db
    from mla.reference.services import ensure_fictional_country, load_reference_data

    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
            for code, name in (("XZ", "Zembla"), ("XA", "Arcadia")):
                ensure_fictional_country(code, name)
            users = [create_user(None, username=f"bench{i}", password="bench password 123",
                                 role="caseworker") for i in range(10)]
            cases = [register_case(users[0], CaseInput(
                direction="incoming", kind="mla", counterpart_country="XA",
                legal_basis="UNTOC", title=f"Bench {i}", assignee_id=users[i % 10].id))
                for i in range(100)]
        real = clock.real_now()
        today = real.date()
        due_at = datetime.combine(today + timedelta(days=1), datetime.max.time(),
                                  tzinfo=UTC).replace(microsecond=0)
        looked = real - timedelta(days=3)
        rows = [{
            "case_id": cases[n % len(cases)].id, "rule_code": "eio_acknowledge",
            "status": "running", "is_custody": False, "country_code": "XZ", "zone_name": "UTC",
            "holiday_calendar": "", "is_business": False, "started_at": looked,
            "start_on": today - timedelta(days=6), "period_days": 7, "paused_days": 0,
            "extended_days": 0, "extensions": 0, "cycle": 0, "due_at": due_at,
            "next_reminder_at": looked, "reminded_through": looked, "created_at": looked,
            "extension_reason": "", "extension_notice": "", "pause_reason": "",
        } for n in range(reminders)]
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(Deadline), rows[start:start + 2000])
        db.session.commit()
        db.session.remove()


def measure(label: str, database_url: str, reminders: int, tmp: Path) -> None:
    from mla.deadlines.reminders import scan_deadlines
    from mla.extensions import db
    from mla.notifications.dispatcher import dispatch_due
    from mla.notifications.models import Notification

    app = _app(database_url, tmp)
    _populate(app, reminders)
    with app.app_context():
        started = time.perf_counter()
        points = scan_deadlines()
        scanned = time.perf_counter()
        report = dispatch_due()
        finished = time.perf_counter()
        delivered = db.session.scalar(select(func.count(Notification.id)))
        db.session.remove()
        db.engine.dispose()
    assert points == reminders and report.in_app == reminders == delivered, (points, report)
    print(f"{label:<11} {reminders} reminders: one tick {finished - started:6.2f} s "
          f"(scan into outbox {scanned - started:5.2f} s, dispatch {finished - scanned:5.2f} s, "
          f"{report.batches} batches) -> {delivered} in-app notifications", flush=True)


def _postgres(base: str, create: bool) -> str:
    import psycopg

    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return f"{base}/{PG_DATABASE}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--postgres-url", default=PG_DEFAULT,
                        help="server URL without a database name")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as raw:
        tmp = Path(raw)
        measure("SQLite", f"sqlite:///{tmp / 'dispatch.db'}", args.reminders, tmp)
        if args.skip_postgres:
            return
        try:
            url = _postgres(args.postgres_url.rstrip("/"), create=True)
        except Exception as exc:  # report and go on
            print(f"PostgreSQL  skipped: {exc}")
            return
        try:
            measure("PostgreSQL", url, args.reminders, tmp)
        finally:
            _postgres(args.postgres_url.rstrip("/"), create=False)


if __name__ == "__main__":
    main()
