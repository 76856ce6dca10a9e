"""Write cryoelig/inputs/fhir/icd10cm.csv: every category and subcategory of ICD-10-CM chapter 2
(Neoplasms) with what the FHIR reader takes from it, derived from the installed simple-icd-10-cm's
hierarchy and the site map (cryoelig/inputs/fhir/icd10cm-sites.csv).

    .venv/bin/python scripts/icd10cm_table.py            # rewrite the table
    .venv/bin/python scripts/icd10cm_table.py --check    # exit 1 when the table differs

Run it after upgrading simple-icd-10-cm (a new ICD-10-CM release) or changing the site map.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryoelig.inputs.fhir.icd10cm import FIELDS, NEOPLASM_CHAPTER, derive  # noqa: E402

TABLE = ROOT / "cryoelig" / "inputs" / "fhir" / "icd10cm.csv"


def render() -> str:
    """The table's text: a header, then one row per code of chapter 2, in the classification's order."""
    import simple_icd_10_cm as cm

    lines = ["code," + ",".join(FIELDS)]
    for code in cm.get_descendants(NEOPLASM_CHAPTER):
        if cm.is_chapter_or_block(code) or not cm.is_category_or_subcategory(code):
            continue
        meaning = derive(cm, code)
        lines.append(",".join([code] + [meaning.get(k, "") for k in FIELDS]))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    text = render()
    if args.check:
        same = TABLE.read_text(encoding="utf-8") == text
        print("icd10cm.csv is up to date" if same else "icd10cm.csv differs: run scripts/icd10cm_table.py")
        return 0 if same else 1
    TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {TABLE.relative_to(ROOT)}: {text.count(chr(10)) - 1} codes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
