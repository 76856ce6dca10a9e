"""Cases/second into full reports: durable_rules engine vs the plain-Python evaluator, same run.

Prints, for N generated cases (default 100,000): the rate of full Report building when the
engine decides which rules fire (and the Python evaluator explains), the rate when the Python
evaluator alone does both, their ratio, the engine-only and Python-only decision rates, and
RSS at checkpoints plus peak RSS (memory must not grow with N).

    python bench/bench_engine.py            # 100,000 cases
    python bench/bench_engine.py -n 20000 --chunk 500
    python bench/bench_engine.py -n 20000 --pack rules            # the source pack alone
    python bench/bench_engine.py -n 20000 --scale-fields          # cases also give the published scales' fields

By default the cases give the source article's fields only, drawn exactly as before the published scales
were added (the same cases for the same seed), and the default set of packs reviews them: run the same
command on a checkout without the scales to compare the two.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryoelig.case.contract import Case, case_fields  # noqa: E402
from cryoelig.facade import review_many  # noqa: E402
from cryoelig.reasoning.engine import engine_for  # noqa: E402
from cryoelig.reasoning.evaluation import evaluate  # noqa: E402
from cryoelig.rulepack.load import load_pack  # noqa: E402


def rss_mb() -> float:
    """Current resident set size in MB (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # ru_maxrss is in KiB


#: The fields the published scales added to the case contract (issue 12), and the values drawn for the numbers.
SCALE_GROUPS = ("mirels.", "sins.", "renal.", "labs.")
SCALE_NUMBERS = {"kps": [40, 60, 80, 100], "symptoms.worst_pain_last_day": [2, 4, 8],
                 "renal.nearness_mm": [2.0, 5.0, 9.0], "labs.inr": [1.1, 1.6, 2.0], "labs.platelets": [40, 120]}
SCALE_FIELDS = set(SCALE_NUMBERS) | {"tumor.bone_region", "mirels.total", "sins.total", "renal.total"}
SCALE_FIELDS_ON = False


def _fields():
    """The fields a generated case may give: the source article's, and with --scale-fields the scales' too."""
    return {name: spec for name, spec in case_fields().items()
            if SCALE_FIELDS_ON or not (name in SCALE_FIELDS or name.startswith(SCALE_GROUPS))}


def generate(n: int, sites: tuple[str, ...], seed: int = 7):
    """Valid random cases, each optional field given or unknown at random (deterministic)."""
    rnd = random.Random(seed)
    fields = _fields()
    sizes = [0.8, 2.0, 3.5, 3.9, 4.0, 4.5, 7.0]
    for i in range(n):
        data: dict = {"case_id": f"b{i}", "site": rnd.choice(sites)}
        for name, spec in fields.items():
            if name == "site" or rnd.random() < 0.4:
                continue
            if name in SCALE_NUMBERS:
                value = rnd.choice(SCALE_NUMBERS[name])
            elif name.endswith(".total"):
                continue  # a total beside random components would not add up: the components are drawn
            elif spec["type"] == "number":
                value = rnd.choice(sizes) if name == "tumor.size_cm" else rnd.randint(0, 4) if name == "ecog" \
                    else rnd.randint(1, 9)
            elif spec["type"] == "list":
                value = rnd.sample(spec["values"], rnd.randint(0, 2))
            else:
                value = rnd.choice(spec["values"])
            part, _, leaf = name.rpartition(".")
            (data.setdefault(part, {}) if part else data)[leaf] = value
        yield Case.model_validate(data)


def chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(label, n, chunk, work, sites):
    gc.collect()
    checkpoints = {n // 10, n // 2, n}
    done, elapsed, rss = 0, 0.0, []
    for batch in chunks(generate(n, sites), chunk):
        start = time.perf_counter()
        work(batch)
        elapsed += time.perf_counter() - start
        done += len(batch)
        if any(done >= c > done - len(batch) for c in checkpoints):
            rss.append(f"{done:,}: {rss_mb():.0f} MB")
    rate = n / elapsed
    print(f"{label:<44} {rate:>10,.0f} cases/s   RSS at {', '.join(rss)}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=250, help="cases per engine session")
    parser.add_argument("--pack", action="append", help="a pack folder; repeat for several (default: the default set)")
    parser.add_argument("--scale-fields", action="store_true", help="cases also give the published scales' fields")
    args = parser.parse_args()
    global SCALE_FIELDS_ON
    SCALE_FIELDS_ON = args.scale_fields
    pack = load_pack(args.pack)
    engine = engine_for(pack)
    engine.cases_per_session = args.chunk
    names = " + ".join(f"{p.name} {p.version}" for p in pack.parts)
    print(f"packs {names}: {len(pack.rules)} rules; {args.n:,} cases; "
          f"{args.chunk} cases per session; Python {sys.version.split()[0]}")

    def engine_reports(batch):
        for reviewed in review_many(batch, pack):
            reviewed.report.model_dump_json()

    def python_reports(batch):
        for reviewed in review_many(batch, pack, use_engine=False):
            reviewed.report.model_dump_json()

    def engine_only(batch):
        engine.fire_many([c.facts() for c in batch])

    def python_only(batch):
        for case in batch:
            evaluate(pack, case.facts()).fired  # noqa: B018 - the decision is the work measured

    sites = pack.site_ids
    e = run("full reports, engine decides (+ JSON)", args.n, args.chunk, engine_reports, sites)
    p = run("full reports, Python evaluator alone (+ JSON)", args.n, args.chunk, python_reports, sites)
    eo = run("decisions only: engine", args.n, args.chunk, engine_only, sites)
    po = run("decisions only: Python evaluator", args.n, args.chunk, python_only, sites)
    print(f"ratio full reports engine/Python: {e / p:.2f}   decisions only: {eo / po:.2f}")
    print(f"peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
