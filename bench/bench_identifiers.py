"""The identifier guard measured: misses, false alarms and microseconds per note (issue 26).

Misses are identifying notes of tests/fixtures/phi/identifying*.txt that pass; false alarms are clean texts of
clean*.txt (every text of the pack at the time, clinical phrases, whole clinical notes) that are refused. The
time is the minimum over rounds (a shared machine), for a typical 154-character note, the 50 whole notes of
clean_holdout2.txt and a 2,000-character note. ``--baseline FILE`` times another guard module (the
``case/identifiers.py`` of the code before a change, which imported nothing of cryoelig) round by round with
this one, so that a shared machine's load hits both alike; its misses and false alarms are printed too.

    python bench/bench_identifiers.py [--rounds 15] [--baseline /old/cryoelig/case/identifiers.py] [--list]
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path

SETS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "phi"
#: Labels as a batch checks them on every row (case_id).
LABELS = ["mdt-kidney-07", "batch-01", "case-000123", "example-bone-repeat", "lung.peripheral.3", "mdt_liver_2024",
          "c-1", "row-18500"]
TYPICAL = ("72M, RCC 3.2 cm interpolar left kidney, ECOG 1, eGFR 55, INR 1.1, plt 210; s/p partial nephrectomy "
           "2019 contralateral; discussed at MDT, prefers ablation.")


def load(name: str) -> list[tuple[str, str]]:
    lines = (SETS / name).read_text(encoding="utf-8").split("\n")
    return [tuple(line.split("\t", 1)) for line in lines if line]  # type: ignore[misc]


def per_note(checks: dict[str, Callable[[str], object]], texts: list[str], rounds: int) -> dict[str, float]:
    """CPU microseconds per text of each guard (process time: the machine is shared), the best of ``rounds``
    passes, the guards taking turns."""
    reps = max(1, 3000 // (len(texts) * (1 + len(texts[0]) // 100)))
    best = dict.fromkeys(checks, float("inf"))
    for _ in range(rounds):
        for name, check in checks.items():
            start = time.process_time()
            for _ in range(reps):
                for text in texts:
                    check(text)
            best[name] = min(best[name], (time.process_time() - start) / (reps * len(texts)))
    return {name: seconds * 1e6 for name, seconds in best.items()}


def accuracy(name: str, check: Callable[[str], object], listed: bool) -> None:
    for suffix in ("", "_holdout", "_holdout2"):
        identifying, clean = load(f"identifying{suffix}.txt"), load(f"clean{suffix}.txt")
        misses = [(k, t) for k, t in identifying if not check(t)]
        alarms = [(o, t, check(t)) for o, t in clean if check(t)]
        print(f"{name}, set '{suffix or 'main'}': {len(misses)} misses of {len(identifying)}, "
              f"{len(alarms)} false alarms of {len(clean)}")
        if listed:
            for kind, text in misses:
                print(f"  miss  {kind}: {text!r}")
            for origin, text, said in alarms:
                print(f"  alarm {origin} ({said}): {text!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--baseline", help="another guard module (a file) to compare with")
    parser.add_argument("--list", action="store_true", help="print every miss and false alarm")
    args = parser.parse_args()
    from cryoelig.case.identifiers import find_identifier, find_label_identifier

    checks: dict[str, Callable[[str], object]] = {"this guard": find_identifier}
    labels: dict[str, Callable[[str], object]] = {"this guard": find_label_identifier}
    if args.baseline:
        spec = importlib.util.spec_from_file_location("baseline_identifiers", args.baseline)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        checks["baseline"] = module.find_identifier
        labels["baseline"] = module.find_label_identifier
    for name, check in checks.items():
        accuracy(name, check, args.list)
    notes = [t for _, t in load("clean_holdout2.txt")]
    long_note = " ".join(notes)[:2000]
    for label, texts in (("typical note (154 characters)", [TYPICAL]),
                         (f"whole notes ({len(notes)}, mean {sum(map(len, notes)) // len(notes)} characters)", notes),
                         ("long note (2,000 characters)", [long_note])):
        times = per_note(checks, texts, args.rounds)
        print(f"{label}: " + ", ".join(f"{name} {us:.1f} us" for name, us in times.items()))
    times = per_note(labels, LABELS, args.rounds)
    print(f"labels ({len(LABELS)} case_ids): " + ", ".join(f"{name} {us:.1f} us" for name, us in times.items()))


if __name__ == "__main__":
    main()
