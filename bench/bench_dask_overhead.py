"""The Dask scheduler's overhead per task on a local cluster: no-op tasks, wall time per task.

Why: a cluster batch pays this once per partition (see docs/scaling.md); with 50,000-row partitions a
task reviews for seconds, so the overhead matters only if partitions are made very small.

Usage: python bench/bench_dask_overhead.py [--workers 2] [--tasks 1000 2000]
"""

from __future__ import annotations

import argparse
import os
import time


def noop(x: int) -> int:
    return x


def main() -> None:
    from distributed import Client, LocalCluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks", type=int, nargs="+", default=[1000, 2000])
    args = parser.parse_args()
    print(f"command: python bench/bench_dask_overhead.py --workers {args.workers} --tasks "
          f"{' '.join(map(str, args.tasks))}; load before {os.getloadavg()[0]:.2f}")
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.gather(client.map(noop, range(10), pure=False))  # warm up
        for n in args.tasks:
            start = time.perf_counter()
            client.gather(client.map(noop, range(n), pure=False))
            elapsed = time.perf_counter() - start
            print(f"{n} no-op tasks on {args.workers} workers: {elapsed:.2f} s, {1000 * elapsed / n:.2f} ms per task")


if __name__ == "__main__":
    main()
