"""Time the request list page on a large database: `make bench` or
`.venv/bin/python -m bench.list_page [--rows 100000] [--database-url URL]`.

Builds a throwaway database (an SQLite file in a temp directory by default),
bulk-inserts ROWS requests registered over the last five years (bench/_data.py, the
benches' shared generator: real workflows, histories and running clocks) and prints,
per list URL, the SQL statement count and the median response time over a few
requests by a signed-in caseworker, its ratio to a bare route of the same app
(`/api/v1/health`: one `SELECT 1`) and to the list's first page (`/requests/`).
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

from sqlalchemy import event

from bench._data import analyze, bench_app, load_requests, new_database, reuse_database, sign_in

URLS = (
    "/",
    "/requests/",
    "/requests/?page=500",
    "/requests/?sort=due",
    "/requests/?direction=incoming&kind=mla&counterpart=FR",
    "/requests/?q=fraud",
    # {reference} and the like: a loaded request's (examples()), e.g. MLA-IN-2024-04242
    # (a whole reference: the lookup answers with a redirect to its request), 2024-0424,
    # CP-4243.
    "/requests/?q={reference}",
    "/requests/?q={year_number}",
    "/requests/?q={counterpart_reference}",
    # A reference by its beginning and by its end (the navigation bar's box): each must
    # stay an indexed lookup, a small multiple of the first page, never a table scan.
    "/requests/?q={reference_start}",
    "/requests/?q={reference_end}",
    "/requests/?urgent=1&sort=updated",
    "/api/v1/cases?per_page=50",
    "/api/v1/cases?per_page=50&sort=due",
    "/api/v1/cases?per_page=50&page=500",
    # The same depth by keyset: {cursor} is page 499's next_cursor (without a cursor
    # support, the URL answers 422 and the row says so).
    "/api/v1/cases?per_page=50&cursor={cursor}",
)
BASELINE = "/api/v1/health"


def build(rows: int, database_url: str | None, tmp: Path, *, reuse: bool = False):
    from mla.extensions import db

    app = bench_app(database_url, tmp)
    if reuse:
        reuse_database(app)
        return app
    assignees = new_database(app, caseworkers=8)
    with app.app_context():
        started = time.perf_counter()
        until = datetime.now(UTC)
        load_requests(until - timedelta(days=5 * 365), until, rows, assignees)
        analyze()
        print(f"{rows} requests inserted in {time.perf_counter() - started:.1f} s "
              f"({db.engine.url.drivername})")
    return app


def examples() -> dict[str, str]:
    """What the searches of URLS look for, taken from the loaded requests: the
    reference of the incoming MLA request nearest the middle of the table (whole, its
    year and number but the last digit, its beginning and its end) and its
    counterpart's reference. Needs an app context."""
    from sqlalchemy import func, select

    from mla.cases.models import Case
    from mla.extensions import db

    middle = (db.session.scalar(select(func.max(Case.id))) or 0) // 2
    reference, counterpart = db.session.execute(
        select(Case.reference, Case.counterpart_reference)
        .where(Case.id >= middle, Case.direction == "incoming", Case.kind == "mla")
        .order_by(Case.id).limit(1)).one()
    db.session.rollback()
    return {"reference": reference, "year_number": reference.split("-", 2)[2][:-1],
            "reference_start": reference[:-1], "reference_end": reference[-7:],
            "counterpart_reference": counterpart}


def measure(app, repeat: int) -> None:
    from mla.extensions import db

    client = app.test_client()
    with app.app_context():
        sign_in(client)
        found = examples()
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
            url = url.format(cursor=cursor, **found)
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
