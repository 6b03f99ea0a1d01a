"""Time link detection and the name search against many persons:
`.venv/bin/python -m bench links [-- --sizes 10000 100000 1000000 --database-url URL]`.

For each size, builds a throwaway database (SQLite in a temp directory by default),
bulk-inserts that many persons (one request per five persons) with their blind-index
tokens (names drawn from 400 first names and 3,000 surnames, so common tokens repeat
as in life, and one planted person), then times, median of a few runs: checking a new
request about the planted person against them (``link_candidates``: indexed lookups on
the name key and identifier tokens, no decryption of other persons), a search for the
planted person's surname, and a search for a common surname (``search_persons``; its
matches grow with the database, so its time does too). Prints each time and its ratio
to the smallest size (target for the check: ≤ 2 at 100,000 and 1,000,000 against
10,000).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

FIRST = [f"given{i}" for i in range(400)]
LAST = [f"family{i}" for i in range(3000)]
PERSONS_PER_CASE = 5
PLANTED = ("Zebulon Quixote-Marsh", "1971-03-04", "Passport: ZQ-4455667")


def build(size: int, database_url: str | None, tmp: Path):
    from mla import create_app
    from mla.auth.services import create_user
    from mla.cases.models import Case, Person
    from mla.core.crypto import key_ring
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.persons.models import PersonToken
    from mla.persons.tokens import person_tokens
    from mla.reference.services import ensure_fictional_country, load_reference_data
    from mla.settings import Settings

    settings = Settings.from_env(
        environ={"MLA_SECRET_KEY": "b" * 48, "MLA_HOME_COUNTRY": "XZ",
                 "MLA_DATABASE_URL": database_url or f"sqlite:///{tmp / f'links{size}.db'}"},
        instance_path=tmp, key_file=tmp / "keyring.json", cookie_secure=False, testing=True)
    app = create_app(settings)
    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
            ensure_fictional_country("XA", "Arcadia")
            user = create_user(None, username="bench", password="correct horse battery staple",
                               role="caseworker")
            db.session.flush()
            app.config["BENCH_USER_ID"] = user.id
        db.session.close()  # its SQLite write lock would block the index changes below
        ring = key_ring()
        indexes = [*PersonToken.__table__.indexes]
        for index in indexes:
            index.drop(db.engine)
        started = time.perf_counter()
        start = datetime(2019, 1, 1, tzinfo=UTC)
        cases, persons, tokens = [], [], []

        def flush() -> None:
            for table, rows in ((Case, cases), (Person, persons), (PersonToken, tokens)):
                if rows:
                    db.session.execute(insert(table), rows)
                    rows.clear()

        blob = b"\x01" + b"\x00" * 60  # never read: the benchmark decrypts nobody
        for n in range(1, size + 1):
            case_id = (n - 1) // PERSONS_PER_CASE + 1
            if (n - 1) % PERSONS_PER_CASE == 0:
                cases.append({
                    "id": case_id, "reference": f"MLA-IN-2019-{case_id:07d}",
                    "direction": "incoming", "kind": "mla", "workflow_name": "bench",
                    "workflow_version": "bench", "state": "received", "version": 1,
                    "is_closed": False, "title": "t", "title_search": "t", "summary": "",
                    "legal_basis": "UNTOC", "counterpart_country": "XA",
                    "counterpart_reference": f"CP-{case_id}", "domestic_reference": "",
                    "is_urgent": False, "urgency_reason": "",
                    "created_at": start + timedelta(minutes=n),
                    "updated_at": start + timedelta(minutes=n)})
            persons.append({"id": n, "uid": f"{n:032x}", "case_id": case_id,
                            "role": "suspect", "is_in_custody": False,
                            "full_name_enc": blob, "name_index": f"{n:032x}"})
            name = f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"
            dob = f"19{50 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            identifiers = f"P{n:09d}"
            if n == size // 2:  # the one person the new request is about
                name, dob, identifiers = PLANTED
            for token in person_tokens(ring, full_name=name, date_of_birth=dob,
                                       identifiers=identifiers):
                tokens.append({"person_id": n, "case_id": case_id, "kind": token.kind,
                               "digest": token.digest})
            if len(tokens) >= 25_000:
                flush()
        flush()
        db.session.commit()
        for index in indexes:
            index.create(db.engine)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"{size} persons inserted in {time.perf_counter() - started:.1f} s "
              f"({settings.database_url.split(':', 1)[0]})", flush=True)
    return app


def measure(app, repeat: int) -> dict[str, float]:
    from mla.auth.models import User
    from mla.cases.models import Case
    from mla.cases.services import CaseInput, OffenceInput, PersonInput, register_case
    from mla.extensions import db
    from mla.persons.services import link_candidates, search_persons

    results: dict[str, list[float]] = {"check a new request": [], "search a rare name": [],
                                       "search a common surname": []}
    common = LAST[(777 * 7) % len(LAST)]
    with app.app_context():
        user = db.session.get(User, app.config["BENCH_USER_ID"])
        # A new request naming the planted person (another order, the same passport) and
        # someone nobody knows.
        case = register_case(user, CaseInput(
            direction="incoming", kind="mla", counterpart_country="XA", legal_basis="UNTOC",
            title="bench", offences=[OffenceInput(label="Fraud", iccs=["0701"])],
            measures=["bank_records"],
            persons=[PersonInput(role="suspect", full_name="MARSH-QUIXOTE, Zebulon",
                                 date_of_birth=PLANTED[1], identifiers="ZQ 4455667"),
                     PersonInput(role="witness", full_name="Nobody Known")]))
        db.session.flush()
        link_candidates(case)  # warm-up: the first run reads the pages into the cache
        search_persons(user, "quixote")
        search_persons(user, common)
        for _ in range(repeat):
            started = time.perf_counter()
            found = link_candidates(case)
            results["check a new request"].append(time.perf_counter() - started)
            started = time.perf_counter()
            rare = search_persons(user, "quixote")
            results["search a rare name"].append(time.perf_counter() - started)
            started = time.perf_counter()
            hits = search_persons(user, common)
            results["search a common surname"].append(time.perf_counter() - started)
        assert len(found) == 1 and len(rare) == 2, (found, rare)
        print(f"  a common surname is carried by {len(hits)} persons (at most 200 listed)")
        db.session.rollback()
        assert db.session.query(Case).filter_by(title="bench").count() == 0
    return {name: statistics.median(times) for name, times in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            app = build(size, args.database_url, Path(tmp))
            rows.append((size, measure(app, args.repeat)))
            with app.app_context():
                from mla.extensions import db

                db.engine.dispose()
    base = rows[0][1]
    print(f"\n{'persons':>10}  {'operation':<22} {'median ms':>10} {'ratio':>7}")
    for size, timings in rows:
        for name, seconds in timings.items():
            print(f"{size:>10}  {name:<22} {seconds * 1000:>10.2f} "
                  f"{seconds / base[name]:>7.2f}")


if __name__ == "__main__":
    main()
