"""Time the report pages on a large history: `.venv/bin/python -m bench reports` or
`.venv/bin/python -m bench.reports [--rows 100000] [--database-url URL]`.

Builds a throwaway database (an SQLite file in a temp directory by default), bulk-inserts
ROWS requests over three years under the real incoming and outgoing MLA workflows with
their history rows (registration, steps, a wait for information, closing for most), and
prints per URL the SQL statement count, the median and 95th-percentile time, and the
ratio to the request list's first page measured in the same run.

Report figures are kept ready (mla/reports/ready.py): for each URL the stored figures are
deleted first, so its first request computes them ("computed in", the cold time a reader
waits when nobody read that view within the max age and the scheduler had not refreshed
it); the timed requests after it are served from the stored figures, as readers are.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

YEAR = "from=2025-01-01&to=2025-12-31"
URLS = (
    "/requests/",
    f"/reports/?{YEAR}",
    f"/reports/?{YEAR}&direction=outgoing&counterpart_country=FR",
    f"/api/v1/reports/workload?{YEAR}",
    f"/api/v1/reports/time?{YEAR}",
    f"/api/v1/reports/counterparts?{YEAR}",
    f"/reports/workload/oldest.csv?{YEAR}",
    "/reports/review?year=2025",
    "/requests/export.csv",  # every request (streamed: bench.export shows its memory)
)
LIST_PAGE = "/requests/"
COUNTRIES = ("XA", "XB", "FR", "DE", "IT", "ES", "NL", "BE", "PL", "AT")
PASSWORD = "bench password 123"
START = datetime(2023, 1, 1, 9, 0, tzinfo=UTC)


def _history(n: int, case_id: int, created: datetime, outgoing: bool) -> tuple[str, bool,
                                                                            list[dict]]:
    """The request's steps, made up from its number: (last state, closed, events)."""
    def event_row(days: float, kind: str, transition: str | None, source: str | None,
                  target: str) -> dict[str, Any]:
        return {"case_id": case_id, "at": created + timedelta(days=days), "kind": kind,
                "transition": transition, "from_state": source, "to_state": target,
                "actor_label": "bench", "comment": "", "data": {}, "is_internal": False}

    if outgoing:
        steps = [(0, "registered", None, None, "draft"), (1, "transition", "submit", "draft",
                                                          "ca_review"),
                 (3, "transition", "submit_for_signature", "ca_review", "awaiting_signature"),
                 (4, "transition", "sign", "awaiting_signature", "signed"),
                 (5, "transition", "transmit", "signed", "transmitted"),
                 (5 + 5 + n % 40, "transition", "record_acknowledgement", "transmitted",
                  "under_execution"),
                 (60 + n % 300, "transition", "record_results", "under_execution",
                  "results_received"),
                 (70 + n % 300, "transition", "close_executed", "results_received",
                  "closed_executed")]
    else:
        steps = [(0, "registered", None, None, "received"),
                 (1 + n % 9, "transition", "acknowledge", "received", "under_review")]
        if n % 5 == 0:
            steps += [(15, "transition", "request_information", "under_review",
                       "awaiting_information"),
                      (27, "transition", "information_received", "awaiting_information",
                       "under_review")]
        steps += [(40 + n % 200, "transition", "accept", "under_review", "in_execution"),
                  (60 + n % 360, "transition", "close_executed", "in_execution",
                   "closed_executed")]
    horizon = (START + timedelta(days=3 * 365)) - created  # nothing after the three years
    kept = [s for s in steps if timedelta(days=s[0]) < horizon]
    if n % 7 == 0:  # some stay open wherever they are
        kept = kept[:max(1, len(kept) // 2)]
    last = kept[-1][4]
    return last, last.startswith("closed_"), [event_row(*s) for s in kept]


def build(rows: int, database_url: str | None, tmp: Path, *, reuse: bool = False):
    from mla import create_app
    from mla.auth.models import User
    from mla.auth.services import create_api_token, create_user
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import ensure_fictional_country, load_reference_data
    from mla.reports.summary import Stay, rebuild_stays
    from mla.settings import Settings

    settings = Settings.from_env(
        environ={"MLA_SECRET_KEY": "b" * 48, "MLA_HOME_COUNTRY": "XZ",
                 "MLA_DATABASE_URL": database_url or f"sqlite:///{tmp / 'bench.db'}"},
        instance_path=tmp, key_file=tmp / "keyring.json", cookie_secure=False, testing=True)
    app = create_app(settings)
    with app.app_context():
        if reuse:  # loaded by an earlier run with --keep: only the tables added since
            db.create_all()
            user = db.session.query(User).filter_by(username="bench0").one()
            with unit_of_work():
                _, app.config["BENCH_TOKEN"] = create_api_token(None, user, label="bench")
        else:
            db.drop_all()
            db.create_all()
            with unit_of_work():
                load_reference_data()
                for code, name in (("XZ", "Zembla"), ("XA", "Arcadia"), ("XB", "Borduria")):
                    ensure_fictional_country(code, name)
                user = create_user(None, username="bench0", password=PASSWORD,
                                   role="caseworker")
                _, app.config["BENCH_TOKEN"] = create_api_token(None, user, label="bench")
            started = time.perf_counter()
            _load(rows)
            print(f"{rows} requests with their history inserted in "
                  f"{time.perf_counter() - started:.1f} s "
                  f"({settings.database_url.split(':')[0]})", flush=True)
        if reuse and db.session.query(Stay).first() is not None:
            return app  # the summary was built by the run that loaded the data
        started = time.perf_counter()
        with unit_of_work():
            stays = rebuild_stays()
        _analyze()
        print(f"report summary rebuilt ({stays} stays) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    return app


def _analyze() -> None:
    from mla.extensions import db

    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            # VACUUM sets the visibility map the report indexes' index-only scans need
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def _rows(rows: int) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Requests and their history rows, in chunks of 20,000 requests."""
    from mla.workflow.registry import current

    versions = {name: current(name).version for name in ("incoming_mla", "outgoing_mla")}
    cases: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    span = 3 * 365 * 24 * 60  # minutes in three years
    for n in range(1, rows + 1):
        outgoing = n % 3 == 0
        created = START + timedelta(minutes=(n * span) // (rows + 1))
        state, closed, history = _history(n, n, created, outgoing)
        name = "outgoing_mla" if outgoing else "incoming_mla"
        cases.append({
            "id": n, "reference": f"MLA-{'OUT' if outgoing else 'IN'}-{n:07d}",
            "direction": "outgoing" if outgoing else "incoming", "kind": "mla",
            "workflow_name": name, "workflow_version": versions[name], "state": state,
            "version": len(history), "is_closed": closed, "title": f"Request {n}",
            "title_search": f"request {n}", "summary": "", "legal_basis": "UNTOC",
            "counterpart_country": COUNTRIES[n % len(COUNTRIES)],
            "counterpart_reference": "", "counterpart_reference_key": "",
            "domestic_reference": "", "is_urgent": False,
            "urgency_reason": None, "created_at": created,
            "updated_at": history[-1]["at"]})
        events += history
        if len(cases) >= 20_000:
            yield cases, events
            cases, events = [], []
    if cases:
        yield cases, events


def _load(rows: int) -> None:
    """Bulk-load: COPY on PostgreSQL (secondary indexes dropped and built after), batched
    executemany on SQLite. Sealed texts are all empty: each table's is encrypted once."""
    from sqlalchemy import Table, insert, text

    from mla.cases.models import Case, CaseEvent
    from mla.extensions import db

    tables: list[Table] = [Case.__table__, CaseEvent.__table__]  # type: ignore[list-item]
    if db.engine.dialect.name != "postgresql":
        for cases, events in _rows(rows):
            db.session.execute(insert(Case), cases)
            db.session.execute(insert(CaseEvent), events)
        db.session.commit()
        return
    dialect = db.engine.dialect
    connection = db.session.connection()
    for table in tables:
        for index in table.indexes:
            connection.execute(text(f"DROP INDEX {index.name}"))
    sealed = {(t.name, c.name): c.type.bind_processor(dialect)("")  # type: ignore[misc]
              for t in tables for c in t.columns if c.name in ("summary", "comment")}
    raw = connection.connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor:
        for chunk in _rows(rows):
            for table, batch in zip(tables, chunk, strict=True):
                names = list(batch[0])
                with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row([
                            sealed.get((table.name, c), row[c]) if c in ("summary", "comment")
                            else json.dumps(row[c]) if c == "data" else row[c]
                            for c in names])
    for table in tables:
        for index in table.indexes:
            index.create(connection)
    connection.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), "
                            "(SELECT max(id) FROM cases))"))
    connection.execute(text("SELECT setval(pg_get_serial_sequence('case_events', 'id'), "
                            "(SELECT max(id) FROM case_events))"))
    db.session.commit()


def measure(app, repeat: int) -> None:
    from sqlalchemy import delete

    from mla.extensions import db
    from mla.reports.ready import ReportFigures

    client = app.test_client()
    with app.app_context():
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        response = client.post("/login", data={"username": "bench0", "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, response.status_code
        api = {"Authorization": f"Bearer {app.config['BENCH_TOKEN']}"}
        statements: list[str] = []

        def count(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        cold: dict[str, float] = {}

        def timings(url: str) -> list[float]:
            headers = api if url.startswith("/api/") else {}
            with db.engine.begin() as conn:  # the figures computed by this first request
                conn.execute(delete(ReportFigures))
            began = time.perf_counter()
            warm = client.get(url, headers=headers)
            assert warm.status_code == 200, url
            warm.get_data()
            warm.close()
            cold[url] = (time.perf_counter() - began) * 1000
            taken = []
            for _ in range(repeat):
                statements.clear()
                began = time.perf_counter()
                answer = client.get(url, headers=headers)
                answer.get_data()  # a streamed body is read, not only its first chunk
                answer.close()
                taken.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 200, (url, answer.status_code)
            return sorted(taken)

        event.listen(db.engine, "before_cursor_execute", count)
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} cores")
        print(f"{'URL':<62} {'SQL':>4} {'computed in':>11} {'median ms':>10} {'p95 ms':>8} "
              f"{'x list':>7}")
        for url in URLS:
            # The list page again next to each: on a loaded machine the ratio of two
            # medians taken moments apart is steadier than either.
            base = statistics.median(timings(LIST_PAGE))
            taken = timings(url)
            p95 = taken[min(len(taken) - 1, round(0.95 * (len(taken) - 1)))]
            median = statistics.median(taken)
            computed = f"{cold[url]:.1f}" if url.startswith(("/reports", "/api/v1/reports")) \
                else "-"
            print(f"{url[:62]:<62} {len(statements):>4} {computed:>11} {median:>10.1f} "
                  f"{p95:>8.1f} {median / base:>7.1f}")
        event.remove(db.engine, "before_cursor_execute", count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an EMPTY database to use (it is wiped)")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the instance folder (key ring, SQLite file) in DIR")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the data an earlier run left with --keep DIR")
    parser.add_argument("--load-only", action="store_true", help="load, do not measure")
    args = parser.parse_args()
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        app = build(args.rows, args.database_url, folder, reuse=args.reuse)
        if not args.load_only:
            measure(app, args.repeat)


if __name__ == "__main__":
    main()
