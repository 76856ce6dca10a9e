import time
from distributed import Client, LocalCluster
def noop(x): return x
if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as c, Client(c) as cl:
        cl.gather(cl.map(noop, range(10), pure=False))
        for n in (1000, 2000):
            t=time.perf_counter(); cl.gather(cl.map(noop, range(n), pure=False)); dt=time.perf_counter()-t
            print(f"{n} no-op tasks on 2 workers: {dt:.2f} s, {1000*dt/n:.2f} ms per task (wall, both workers)")
