"""Missing information per example case: the fields a report lists (JSON ``missing``) and the items a
reader sees, for this code and, with --against DIR, for another checkout (e.g. before issue 9).

Before issue 9 every field was one table row; since then the site's own fields are one item each and
every field any site's points wait on is one item together.

    python bench/missing_items.py
    git archive main | tar -x -C /tmp/before     # another checkout
    python bench/missing_items.py --against /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def items(code: Path, case: Path) -> tuple[int, int, int, list[str]]:
    """(points, missing fields, items shown, fields) of one case under the code in ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code), "CRYOELIG_NO_CACHE": "1"}
    out = subprocess.run([sys.executable, "-m", "cryoelig", "check", str(case), "--format", "json"], cwd=code,
                         env=env, capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    fields = [m["field"] for m in report["missing"]]
    if report["missing"] and all("scope" in m for m in report["missing"]):
        site = sum(m["scope"] == "site" for m in report["missing"])
        shown = site + (site < len(fields))
    else:
        shown = len(fields)
    return len(report["findings"]), len(fields), shown, fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    codes = [("this code", HERE)] + ([("against", args.against)] if args.against else [])
    for case in sorted((HERE / "examples").glob("*.yaml")):
        for name, code in codes:
            points, count, shown, fields = items(code, case)
            print(f"{case.name:26} {name:9}  points {points:2}  missing fields {count:2}  items shown {shown:2}  "
                  f"({', '.join(fields)})")
    print("reproduce: python bench/missing_items.py" + (f" --against {args.against}" if args.against else ""))


if __name__ == "__main__":
    main()
