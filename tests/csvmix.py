"""A large CSV of generated cases for batch tests: mostly valid rows, a few invalid values and a few
identifying-looking notes (so a run has results and errors). Deterministic for a seed."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from cryoelig.case.contract import case_fields
from cryoelig.rulepack.load import load_pack

BOOLEAN = ("true", "false")
#: The fields the published scales added to the contract (issue 12) stay out: the mix is the source
#: article's fields, as it always was (ecog among them: the source pack's rules read it since issue 9).
SCALE_GROUPS = ("mirels.", "sins.", "renal.", "labs.")
SCALE_FIELDS = {"kps", "tumor.bone_region", "symptoms.worst_pain_last_day"}


def source_columns() -> list[str]:
    return [c for c in case_fields() if c != "site" and c not in SCALE_FIELDS and not c.startswith(SCALE_GROUPS)]


def mixed_row(rng: random.Random, i: int, columns: list[str]) -> list[str]:
    fields = case_fields()
    row = dict.fromkeys(columns, "")
    row["case_id"] = f"case-{i:06d}"
    row["site"] = rng.choice(load_pack().site_ids)
    for name in columns:
        spec = fields.get(name)
        if spec is None or name == "site" or rng.random() < 0.5:
            continue
        if spec["type"] == "number":
            if name == "tumor.size_cm":
                row[name] = f"{rng.uniform(0.3, 12):.1f}"
            else:
                row[name] = str(rng.randint(0, 4) if name == "ecog" else rng.randint(1, 5))
        elif spec["type"] == "bool":
            row[name] = rng.choice(BOOLEAN)
        elif spec["type"] == "list":
            row[name] = ";".join(rng.sample(spec["values"], rng.randint(0, 2))) or "none"
        else:
            row[name] = rng.choice(spec["values"])
    roll = rng.random()
    if roll < 0.02:
        row["tumor.size_cm"] = "-3"
    elif roll < 0.03:
        row["notes"] = f"call {rng.randint(200, 999)}-555-{rng.randint(1000, 9999)}"
    return [row[c] for c in columns]


def write_mixed_csv(path: Path, rows: int, seed: int) -> None:
    columns = ["case_id", "site", *source_columns(), "notes"]
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for i in range(rows):
            writer.writerow(mixed_row(rng, i, columns))


def write_mixed_jsonl(path: Path, rows: int, seed: int) -> None:
    """The same rows as ``write_mixed_csv`` as JSONL case documents (an input a batch reads row by row, with
    checkpoints: the column-wise paths read CSV and Parquet)."""
    import json

    fields = case_fields()
    columns = ["case_id", "site", *source_columns(), "notes"]
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(rows):
            case: dict[str, object] = {}
            for name, cell in zip(columns, mixed_row(rng, i, columns), strict=True):
                if not cell:
                    continue
                kind = (fields.get(name) or {}).get("type")
                value: object = (cell == "true" if kind == "bool" else
                                 [v for v in cell.split(";") if v != "none"] if kind == "list" else cell)
                group, _, leaf = name.rpartition(".")
                (case.setdefault(group, {}) if group else case)[leaf] = value  # type: ignore[index]
            f.write(json.dumps(case) + "\n")
