"""Cost of the published scales per case: the arithmetic alone, and arithmetic plus the pack's rules.

Prints microseconds per case (best of --repeat runs over --cases generated fact sets, about half of each
scale's fields given) for ``score_all`` and for ``ScalesPack.fired`` (which scores, adds the totals, and
evaluates the 20 rules three-valued in Python). Deterministic inputs (--seed); timing is wall clock, so
compare variants interleaved on a quiet machine.

Usage: python bench/bench_scales.py [--cases 20000] [--repeat 5] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryoelig.scales import score_all  # noqa: E402
from cryoelig.scales_pack import load_scales_pack  # noqa: E402

SITES = ["skin", "liver", "prostate", "kidney", "lung", "bone", "other"]


def generate(pack, n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        facts: dict = {"site": rng.choice(SITES)}
        if rng.random() < 0.5:
            facts["tumor.metastatic"] = rng.random() < 0.7
        if rng.random() < 0.5:
            facts["tumor.bone_region"] = rng.choice(["long_bone", "spine", "pelvis", "other"])
        for scale in pack.scales:
            if scale.kind == "score":
                for comp in scale.components:
                    if rng.random() < 0.5:
                        facts[comp.field] = (rng.choice(comp.choices).value if comp.choices
                                             else round(rng.uniform(0.5, 12), 1))
            elif scale.kind == "grade" and rng.random() < 0.5:
                facts[scale.field] = rng.choice(scale.levels).value
            elif scale.kind == "measure" and rng.random() < 0.5:
                facts[scale.field] = round(rng.uniform(0, 10), 2)
        cases.append(facts)
    return cases


def best_of(repeat: int, fn, cases) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for facts in cases:
            fn(facts)
        best = min(best, time.perf_counter() - start)
    return best / len(cases) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    pack = load_scales_pack()
    cases = generate(pack, args.cases, args.seed)
    arithmetic = best_of(args.repeat, lambda f: score_all(pack.scales, f), cases)
    with_rules = best_of(args.repeat, pack.fired, cases)
    print(f"cases: {args.cases}, best of {args.repeat}, seed {args.seed}")
    print(f"score_all (9 scales):                {arithmetic:8.1f} us/case")
    print(f"fired (score + totals + 20 rules):   {with_rules:8.1f} us/case")
    print(f"reproduce: python bench/bench_scales.py --cases {args.cases} --repeat {args.repeat} --seed {args.seed}")


if __name__ == "__main__":
    main()
