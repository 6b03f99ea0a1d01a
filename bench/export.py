"""The request list's export at 10,000 and 100,000 rows, each in a child process of its own,
so its peak memory is the export's: `.venv/bin/python -m bench export` or
`.venv/bin/python -m bench.export [--rows 100000] [--database-url URL] [--xlsx]`.

Loads ROWS requests (bench.reports' database of bench/_data.py's requests: SQLite in a
temp directory unless --database-url), then per export prints the rows received, the
time to the first byte and to the last, and the child's RSS as the export starts (the
app started, the same export of no rows served once with the session the parent signed
in; the peak then reset to it) and its peak during the export (VmHWM, the high-water
mark getrusage's ru_maxrss reads). Streaming shows as that growth staying the same when
the rows grow tenfold.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# One counterpart's requests (bench/_data.py gives FR one request in five) and all.
EXPORTS = ("counterpart=FR", "")


def _peak_mib() -> float:
    """The process's peak RSS: VmHWM, the high-water mark getrusage's ru_maxrss reads,
    taken from /proc/self/status because ru_maxrss is also the largest of any thread
    that exited (a pool's, a server's), which no reset lowers."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _reset_peak() -> bool:
    """Start the peak again from the current RSS ('5' to /proc/self/clear_refs resets
    VmHWM), so the app's start-up, which peaks higher than an export, does not hide it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def sign_in(app: Any) -> str:
    """The bench user's session cookie: signed in once, in the parent (argon2's memory
    would otherwise sit in each child's RSS before the export starts)."""
    from bench._data import sign_in

    client = app.test_client()
    with app.app_context():
        sign_in(client)
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        assert cookie is not None
        return cookie.value


def child(folder: Path, database_url: str | None, url: str, cookie: str) -> None:
    from bench.reports import build

    app = build(0, database_url, folder, reuse=True)
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    with app.app_context():
        # The same export, of no rows (no request has the home state as counterpart):
        # what runs once per process (imports, translations, the first statements) is
        # done before the peak is reset.
        warm = client.get(url.split("?")[0] + "?counterpart=XZ")
        assert warm.status_code == 200
        warm.get_data()
        warm.close()
        reset = _reset_peak()
        before = _peak_mib()
        began = time.perf_counter()
        response = client.get(url, buffered=False)
        assert response.status_code == 200, response.status_code
        first = None
        size = lines = 0
        with tempfile.TemporaryFile() as body:
            for chunk in response.response:
                if first is None:
                    first = time.perf_counter() - began
                size += len(chunk)
                lines += chunk.count(b"\n")
                body.write(chunk)
            response.close()
            taken = time.perf_counter() - began
            peak = _peak_mib()
            if url.split("?")[0].endswith(".xlsx"):  # its rows counted once measured
                import openpyxl

                body.seek(0)
                book = openpyxl.load_workbook(body, read_only=True)
                lines = sum(1 for _row in book.worksheets[0].iter_rows(values_only=True))
                book.close()
    print(json.dumps({"rows": lines - 1, "bytes": size, "first": first, "seconds": taken,
                      "rss_before": before, "rss_peak": peak, "reset": reset}), flush=True)


def run_child(folder: Path, database_url: str | None, url: str,
              cookie: str) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.export", "--child", url, "--folder", str(folder),
               "--cookie", cookie]
    if database_url:
        command += ["--database-url", database_url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the child for {url} failed:\n{done.stderr[-3000:]}")
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="an EMPTY database to use (it is wiped)")
    parser.add_argument("--xlsx", action="store_true", help="the XLSX export too")
    parser.add_argument("--keep", metavar="DIR", help="keep the instance folder in DIR")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the data an earlier run left with --keep DIR")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--cookie", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.folder), args.database_url, args.child, args.cookie)
        return
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR")
    from bench.reports import build

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        cookie = sign_in(build(args.rows, args.database_url, folder, reuse=args.reuse))
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} cores")
        print(f"{'export':<34} {'rows':>8} {'MB':>6} {'first s':>8} {'total s':>8} "
              f"{'RSS start MiB':>14} {'peak MiB':>9} {'growth':>7}")
        for fmt in ("csv", "xlsx") if args.xlsx else ("csv",):
            for query in EXPORTS:
                url = f"/requests/export.{fmt}" + (f"?{query}" if query else "")
                found = run_child(folder, args.database_url, url, cookie)
                print(f"{url:<34} {int(found['rows']):>8} {found['bytes'] / 1e6:>6.1f} "
                      f"{found['first']:>8.2f} {found['seconds']:>8.2f} "
                      f"{found['rss_before']:>14.1f} {found['rss_peak']:>9.1f} "
                      f"{found['rss_peak'] - found['rss_before']:>7.1f}"
                      + ("" if found["reset"] else "  (peak not reset: includes start-up)"),
                      flush=True)


if __name__ == "__main__":
    main()
