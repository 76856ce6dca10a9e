"""The hostile corpus (tests/hostile/corpus.py) run through the real command line, counted.

Prints, per class of attack: attacks, exit codes, tracebacks, deaths by signal, hangs (no answer
within the bound), planted identifiers echoed (stdout, stderr or any file written), control
characters printed, and the slowest run. The tests assert each of these per attack; this script
gives the totals for the notes.

Usage: python bench/hostile_report.py [--parallel 4]
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HOSTILE = Path(__file__).resolve().parent.parent / "tests" / "hostile"
sys.path.insert(0, str(HOSTILE))
sys.path.insert(0, str(HOSTILE.parent))

from corpus import attacks  # noqa: E402
from harness import BOUND_SECONDS, PLANTED, run_cli, written_files  # noqa: E402
from test_hostile_corpus import build  # noqa: E402

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cryoelig-hostile-"))
    todo = list(enumerate(attacks()))

    def one(item):  # noqa: ANN001, ANN202
        index, attack = item
        folder = work / f"a{index}"
        folder.mkdir()
        build(folder, attack)
        outcome = run_cli(attack.args, stdin=attack.stdin, stdout=attack.stdout, cwd=folder)
        outputs = b"".join(data for name, data in written_files(folder).items() if name not in attack.files)
        texts = outcome.out + outcome.err
        echoed = sum(secret in texts or secret.encode() in outputs for secret in PLANTED)
        expected = outcome.code in attack.codes and all(t in outcome.err for t in attack.err_has)
        return attack, outcome, echoed, expected

    with ThreadPoolExecutor(args.parallel) as pool:
        results = list(pool.map(one, todo))
    rows: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    slowest: dict[str, float] = collections.defaultdict(float)
    for attack, outcome, echoed, expected in results:
        row = rows[attack.cls]
        row["attacks"] += 1
        row[f"exit {outcome.code}"] += 1
        row["tracebacks"] += "Traceback" in outcome.out + outcome.err
        row["signals"] += outcome.code < 0
        row["hangs"] += outcome.timed_out
        row["echoed"] += echoed
        row["ctrl chars"] += bool(_CONTROL.search(outcome.out + outcome.err))
        row["unexpected"] += not expected
        slowest[attack.cls] = max(slowest[attack.cls], outcome.seconds)
    print("command: python bench/hostile_report.py")
    print(f"bound per run: {BOUND_SECONDS:.0f} s; planted identifiers: {', '.join(PLANTED)}")
    keys = ["attacks", "exit 0", "exit 1", "exit 2", "tracebacks", "signals", "hangs", "echoed", "ctrl chars",
            "unexpected"]
    print("echoed: planted identifiers found in the output; ctrl chars: runs that printed a control character; "
          "unexpected: exit code or message not the one the test expects")
    print(f"{'class':<10}" + "".join(f"{k:>11}" for k in keys) + f"{'slowest s':>11}")
    total: collections.Counter = collections.Counter()
    for cls, row in rows.items():
        total.update(row)
        print(f"{cls:<10}" + "".join(f"{row[k]:>11}" for k in keys) + f"{slowest[cls]:>11.1f}")
    print(f"{'all':<10}" + "".join(f"{total[k]:>11}" for k in keys) + f"{max(slowest.values()):>11.1f}")
    other = sorted(k for k in total if k.startswith("exit ") and k not in keys)
    if other:
        print("other exit codes:", {k: total[k] for k in other})


if __name__ == "__main__":
    main()
