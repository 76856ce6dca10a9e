"""Same inputs through cryoelig on two (or more) Pythons: every output must be byte-identical.

    .venv-a/bin/python scripts/compare_pythons.py .venv-a/bin/python .venv-b/bin/python [--cases 3000]

Why: durable-rules is built differently on 3.13+ (scripts/install.py), and a reviewer who runs
a batch on two interpreters compares the results; they are only comparable if nothing in the
output depends on the interpreter. Each Python runs the commands as a user would (`python -m
cryoelig ...`, a fresh pack cache each): every bundled example through `check` (JSON, and
Markdown with sources and why-not), `explain` (Markdown) and `report` (HTML); `rules test`; the
published JSON Schemas; every scenario case and a few thousand generated rows
(bench/bench_batch.py, fixed seed) through `batch --jobs 2` into JSONL and CSV with their error
and summary files. Prints one sha256 per output and Python, then one line; exit code 1 if any
output differs, 2 if a command fails. Run it with a Python that has cryoelig installed (it writes
the inputs with PyYAML and the bench's generator).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def write_inputs(folder: Path, cases: int, seed: int) -> dict[str, Path]:
    """The generated CSV and a JSONL of every scenario's case, written once for all Pythons."""
    import yaml

    spec = importlib.util.spec_from_file_location("bench_batch", ROOT / "bench" / "bench_batch.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    generated = folder / "generated.csv"
    bench.write_csv(generated, cases, seed=seed)
    scenarios = folder / "scenarios.jsonl"
    with open(scenarios, "w", encoding="utf-8") as out:
        for path in sorted((ROOT / "rules" / "scenarios").glob("*.yaml")):
            out.write(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8"))["case"], sort_keys=True) + "\n")
    return {"generated": generated, "scenarios": scenarios}


def commands(inputs: dict[str, Path], out: Path) -> list[tuple[str, list[str], list[Path]]]:
    """(name, cryoelig arguments, files it writes) for every output compared; stdout is one output too."""
    runs: list[tuple[str, list[str], list[Path]]] = []
    for example in EXAMPLES:
        rel = str(example.relative_to(ROOT))
        runs.append((f"check json {example.name}", ["check", rel, "--format", "json"], []))
        runs.append((f"check markdown {example.name}",
                     ["check", rel, "--format", "markdown", "--sources", "--why-not"], []))
        runs.append((f"explain markdown {example.name}", ["explain", rel, "--format", "markdown"], []))
        page = out / f"report-{example.stem}.html"
        runs.append((f"report html {example.name}", ["report", rel, "--out", str(page)], [page]))
    runs.append(("rules test", ["rules", "test"], []))
    for which in ("case", "report", "pack", "rule"):
        runs.append((f"schema {which}", ["schema", which], []))
    for source in ("scenarios", "generated"):
        for kind in ("jsonl", "csv"):
            files = [out / f"{source}.{kind}", out / f"{source}-{kind}.errors.jsonl",
                     out / f"{source}-{kind}.summary.json"]
            runs.append((f"batch {source} -> {kind}",
                         ["batch", str(inputs[source]), "--out", str(files[0]), "--errors", str(files[1]),
                          "--summary", str(files[2]), "--jobs", "2", "-q"], files))
    return runs


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def outputs_of(python: str, inputs: dict[str, Path], work: Path) -> tuple[str, dict[str, str]]:
    """Run every command with one Python; returns its version and {output name: sha256}."""
    version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    out = work / f"out-{len(list(work.iterdir()))}"
    out.mkdir()
    env = dict(os.environ, CRYOELIG_CACHE_DIR=str(out / "cache"))
    digests: dict[str, str] = {}
    for name, args, files in commands(inputs, out):
        proc = subprocess.run([python, "-m", "cryoelig", *args], capture_output=True, cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL)
        # batch exits 1 when some rows are in the error file (the generated mix has some on purpose)
        if proc.returncode not in ((0, 1) if args[0] == "batch" else (0,)):
            sys.stderr.write(f"compare: `{python} -m cryoelig {' '.join(args)}` failed with exit code "
                             f"{proc.returncode}: {proc.stderr.decode(errors='replace').strip()[-400:]}\n")
            raise SystemExit(2)
        writes_files = args[0] in ("batch", "report")  # their stdout/stderr is a line of counts and paths
        if proc.stderr.strip() and not writes_files:
            sys.stderr.write(f"compare: Python {version} wrote to stderr for {name}: "
                             f"{proc.stderr.decode(errors='replace').strip()[:400]}\n")
            raise SystemExit(2)
        if not writes_files:
            digests[f"{name} (stdout)"] = digest(proc.stdout)
        for path in files:
            digests[f"{name}: {path.name}"] = digest(path.read_bytes())
    return version, digests


def compare(results: list[tuple[str, dict[str, str]]]) -> list[str]:
    """The output names whose sha256 differs between the Pythons (or that one of them lacks)."""
    names = sorted(set().union(*(d for _, d in results)))
    return [n for n in names if len({d.get(n) for _, d in results}) != 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pythons", nargs="+", help="two or more Python executables with cryoelig installed")
    parser.add_argument("--cases", type=int, default=3000, help="generated batch rows (default 3000)")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    if len(args.pythons) < 2:
        parser.error("give at least two Pythons to compare")
    with tempfile.TemporaryDirectory(prefix="cryoelig-compare-") as tmp:
        work = Path(tmp)
        inputs = write_inputs(work, args.cases, args.seed)
        runs = work / "runs"
        runs.mkdir()
        results = [outputs_of(python, inputs, runs) for python in args.pythons]
    versions = [v for v, _ in results]
    width = max(len(n) for n in results[0][1])
    print(f"{'output':<{width}}  " + "  ".join(f"{'Python ' + v:<16}" for v in versions))
    for name in sorted(results[0][1]):
        print(f"{name:<{width}}  " + "  ".join(f"{d.get(name, '(missing)')[:16]:<16}" for _, d in results))
    differ = compare(results)
    reproduce = f"python scripts/compare_pythons.py {' '.join(args.pythons)} --cases {args.cases} --seed {args.seed}"
    if differ:
        print(f"compare: {len(differ)} of {len(results[0][1])} outputs differ between Python "
              f"{' and '.join(versions)}: {'; '.join(differ)}  ({reproduce})")
        return 1
    print(f"compare: all {len(results[0][1])} outputs byte-identical on Python {' and '.join(versions)} "
          f"({len(EXAMPLES)} examples, every scenario, {args.cases} generated rows; {reproduce})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
