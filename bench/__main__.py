"""``make bench`` (quick) and ``make bench-full``: every benchmark module in bench/, side by side with peers.

Each module ``bench/<name>.py`` defines ``run(quick: bool) -> None`` that measures innograph and the
named peers in the same run and prints a table with ratios. Select some with ``--only NAME``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="CI-sized runs (default)")
    mode.add_argument("--full", action="store_true", help="the full sizes (10k..1M triples and more)")
    parser.add_argument("--only", action="append", default=[], help="run only this module (repeatable)")
    args = parser.parse_args(argv)
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                   if not m.name.startswith("_"))
    failures = 0
    for name in names:
        if args.only and name not in args.only:
            continue
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        print(f"\n=== bench/{name}.py ({'full' if args.full else 'quick'}) ===", flush=True)
        start = time.perf_counter()
        try:
            module.run(quick=not args.full)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failures += 1
            print(f"FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"({time.perf_counter() - start:.1f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
