"""The engine boundary, run in a subprocess: a number durable_rules cannot parse must never reach it.

Seen: a tumor size written by Python with an exponent (0.00009 -> 9e-05) killed the process with a
segmentation fault in check, report, explain and batch. The case contract now refuses such sizes,
and independently the engine writes every number in plain decimals. These tests go around the
contract and hand the engine such numbers directly, in a child process: a segfault fails the test
instead of killing the test run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from harness import environment
from packs import KIDNEY_RULE, PACK_YAML, make_pack

SIZES = [1e-05, 9e-05, 4e-05, 1e-07, 5e-324, 0.0001, 0.5, 3.9, 4.0, 49.99, 1e16, 1.5e17]

CHILD = textwrap.dedent("""
    import json, sys
    from cryoelig.reasoning.engine import Engine
    from cryoelig.reasoning.evaluation import evaluate
    from cryoelig.rulepack.load import load_pack

    pack = load_pack(sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != "-" else None)
    engine = Engine(pack)
    sizes = json.loads(sys.stdin.read())
    cases = [{"site": "kidney", "tumor.size_cm": s} for s in sizes]
    fired = engine.fire_many(cases) + [engine.fire(c) for c in cases]
    expected = [evaluate(pack, c).fired for c in cases] * 2
    print(json.dumps([sorted(f) == sorted(e) for f, e in zip(fired, expected)]))
    print(json.dumps([sorted(f) for f in fired]))
""")


def _child(pack_dir: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, pack_dir], input=json.dumps(SIZES), capture_output=True,
                          text=True, timeout=120, env=environment(), cwd=cwd)


def test_facts_with_tiny_and_huge_floats_match_the_python_evaluator(tmp_path: Path) -> None:
    proc = _child("-", tmp_path)
    assert proc.returncode == 0, f"the engine process ended with {proc.returncode} (-11 is a segfault)\n{proc.stderr}"
    agree = json.loads(proc.stdout.splitlines()[0])
    assert all(agree), list(zip(SIZES * 2, agree, strict=True))


def test_a_ruleset_threshold_below_0_0001_compiles_and_fires(tmp_path: Path) -> None:
    """A pack threshold Python writes as 5e-05 reaches the compiled ruleset in plain decimals."""
    rule = KIDNEY_RULE.replace("tumor.size_cm < 4", "tumor.size_cm < 0.00005")
    pack_yaml = PACK_YAML.replace("  - id: bone.pain\n    kind: supporting\n    label: bone pain\n", "")
    folder = make_pack(tmp_path, {"kidney.yaml": rule}, pack_yaml=pack_yaml)
    proc = _child(str(folder), tmp_path)
    assert proc.returncode == 0, f"the engine process ended with {proc.returncode} (-11 is a segfault)\n{proc.stderr}"
    agree, fired = (json.loads(line) for line in proc.stdout.splitlines()[:2])
    assert all(agree)
    assert fired[:4] == [["kidney.small"], [], ["kidney.small"], ["kidney.small"]]  # 1e-5, 9e-5, 4e-5, 1e-7


def test_plain_json_never_writes_an_exponent() -> None:
    from cryoelig.reasoning.engine import plain_json

    text = plain_json({"a": SIZES, "b": {"c": [1e-300, -2.5e-8]}, "d": "1e-05"})
    assert "e" not in text.replace('"1e-05"', "") and "E" not in text
    assert json.loads(text)["a"] == SIZES and json.loads(text)["b"]["c"] == [1e-300, -2.5e-8]
