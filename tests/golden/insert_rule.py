"""How many golden files change when one rule is inserted: a demonstration, on a copy.

Copies the code, the packs, the examples and tests/golden into a temporary folder, inserts one rule
that is never met and never waits on a field (``all: [site == skin, site == other]``) as the FIRST
rule of the first area (so that every later rule moves down in the evaluation order and in its file),
regenerates the goldens there, and lists the golden files that differ from the ones in this checkout.
Nothing in this checkout changes.

    python tests/golden/insert_rule.py                  # every golden, the generated cases too (~2 min)
    python tests/golden/insert_rule.py --no-generated   # without the 10,000 generated cases
    python tests/golden/insert_rule.py --max 6          # exit 1 when more than 6 files change

Run on the layout of issue 23 it lists, besides the new rule's own file, the catalog, `rules test`
(its rule count) and the two digest files: see tests/golden/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RULE_ID = "general.inserted-no-op"
RULE = f"""\
  - id: {RULE_ID}
    factor: general.inserted_no_op
    kind: context
    when:
      all:
        - site == skin
        - site == other
    text: >-
      A rule inserted by tests/golden/insert_rule.py; its condition is never met.
    cites:
      - source: cryosurgery-metastatic-bone-tumors
        quote: "Some of the most common areas where cryosurgery is used include"

"""
FACTOR = """\
  - id: general.inserted_no_op
    kind: context
    label: A rule inserted by tests/golden/insert_rule.py
"""


def copy_tree(into: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("cryoelig", "rules", "examples", "tests/golden"):
        shutil.copytree(ROOT / folder, into / folder, ignore=ignore)


def insert_rule(root: Path) -> None:
    """The rule first in rules/general.yaml, its factor first in pack.yaml."""
    rules = root / "rules" / "general.yaml"
    text = rules.read_text(encoding="utf-8")
    head, sep, rest = text.partition("rules:\n")
    assert sep, "rules/general.yaml has no 'rules:' line"
    rules.write_text(head + sep + RULE + rest, encoding="utf-8")
    pack = root / "rules" / "pack.yaml"
    text = pack.read_text(encoding="utf-8")
    head, sep, rest = text.partition("\nfactors:\n")
    assert sep, "rules/pack.yaml has no 'factors:' line"
    pack.write_text(head + sep + FACTOR + rest, encoding="utf-8")


def golden_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py" and p.name != "README.md"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-generated", action="store_true", help="leave the 10,000 generated cases out")
    parser.add_argument("--max", type=int, default=None, help="exit 1 when more golden files than this change")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cryoelig-insert-rule-") as tmp:
        root = Path(tmp)
        copy_tree(root)
        insert_rule(root)
        env = dict(os.environ, PYTHONPATH=str(root), CRYOELIG_CACHE_DIR=str(root / "cache"))
        command = [sys.executable, str(root / "tests" / "golden" / "regenerate.py")]
        command += ["--no-generated"] if args.no_generated else []
        subprocess.run(command, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
        which = subprocess.run([sys.executable, "-c", "import cryoelig; print(cryoelig.__file__)"], cwd=root,
                               env=env, check=True, capture_output=True, text=True).stdout.strip()
        assert which.startswith(str(root)), f"the copy imported the code in {which}"
        before, after = golden_files(HERE), golden_files(root / "tests" / "golden")
    changed = sorted(name for name in before.keys() & after.keys() if before[name] != after[name])
    added, removed = sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys())
    for title, names in (("changed", changed), ("added", added), ("removed", removed)):
        for name in names:
            print(f"{title:8} tests/golden/{name}")
    if "outputs.sha256" in changed:
        old, new = (dict(line.split("  ", 1)[::-1] for line in files["outputs.sha256"].decode().splitlines())
                    for files in (before, after))
        moved = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
        print(f"         (outputs.sha256: the digests of {len(moved)} of {len(new)} outputs, e.g. {moved[:3]})")
    total = len(changed) + len(added) + len(removed)
    print(f"inserting {RULE_ID} changes {total} of {len(before)} golden files "
          f"({len(changed)} changed, {len(added)} added, {len(removed)} removed)")
    return 1 if args.max is not None and total > args.max else 0


if __name__ == "__main__":
    sys.exit(main())
