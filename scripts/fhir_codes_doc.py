"""Write the code tables of docs/fhir-mapping.md from the data the FHIR reader reads:
cryoelig/inputs/fhir/codes.csv (the curated rows) and icd10cm-sites.csv (the ICD-10-CM site map).

    .venv/bin/python scripts/fhir_codes_doc.py     # rewrite the tables between their markers

tests/test_fhir_terminology.py fails when the document and the data differ.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryoelig.inputs.fhir.codes import rows  # noqa: E402

DOC = ROOT / "docs" / "fhir-mapping.md"
SITES = ROOT / "cryoelig" / "inputs" / "fhir" / "icd10cm-sites.csv"


def code_table() -> str:
    out = ["| system | code | display | role | meaning | source |", "|---|---|---|---|---|---|"]
    out += [f"| `{s}` | `{c}` | {d} | {r} | {m} | {src} |" for s, c, d, r, m, src in rows()]
    return "\n".join(out)


def site_table() -> str:
    out = ["| ICD-10-CM prefix | title | kind | site | primary_cancer | histology |", "|---|---|---|---|---|---|"]
    with SITES.open(encoding="utf-8") as f:
        out += [f"| `{r['prefix']}` | {r['title']} | {r['kind']} | {r['site'] or '(none)'} | {r['primary_cancer']} | "
                f"{r['histology']} |" for r in csv.DictReader(f)]
    return "\n".join(out)


def with_tables(text: str) -> str:
    for name, table in (("codes", code_table()), ("icd10cm-sites", site_table())):
        text, found = re.subn(rf"(<!-- {name}: begin -->\n)(?:.*?\n)?(<!-- {name}: end -->)",
                              lambda m, t=table: m.group(1) + t + "\n" + m.group(2), text, flags=re.S)
        if found != 1:
            raise SystemExit(f"docs/fhir-mapping.md: the markers of the {name} table are missing")
    return text


if __name__ == "__main__":
    DOC.write_text(with_tables(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the tables of {DOC.relative_to(ROOT)}")
