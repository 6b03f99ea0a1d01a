"""Run benchmark modules: `python -m bench [NAME ...] [-- ARGS]`.

With no NAME, every module of the package runs in turn, each with its defaults;
arguments after `--` are passed to the named modules' own parsers.
"""

from __future__ import annotations

import pkgutil
import runpy
import sys
from pathlib import Path


def modules() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)])
                  if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    available = modules()
    names = argv or available
    unknown = [name for name in names if name not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}",
              file=sys.stderr)
        return 2
    for name in names:
        print(f"== bench.{name} ==", flush=True)
        saved = sys.argv
        sys.argv = [f"bench.{name}", *extra]
        try:
            runpy.run_module(f"bench.{name}", run_name="__main__", alter_sys=True)
        finally:
            sys.argv = saved
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
