"""Published scales per case: scoring every scale, and the published-scales section of a report.

Prints, for N generated cases with the scale fields given or not at random: the time per case to score
the nine scales with a fresh memo (``scales.score_all``: the arithmetic itself), through the pack's
memoized results (``reasoning.casefacts``: what the evaluation and the engine use), and to build the report's section
(``scales_report.published_scales``, memoized per pack). Run it twice minutes apart on a shared machine;
the figures are noisy there.

    python bench/bench_scales.py --cases 20000 --repeat 5 --seed 7
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryoelig.reasoning.casefacts import case_facts, scale_results  # noqa: E402
from cryoelig.reasoning.evaluation import evaluate  # noqa: E402
from cryoelig.report.projection import fill  # noqa: E402
from cryoelig.report.scalesection import published_scales  # noqa: E402
from cryoelig.rulepack.load import load_pack  # noqa: E402
from cryoelig.scales.scoring import score_all  # noqa: E402

SITES = ["skin", "liver", "prostate", "kidney", "lung", "bone", "other"]


def cases(n: int, seed: int, pack) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        facts: dict = {"site": rnd.choice(SITES)}
        for scale in pack.scales:
            for comp in scale.components:
                if rnd.random() < 0.5:
                    facts[comp.field] = (rnd.choice(comp.choices).value if comp.choices
                                         else round(rnd.uniform(0, 12), 1))
            if scale.field and rnd.random() < 0.5:
                facts[scale.field] = rnd.choice([lv.value for lv in scale.levels]) if scale.levels \
                    else round(rnd.uniform(0, 60), 1)
        facts.setdefault("tumor.metastatic", rnd.random() < 0.7)
        facts.setdefault("tumor.bone_region", rnd.choice(["long_bone", "spine", "pelvis"]))
        out.append(facts)
    return out


def best(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    pack = load_pack()
    data = cases(args.cases, args.seed, pack)
    n = len(data)
    plain = best(args.repeat, lambda: [score_all(pack.scales, f) for f in data])
    memo = best(args.repeat, lambda: [scale_results(pack, f) for f in data])
    totals = best(args.repeat, lambda: [case_facts(pack, f) for f in data])
    traces = [evaluate(pack, f) for f in data]
    section = best(args.repeat, lambda: [published_scales(t, [], fill) for t in traces])
    print(f"{n:,} cases, {len(pack.scales)} scales, best of {args.repeat}; command: "
          f"python bench/bench_scales.py --cases {args.cases} --repeat {args.repeat} --seed {args.seed}")
    for label, seconds in (("score_all (arithmetic, no memo)", plain), ("scale_results (memoized)", memo),
                           ("case_facts (the totals, once per case)", totals),
                           ("published_scales section (memoized)", section)):
        print(f"  {label:<48} {seconds / n * 1e6:8.2f} us/case")


if __name__ == "__main__":
    main()
