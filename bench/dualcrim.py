"""Time one dual-criminality check against catalogues of growing size:
`.venv/bin/python -m bench.dualcrim [--sizes 1000 10000 100000] [--database-url URL]`.

Builds a throwaway database (an SQLite file in a temp directory by default),
imports a generated catalogue of each size for one jurisdiction through the
bulk import service, then times `run_check` (validation, indexed candidate
lookups, the verdict) for a mix of conducts: exact, broader, narrower and
unmatched codes. Prints the median time per check for each size and the ratio
largest / smallest (target: at most 1.5, i.e. the check does not scan).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

CONDUCTS = (["0701"], ["070112"], ["07"], ["0101", "0903"], ["02011"], ["1001"],
            ["090123"], ["0502"])
JURISDICTION = "XQ"


def build_app(database_url: str | None, tmp: Path):
    from mla import create_app
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import ensure_fictional_country, load_reference_data
    from mla.settings import Settings

    settings = Settings.from_env(
        environ={"MLA_SECRET_KEY": "b" * 48, "MLA_HOME_COUNTRY": "XZ",
                 "MLA_DATABASE_URL": database_url or f"sqlite:///{tmp / 'bench.db'}"},
        instance_path=tmp, key_file=tmp / "keyring.json", cookie_secure=False, testing=True)
    app = create_app(settings)
    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
            ensure_fictional_country("XZ", "Zembla")
            ensure_fictional_country(JURISDICTION, "Benchland")
    return app


def generate(size: int, codes: list[str], seed: int = 7) -> list:
    from mla.dualcrim.catalogue import OffenceRow

    rng = random.Random(seed)
    return [OffenceRow(line=n + 2, code=f"{JURISDICTION}-{n}", title=f"Offence {n}",
                       statute=f"Act s.{n}", max_penalty_months=rng.randint(1, 240),
                       iccs=rng.sample(codes, rng.randint(1, 3)))
            for n in range(size)]


def load(app, size: int) -> float:
    from mla.core.transaction import unit_of_work
    from mla.dualcrim.catalogue import import_catalogue
    from mla.extensions import db
    from mla.reference.models import IccsCode

    with app.app_context():
        codes = list(db.session.scalars(select(IccsCode.code)))
        rows = generate(size, codes)
        started = time.perf_counter()
        with unit_of_work():
            import_catalogue("bench", JURISDICTION, rows, source_name=f"generated-{size}")
        with db.engine.connect() as conn:  # fresh statistics, as a maintained database has
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        return time.perf_counter() - started


def time_checks(app, repeat: int) -> float:
    from mla.dualcrim.services import CheckRequest, run_check
    from mla.extensions import db

    requests = [CheckRequest(kind="extradition", legal_basis="ECE", requesting_country="XZ",
                             requested_country=JURISDICTION, coercive=True, iccs=codes,
                             max_penalty_months=60) for codes in CONDUCTS]
    timings = []
    with app.app_context():
        for req in requests:  # warm caches and statement compilation
            run_check(req)
        for _ in range(repeat):
            for req in requests:
                started = time.perf_counter()
                run_check(req)
                timings.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--database-url", help="an EMPTY database to use (it is wiped)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(args.database_url, Path(tmp))
        backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
        print(f"dual-criminality check, {backend}, {len(CONDUCTS)} conducts x {args.repeat}")
        print(f"{'offences':>10} {'import s':>9} {'median ms/check':>16}")
        for size in sorted(args.sizes):
            seconds = load(app, size)
            median = time_checks(app, args.repeat)
            results.append(median)
            print(f"{size:>10} {seconds:>9.1f} {median:>16.2f}", flush=True)
        with app.app_context():
            from mla.extensions import db

            db.session.remove()
            db.engine.dispose()
    ratio = results[-1] / results[0]
    print(f"ratio largest/smallest: {ratio:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
