"""Time the legacy register import (`flask cases import`) at two sizes in one run:
`.venv/bin/python -m bench import [-- --sizes 10000 100000] [--database-url URL]
[--format xlsx]`.

Generates a register of each size in the layout of docs/import/sample-register.csv
(every direction and kind, several states, one offence and one person on most rows),
imports it with docs/import/sample-mapping.toml through the CLI command into a
throwaway database (an SQLite file in a temp directory by default; PostgreSQL with
--database-url pointing at an EMPTY database), and prints the seconds, rows/s and
the CPU seconds of this process and the cost per row of each size (``--format xlsx``:
the same register as a workbook), then the ratio of per-row costs largest / smallest
(target: 100,000 rows in under 3 minutes; the ratio near 1, i.e. nothing grows per
row with the register's size).
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path

from bench.dualcrim import build_app

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "docs" / "import" / "sample-mapping.toml"
SAMPLE = ROOT / "docs" / "import" / "sample-register.csv"


def write_register(path: Path, size: int, seed: int = 11) -> None:
    """``size`` rows drawn from the sample's rows, with their own references and names,
    except that one row in 20 names the persons of the row 30 before it (the same
    sample row, so the same dates of birth) and one in 50 carries its counterpart
    reference: the same person or file in several requests, for the links pass."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        templates = list(reader)
    rng = random.Random(seed)
    their_ref, person = header.index("Their ref"), header.index("Person")
    period = len(templates)
    written: list[list[str]] = []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        for n in range(size):
            row = list(templates[n % period])
            if row[their_ref]:
                row[their_ref] = f"{row[their_ref]}-{n}"
            if row[person]:
                row[person] = "|".join(f"Person{n} Name{rng.randint(1, 10**6)}"
                                       for _ in row[person].split("|"))
            if n >= period and n % 20 == 0:
                row[person] = written[n - period][person]
            if n >= period and n % 50 == 5:
                row[their_ref] = written[n - period][their_ref]
            written.append(row)
            writer.writerow(row)


def write_workbook(csv_path: Path, path: Path) -> None:
    """The register at ``csv_path`` as an .xlsx workbook (openpyxl, a test dependency)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Register")
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter=";"):
            sheet.append(row)
    workbook.save(path)


def import_once(app, path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared, loaded machine the
    second says what the import itself costs (SQLite runs in-process; PostgreSQL's
    own work is not in it)."""
    runner = app.test_cli_runner()
    started, cpu = time.perf_counter(), time.process_time()
    result = runner.invoke(args=["cases", "import", str(path), "--mapping", str(MAPPING)])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.exit_code != 0:
        raise SystemExit(f"import of {path.name} failed:\n{result.output[-3000:]}")
    for line in result.output.splitlines():
        if line.startswith("Possible links"):
            print(f"  {line}")
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", help="an EMPTY database to use (it is wiped)")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    per_row = []
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(args.database_url, Path(tmp))
        backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
        print(f"register import through `cases import`, {backend}, .{args.format}")
        print(f"{'rows':>8} {'seconds':>8} {'rows/s':>8} {'us/row':>8} {'cpu s':>8}")
        for size in sizes:
            path = Path(tmp) / f"register-{size}.csv"
            write_register(path, size)
            if args.format == "xlsx":
                path = path.with_suffix(".xlsx")
                write_workbook(path.with_suffix(".csv"), path)
            seconds, cpu = import_once(app, path)
            per_row.append(seconds / size * 1e6)
            print(f"{size:>8} {seconds:>8.1f} {size / seconds:>8.0f} {per_row[-1]:>8.0f} "
                  f"{cpu:>8.1f}", flush=True)
        with app.app_context():
            from mla.extensions import db

            db.session.remove()
            db.engine.dispose()
    print(f"ratio per row largest/smallest: {per_row[-1] / per_row[0]:.2f} "
          f"(target: 100,000 rows in under 180 s)")


if __name__ == "__main__":
    main()
