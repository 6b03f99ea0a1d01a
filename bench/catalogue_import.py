"""Time the bulk catalogue import (`flask offences import`) at two sizes in one run:
`.venv/bin/python -m bench.catalogue_import [--sizes 5000 50000] [--database-url URL]`.

Writes a generated CSV of each size (two ICCS codes per offence, as in
tests/dualcrim/test_import.py), imports it through the CLI command into a throwaway
database (an SQLite file in a temp directory by default), and prints the seconds and
the cost per row for each size, then the ratio of the per-row costs largest /
smallest (target: at most 1.5, i.e. the import stays bulk, with no per-row queries
that grow with the catalogue). For reference, 50,000 rows took 8 s on SQLite on a
2-core machine (the suite once asserted < 30 s, which a loaded machine missed at 42 s).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.dualcrim import build_app

CODES = ["0101", "0502", "0701", "07011", "070111", "07041", "0903", "06012"]
HEADER = "code,title,statute,max_penalty_months,iccs"
JURISDICTIONS = ["XB", "XC", "XD", "XE", "XF"]


def write_csv(path: Path, size: int, jurisdiction: str) -> None:
    lines = [HEADER]
    lines += [f"{jurisdiction}-{n},Offence {n},Act s.{n},{n % 240 + 1},"
              f"{CODES[n % len(CODES)]};{CODES[(n + 3) % len(CODES)]}" for n in range(size)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def import_once(app, path: Path, jurisdiction: str) -> float:
    from mla.core.transaction import unit_of_work
    from mla.reference.services import ensure_fictional_country

    with app.app_context(), unit_of_work():
        ensure_fictional_country(jurisdiction, f"Benchland {jurisdiction}")
    runner = app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=["offences", "import", str(path), "--jurisdiction",
                                 jurisdiction])
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"import of {path.name} failed:\n{result.output}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument("--database-url", help="an EMPTY database to use (it is wiped)")
    args = parser.parse_args()
    sizes = sorted(args.sizes)[:len(JURISDICTIONS)]
    per_row = []
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(args.database_url, Path(tmp))
        backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
        print(f"catalogue import through `offences import`, {backend}")
        print(f"{'rows':>8} {'seconds':>8} {'us/row':>8}")
        for size, jurisdiction in zip(sizes, JURISDICTIONS, strict=False):
            path = Path(tmp) / f"{jurisdiction}.csv"
            write_csv(path, size, jurisdiction)
            seconds = import_once(app, path, jurisdiction)
            per_row.append(seconds / size * 1e6)
            print(f"{size:>8} {seconds:>8.1f} {per_row[-1]:>8.0f}", flush=True)
        with app.app_context():
            from mla.extensions import db

            db.session.remove()
            db.engine.dispose()
    print(f"ratio per row largest/smallest: {per_row[-1] / per_row[0]:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
