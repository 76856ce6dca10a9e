"""`batch --cluster/--scheduler` on a real Dask LocalCluster (2 worker processes on 127.0.0.1): the
manifest's counts add up to the input's rows, the parts concatenated are the one-machine output byte for
byte, a worker killed mid-run and a client killed mid-run change nothing in the end."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from csvmix import write_mixed_csv

distributed = pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from cryoelig.batch import BatchOptions, run_batch  # noqa: E402
from cryoelig.batch.cluster import ClusterOptions, run_cluster  # noqa: E402

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-c", "from cryoelig.cli import main; main()"]
ROWS = 3000


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A generated Parquet dataset (3 files, 4 row groups each; invalid and identifying rows among them),
    its CSV, and the one-machine runs of both."""
    tmp = tmp_path_factory.mktemp("cluster")
    src = tmp / "cases.csv"
    write_mixed_csv(src, ROWS, seed=17)
    lines = src.read_text().splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    assert all(len(r) == len(header) for r in rows)  # the generator writes no quoted cells
    folder = tmp / "dataset"
    folder.mkdir()
    for n in range(3):
        chunk = rows[n * 1000:(n + 1) * 1000]
        pq.write_table(pa.table({c: [r[i] for r in chunk] for i, c in enumerate(header)}),
                       folder / f"part-{n}.parquet", row_group_size=250)
    refs = {}
    for name, source in (("dataset", folder), ("csv", src)):
        out = tmp / f"ref-{name}.jsonl"
        result = run_batch(BatchOptions(input=str(source), out=out, summary=tmp / f"ref-{name}.json", jobs=1))
        assert result.summary["counts"]["errors"] > 20
        refs[name] = out
    errors = (tmp / "ref-dataset.errors.jsonl").read_text()
    assert '"reason": "identifier"' in errors and '"reason": "invalid"' in errors
    return {"tmp": tmp, "dataset": folder, "csv": src, "refs": refs}


@pytest.fixture(scope="module")
def cluster() -> Any:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local:
        yield local


def _check_outputs(data: dict[str, Any], out: Path, name: str = "dataset", partitions: int | None = None) -> None:
    """Manifest counts add up to the input's rows; every part matches its sha256; the parts concatenated in
    partition order are the one-machine results and errors; the summary is the one-machine summary."""
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True
    done = manifest["done"]
    assert [e["partition"] for e in done] == list(range(len(manifest["partitions"])))
    if partitions is not None:
        assert len(done) == partitions
    assert sum(e["rows_read"] for e in done) == ROWS == manifest["counts"]["rows_read"]
    assert all(e["rows_read"] == e["results"] + e["errors"] for e in done)
    for e in done:
        for part, digest in ((e["part"], e["sha256"]), (e["errors_part"], e["errors_sha256"])):
            assert hashlib.sha256((out / part).read_bytes()).hexdigest() == digest
    results = b"".join((out / e["part"]).read_bytes() for e in done)
    errors = b"".join((out / e["errors_part"]).read_bytes() for e in done)
    ref = data["refs"][name]
    assert results == ref.read_bytes()
    assert errors == ref.with_name(ref.stem + ".errors.jsonl").read_bytes()
    assert (out / "summary.json").read_bytes() == (data["tmp"] / f"ref-{name}.json").read_bytes()
    leftovers = [p.name for p in out.iterdir() if ".tmp-" in p.name or p.name.endswith(".lock")]
    assert leftovers == []


def test_parquet_dataset_on_two_workers_counts_and_byte_identity(data: dict[str, Any], cluster: Any,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cluster(ClusterOptions(BatchOptions(input=str(data["dataset"]), out=out),
                                        scheduler=cluster.scheduler_address, partition_rows=700))
    assert result.summary["counts"]["rows_read"] == ROWS
    manifest = json.loads((out / "manifest.json").read_text())
    # partitions are whole row groups (250 rows): 3 groups (750 rows) each, the last one shorter
    assert [p["rows"] for p in manifest["partitions"]] == [750, 750, 750, 750]
    _check_outputs(data, out, partitions=4)


def test_compact_parts_are_the_one_machine_compact_lines(data: dict[str, Any], cluster: Any, tmp_path: Path) -> None:
    """--report compact on a cluster: the parts concatenated are a one-machine compact run's lines, the folder
    gets the words once (words.json) and the summary is the full run's."""
    ref = tmp_path / "ref.jsonl"
    run_batch(BatchOptions(input=str(data["dataset"]), out=ref, jobs=1, report="compact"))
    out = tmp_path / "out"
    result = run_cluster(ClusterOptions(BatchOptions(input=str(data["dataset"]), out=out, report="compact"),
                                        scheduler=cluster.scheduler_address, partition_rows=700))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "compact"
    assert b"".join((out / e["part"]).read_bytes() for e in manifest["done"]) == ref.read_bytes()
    assert (out / "words.json").read_bytes() == (tmp_path / "ref.jsonl.words.json").read_bytes()
    assert (out / "summary.json").read_bytes() == (data["tmp"] / "ref-dataset.json").read_bytes()
    assert result.summary["counts"]["rows_read"] == ROWS


def test_csv_partitions_are_byte_ranges_at_line_starts(data: dict[str, Any], cluster: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_cluster(ClusterOptions(BatchOptions(input=str(data["csv"]), out=out, cross_check="sample:5"),
                               scheduler=cluster.scheduler_address, partition_rows=640))
    manifest = json.loads((out / "manifest.json").read_text())
    text = data["csv"].read_bytes()
    starts = [p["start"]["offset"] for p in manifest["partitions"]]
    assert len(starts) == 5 and all(text[s - 1:s] == b"\n" for s in starts)
    assert [p["start"]["row"] for p in manifest["partitions"]] == [0, 640, 1280, 1920, 2560]
    _check_outputs(data, out, name="csv")


def test_a_worker_killed_mid_run_changes_nothing(data: dict[str, Any], cluster: Any, tmp_path: Path) -> None:
    from distributed import Client

    out = tmp_path / "out"
    args = [*CLI, "batch", str(data["dataset"]), "--out", str(out), "--scheduler", cluster.scheduler_address,
            "--partition-rows", "250", "-q"]
    with Client(cluster.scheduler_address) as client:
        pids = sorted(client.run(os.getpid).values())
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        manifest = out / "manifest.json"
        deadline = time.monotonic() + 120
        finished = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                finished = len(json.loads(manifest.read_text())["done"])
            except (OSError, ValueError, KeyError):
                finished = 0
            if finished >= 1:
                break
            time.sleep(0.005)
        assert 1 <= finished < 12, "the run ended before a worker could be killed"
        os.kill(pids[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 1, err.decode()
        new_pids = sorted(client.run(os.getpid).values())
    assert pids[0] not in new_pids  # the worker really died (its nanny started another)
    _check_outputs(data, out, partitions=12)


def test_resume_after_the_client_is_killed(data: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [*CLI, "batch", str(data["dataset"]), "--out", str(out), "--cluster", "local:2", "--partition-rows",
            "250", "-q"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    manifest = out / "manifest.json"
    deadline = time.monotonic() + 180
    finished = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            finished = len(json.loads(manifest.read_text())["done"])
        except (OSError, ValueError, KeyError):
            finished = 0
        if finished >= 2:
            break
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)  # the client and its local cluster
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL and 2 <= finished < 12, "the run ended before it could be killed"
    again = subprocess.run([*args[:-1], "--resume"], capture_output=True, timeout=300)  # its notes: no --quiet
    assert again.returncode == 1, again.stderr.decode()
    complete = int(again.stderr.decode().split("resuming: ")[1].split(" of ")[0])
    assert complete >= finished
    _check_outputs(data, out, partitions=12)
    refused = subprocess.run(args, capture_output=True, timeout=120)
    assert refused.returncode == 2 and b"already exists and is kept" in refused.stderr


def test_a_worker_refuses_a_pack_whose_sha256_is_not_the_clients(tmp_path: Path) -> None:
    from cryoelig.batch.partitions import PackPlugin, pack_files
    from cryoelig.rulepack.defaultpack import default_pack_dir

    files = pack_files(Path(default_pack_dir()))
    with pytest.raises(RuntimeError, match="not " + "0" * 64):
        PackPlugin(files, "0" * 64).setup()
    changed = dict(files)
    changed["pack.yaml"] = changed["pack.yaml"].replace(b"version:", b"version: '9.9'\nold_version:", 1)
    from cryoelig.rulepack.load import load_pack

    with pytest.raises(Exception):  # noqa: B017 - a changed pack either fails to load or has another hash
        PackPlugin(changed, load_pack().sha256).setup()


def test_cluster_options_refuse_without_touching_anything(data: dict[str, Any], tmp_path: Path) -> None:
    # The unreachable scheduler is retried for the client's 20 s connect timeout: the other refusals run
    # meanwhile (each a process of its own, as before; only the waiting overlaps).
    unreachable = subprocess.Popen([*CLI, "batch", str(data["csv"]), "--out", str(tmp_path / "o3"), "--scheduler",
                                    "tcp://127.0.0.1:9"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        cases = [(["--cluster", "local:0"], b"--cluster takes local:N"),
                 (["--cluster", "remote:2"], b"--cluster takes local:N"),
                 (["--cluster", "local:2", "--scheduler", "tcp://127.0.0.1:1"], b"not both"),
                 (["--cluster", "local:2", "--summary", str(tmp_path / "s.json")],
                  b"leave out --errors, --summary and --summary-html")]
        for extra, message in cases:
            proc = subprocess.run([*CLI, "batch", str(data["csv"]), "--out", str(tmp_path / "o"), *extra],
                                  capture_output=True, timeout=60)
            assert proc.returncode == 2 and message in proc.stderr, (extra, proc.stderr)
        stdin = subprocess.run([*CLI, "batch", "-", "--out", str(tmp_path / "o2"), "--cluster", "local:2"],
                               capture_output=True, input=b"", timeout=60)
        assert stdin.returncode == 2 and b"standard input cannot be partitioned" in stdin.stderr
        _, stderr = unreachable.communicate(timeout=120)
    finally:
        unreachable.kill()
        unreachable.wait()
    assert unreachable.returncode == 2 and b"cannot reach the Dask scheduler" in stderr
    assert b"Traceback" not in stderr


def test_a_worker_loads_the_set_the_client_reviews_with(tmp_path: Path) -> None:
    """The default set (the source pack and the published scales inside its folder) and a set whose packs
    live apart are shipped so that the worker loads the same set, with the same combined sha256."""
    import shutil

    from cryoelig.batch.partitions import PackPlugin, _packs, pack_set_files
    from cryoelig.rulepack.defaultpack import default_pack_dir
    from cryoelig.rulepack.load import load_pack

    default = load_pack()
    apart = tmp_path / "scales"
    shutil.copytree(Path(default_pack_dir()) / "published-scales", apart)
    for pack in (default, load_pack([Path(default_pack_dir()), apart])):
        files, parts = pack_set_files(pack)
        plugin = PackPlugin(files, pack.sha256, parts)
        plugin.setup()
        assert [p.name for p in _packs[pack.sha256].parts] == ["cryoelig-default", "published-scales"]
        plugin.teardown()


# ---------------------------------------------------------------- issue 24: partitions sized to the input


def test_partitions_sized_to_the_input_at_least_two_per_worker(tmp_path: Path) -> None:
    from cryoelig.batch.partitions import FINE_ROWS, MAX_PARTITION_ROWS, plan, plan_sized, sized_rows
    from cryoelig.inputs import open_source

    assert sized_rows(50_000, 2) == 12_500 and sized_rows(50_000, 16) == 1_563
    assert sized_rows(10_000_000, 2) == MAX_PARTITION_ROWS and sized_rows(0, 4) == 1
    src = tmp_path / "cases.csv"
    write_mixed_csv(src, 9_001, seed=3)
    with open_source(str(src)) as source:
        for workers in (1, 2, 3):
            partitions, rows = plan_sized(source, workers)
            assert len(partitions) >= 2 * workers and sum(p.rows for p in partitions) == 9_001
            assert rows == (rows // FINE_ROWS * FINE_ROWS if rows >= 4 * FINE_ROWS else rows)
            assert partitions == plan(source, rows)  # joined fine partitions: the same cuts as planning with it


def test_a_single_row_group_is_cut_for_two_workers_and_the_start_is_timed_apart(data: dict[str, Any], cluster: Any,
                                                                                 tmp_path: Path) -> None:
    """Issue 24: a 50,000-row input with the default 50,000 rows per partition was one partition on one worker.
    One Parquet row group of all the rows, no --partition-rows: 4 partitions (cut inside the row group), the
    parts byte-identical to the one-machine run; the cluster's start timed apart from the review's rate."""
    lines = data["csv"].read_text().splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    one = tmp_path / "one.parquet"
    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(header)}), one, row_group_size=ROWS)
    assert pq.ParquetFile(one).metadata.num_row_groups == 1
    ref = tmp_path / "ref-one.jsonl"
    run_batch(BatchOptions(input=str(one), out=ref, summary=tmp_path / "ref-one.json", jobs=1))
    out = tmp_path / "out"
    notes: list[str] = []
    result = run_cluster(ClusterOptions(BatchOptions(input=str(one), out=out), scheduler=cluster.scheduler_address),
                         notes=notes.append)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["partition_rows"] == 750 and [p["rows"] for p in manifest["partitions"]] == [750] * 4
    timing = manifest["timing"]
    assert timing == result.timing and timing["workers"] == 2 and timing["rows"] == ROWS
    assert timing["start_seconds"] >= 0 and timing["rows_per_second"] > 0
    assert any("started in" in n and "not counted in the rate" in n for n in notes)
    assert any("(sized to the input: at least two per worker" in n for n in notes)
    parts = b"".join((out / e["part"]).read_bytes() for e in manifest["done"])
    assert parts == ref.read_bytes()
    assert (out / "summary.json").read_bytes() == (tmp_path / "ref-one.json").read_bytes()


def test_a_resume_keeps_the_partition_size_of_its_manifest(tmp_path: Path) -> None:
    from cryoelig.batch.cluster import _plan
    from cryoelig.inputs import open_source

    src = tmp_path / "cases.csv"
    write_mixed_csv(src, 1_000, seed=5)
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"partition_rows": 300}))
    with open_source(str(src)) as source:
        assert _plan(ClusterOptions(BatchOptions(input=str(src), out=out, resume=True)), source, 8)[1] == 300
        assert _plan(ClusterOptions(BatchOptions(input=str(src), out=out)), source, 2)[1] == 250
        assert _plan(ClusterOptions(BatchOptions(input=str(src), out=out, resume=True), partition_rows=90),
                     source, 2)[1] == 90


def test_ignored_columns_reach_the_workers(data: dict[str, Any], cluster: Any, tmp_path: Path) -> None:
    """--ignore-column on a cluster: each worker opens the input with the same names (the Job carries them)."""
    lines = data["csv"].read_text().splitlines()
    aged = tmp_path / "aged.csv"
    aged.write_text("\n".join([lines[0] + ",age", *[line + ",71" for line in lines[1:]]]) + "\n")
    out = tmp_path / "out"
    run_cluster(ClusterOptions(BatchOptions(input=str(aged), out=out, ignore_columns=("age",)),
                               scheduler=cluster.scheduler_address, partition_rows=1_000))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["ignore_columns"] == ["age"]
    parts = b"".join((out / e["part"]).read_bytes() for e in manifest["done"])
    assert parts == data["refs"]["csv"].read_bytes()
