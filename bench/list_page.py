"""Time the request list page on a large database: `make bench` or
`.venv/bin/python -m bench.list_page [--rows 100000] [--database-url URL]`.

Builds a throwaway database (an SQLite file in a temp directory by default),
bulk-inserts ROWS requests and prints, per list URL, the SQL statement count and
the median response time over a few requests by a signed-in caseworker, and its
ratio to a bare route of the same app (`/api/v1/health`: one `SELECT 1`).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert

URLS = (
    "/requests/",
    "/requests/?page=500",
    "/requests/?sort=due",
    "/requests/?direction=incoming&kind=mla&counterpart=FR",
    "/requests/?q=fraud",
    "/requests/?q=MLA-IN-2019-04242",
    "/requests/?urgent=1&sort=updated",
)
COUNTRIES = ("XA", "XB", "XZ", "FR", "DE", "IT", "ES", "NL", "BE", "PL")
PASSWORD = "bench password 123"
BASELINE = "/api/v1/health"


def build(rows: int, database_url: str | None, tmp: Path):
    from mla import create_app
    from mla.auth.services import create_user
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
    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
            for code, name in (("XZ", "Zembla"), ("XA", "Arcadia"), ("XB", "Borduria")):
                ensure_fictional_country(code, name)
            users = [create_user(None, username=f"bench{i}", password=PASSWORD,
                                 role="caseworker") for i in range(8)]
        ids = [u.id for u in users]
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

        def median_ms(url: str) -> float:
            client.get(url)
            timings = []
            for _ in range(repeat):
                statements.clear()
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            return statistics.median(timings)

        event.listen(db.engine, "before_cursor_execute", count)
        # The baseline: the same app, session and database, a route that runs one
        # `SELECT 1` and renders nothing. Ratios are measured in this one run.
        baseline = median_ms(BASELINE)
        print(f"baseline {BASELINE}: {baseline:.1f} ms")
        print(f"{'URL':<55} {'SQL':>4} {'median ms':>10} {'x baseline':>11}")
        for url in URLS:
            took = median_ms(url)
            print(f"{url:<55} {len(statements):>4} {took:>10.1f} {took / baseline:>11.1f}")
        event.remove(db.engine, "before_cursor_execute", count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an EMPTY database to use (it is wiped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = build(args.rows, args.database_url, Path(tmp))
        measure(app, args.repeat)


if __name__ == "__main__":
    main()
