"""Time the request list page on a large database: `make bench` or
`.venv/bin/python -m bench.list_page [--rows 100000] [--database-url URL]`.

Builds a throwaway database (an SQLite file in a temp directory by default),
bulk-inserts ROWS requests and prints, per list URL, the SQL statement count and
the median response time over a few requests by a signed-in caseworker, its ratio
to a bare route of the same app (`/api/v1/health`: one `SELECT 1`) and to the list's
first page (`/requests/`).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert

URLS = (
    "/",
    "/requests/",
    "/requests/?page=500",
    "/requests/?sort=due",
    "/requests/?direction=incoming&kind=mla&counterpart=FR",
    "/requests/?q=fraud",
    "/requests/?q=MLA-IN-2019-04242",
    "/requests/?q=2019-0424",
    "/requests/?q=CP-777",
    # A reference by its beginning and by its end (the navigation bar's box): each must
    # stay an indexed lookup, a small multiple of the first page, never a table scan.
    "/requests/?q=MLA-IN-2019-0424",
    "/requests/?q=9-04242",
    "/requests/?urgent=1&sort=updated",
    "/api/v1/cases?per_page=50",
    "/api/v1/cases?per_page=50&sort=due",
    "/api/v1/cases?per_page=50&page=500",
    # The same depth by keyset: {cursor} is page 499's next_cursor (without a cursor
    # support, the URL answers 422 and the row says so).
    "/api/v1/cases?per_page=50&cursor={cursor}",
)
COUNTRIES = ("XA", "XB", "XZ", "FR", "DE", "IT", "ES", "NL", "BE", "PL")
PASSWORD = "bench password 123"
BASELINE = "/api/v1/health"


def build(rows: int, database_url: str | None, tmp: Path, *, reuse: bool = False):
    from mla import create_app
    from mla.auth.services import create_api_token, create_user, get_user_by_username
    from mla.cases.models import Case
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import ensure_fictional_country, load_reference_data
    from mla.settings import Settings

    settings = Settings.from_env(
        environ={"MLA_SECRET_KEY": "b" * 48, "MLA_HOME_COUNTRY": "XZ",
                 "MLA_DATABASE_URL": database_url
                 or f"sqlite:///{tmp / 'bench.db'}"},
        instance_path=tmp, key_file=tmp / "keyring.json", cookie_secure=False, testing=True)
    app = create_app(settings)
    if reuse:
        with app.app_context(), unit_of_work():
            user = get_user_by_username("bench0")
            assert user is not None, "--reuse needs a database a previous run filled"
            _, app.config["BENCH_TOKEN"] = create_api_token(None, user, label="bench")
        return app
    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
            for code, name in (("XZ", "Zembla"), ("XA", "Arcadia"), ("XB", "Borduria")):
                ensure_fictional_country(code, name)
            users = [create_user(None, username=f"bench{i}", password=PASSWORD,
                                 role="caseworker") for i in range(8)]
            _, app.config["BENCH_TOKEN"] = create_api_token(None, users[0], label="bench")
            # Read before the commit: afterwards the ids are expired, and loading them
            # again opens a session transaction (on SQLite, BEGIN IMMEDIATE: the write
            # lock) that the index DDL below, on another connection, waits on in vain.
            ids = [u.id for u in users]
        # Load first, index after (as a restore does): much faster than maintaining
        # every index, the trigram ones above all, row by row.
        indexes = list(Case.__table__.indexes)
        for index in indexes:
            index.drop(db.engine)
        start = datetime(2019, 1, 1, tzinfo=UTC)
        batch = []
        started = time.perf_counter()
        for n in range(1, rows + 1):
            batch.append({
                "reference": f"MLA-IN-2019-{n:05d}" if n < 100_000 else f"MLA-IN-2020-{n:06d}",
                "direction": "incoming" if n % 3 else "outgoing", "kind": "mla",
                "workflow_name": "bench", "workflow_version": "bench", "state": "received",
                "version": 1, "is_closed": n % 10 == 0,
                "title": f"Request {n}: {'fraud' if n % 4 == 0 else 'laundering'} ring",
                "title_search": f"request {n}: {'fraud' if n % 4 == 0 else 'laundering'} ring",
                "summary": "", "legal_basis": "UNTOC",
                "counterpart_country": COUNTRIES[n % len(COUNTRIES)],
                "counterpart_reference": f"CP-{n}", "domestic_reference": "",
                "is_urgent": n % 13 == 0, "urgency_reason": "",
                "assignee_id": ids[n % len(ids)] if n % 5 else None,
                "created_at": start + timedelta(minutes=n),
                "updated_at": start + timedelta(minutes=n),
                "next_due_at": start + timedelta(days=n % 400) if n % 4 else None,
            })
            if len(batch) == 5000:
                db.session.execute(insert(Case), batch)
                batch = []
        if batch:
            db.session.execute(insert(Case), batch)
        db.session.commit()
        for index in indexes:
            index.create(db.engine)
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: without statistics the planner
            # guesses, and the figures would measure the guess.
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        print(f"{rows} requests inserted in {time.perf_counter() - started:.1f} s "
              f"({settings.database_url.split(':', 1)[0]})")
    return app


def measure(app, repeat: int) -> None:
    from mla.extensions import db

    client = app.test_client()
    with app.app_context():
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        response = client.post("/login", data={"username": "bench0", "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, response.status_code
        statements: list[str] = []

        def count(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        api = {"Authorization": f"Bearer {app.config['BENCH_TOKEN']}"}
        deep = client.get("/api/v1/cases?per_page=50&page=499", headers=api).get_json()
        cursor = deep.get("next_cursor") or "none"

        def median_ms(url: str) -> float:
            """The median time of ``repeat`` requests; NaN when the URL is refused (an
            older version without the parameter)."""
            headers = api if url.startswith("/api/") else {}
            # A whole reference answers with a redirect to its request (a 302 is the
            # lookup done).
            if client.get(url, headers=headers).status_code not in {200, 302}:
                return math.nan
            timings = []
            for _ in range(repeat):
                statements.clear()
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code in {200, 302}, (url, response.status_code)
            return statistics.median(timings)

        event.listen(db.engine, "before_cursor_execute", count)
        # The baseline: the same app, session and database, a route that runs one
        # `SELECT 1` and renders nothing. Ratios are measured in this one run.
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} cores")
        first_page = median_ms("/requests/")
        print(f"{'URL':<55} {'SQL':>4} {'median ms':>10} {'x baseline':>11} "
              f"{'x 1st page':>11}")
        for url in URLS:
            if "{cursor}" in url and cursor == "none":
                print(f"{url[:55]:<55} (no cursor paging)")
                continue
            url = url.format(cursor=cursor)
            # The baseline again next to each page: on a loaded machine the ratio of two
            # medians taken moments apart is steadier than either.
            baseline = median_ms(BASELINE)
            took = median_ms(url)
            print(f"{url[:55]:<55} {len(statements):>4} {took:>10.1f} {took / baseline:>11.1f} "
                  f"{took / first_page:>11.1f}")
        event.remove(db.engine, "before_cursor_execute", count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an EMPTY database to use (it is wiped)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the requests a previous run left in --database-url "
                             "(with the same --instance-dir: its key ring)")
    parser.add_argument("--instance-dir", type=Path,
                        help="keep the instance (key ring) here instead of a temp directory")
    args = parser.parse_args()
    if args.instance_dir:
        args.instance_dir.mkdir(parents=True, exist_ok=True)
        app = build(args.rows, args.database_url, args.instance_dir, reuse=args.reuse)
        measure(app, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        app = build(args.rows, args.database_url, Path(tmp), reuse=args.reuse)
        measure(app, args.repeat)


if __name__ == "__main__":
    main()
