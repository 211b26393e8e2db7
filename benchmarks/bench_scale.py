"""Larger than memory: a Zarr uint8 image downscaled x4 (lanczos3) and a 5-level pyramid.

Builds an N x N uint8 Zarr array on disk (default N = 10000: 100 MB, a few minutes on
a 2-core machine; ``--size 20000`` is the 400 MB case of issue 13), then times, each
case in a fresh subprocess, reading from Zarr and writing to Zarr:

* pixelgrid.resize x4 lanczos3 on Dask, threaded scheduler and a 2-worker
  ``distributed.LocalCluster`` (processes=False: its memory is this process's);
* pixelgrid.pyramid, 5 levels (area kernel), written as one Dask computation;
* ``dask.array.coarsen`` (mean of 4x4 blocks) and dask-image's ``affine_transform``
  (SciPy's spline, order 1: no antialiasing) on the same data, same chunks;
* the in-memory compiled engine on a 4096 x 4096 tile (no I/O, no Dask) for the ratio.

Zarr's own decode thread pool is set to one thread in every case (``--zarr-threads``;
Dask runs the blocks in parallel).  Reported: seconds, throughput (input MB per
second), peak memory above the process's baseline (Linux VmHWM, reset before the
case) as a share of the array's size, and the throughput ratio to the in-memory
engine.  ``--check`` also compares the whole Dask resize with the in-memory call
(bit-identical).

Usage::

    python benchmarks/bench_scale.py [--size 20000] [--chunk 1024] [--dir /tmp/x]
                                     [--zarr-threads 1] [--cases a,b] [--check]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
    except OSError:
        pass


def build(path: Path, n: int, chunk: int) -> None:
    import numpy as np
    import zarr

    z = zarr.create_array(str(path), shape=(n, n), chunks=(chunk, chunk), dtype=np.uint8,
                          overwrite=True)
    rng = np.random.default_rng(0)
    yy = np.arange(chunk)[:, None]
    for i in range(0, n, chunk):
        # a smooth pattern plus noise (compresses like an image, not like zeros)
        rows = min(chunk, n - i)
        base = ((np.add.outer(yy[:rows, 0] + i, np.arange(n)) // 7) % 256).astype(np.uint8)
        z[i:i + rows] = base + rng.integers(0, 16, base.shape, dtype=np.uint8)


def case(name: str, src: str, out: str, chunk: int, zarr_threads: int = 1) -> dict[str, Any]:
    """Run one case in this process; returns its timing and memory."""
    import dask
    import dask.array as da
    import numpy as np
    import zarr

    import pixelgrid

    if zarr_threads:
        # Dask already runs the blocks in parallel (each read decodes one chunk): Zarr's
        # own decode pool (CPUs + 4 threads by default) adds no speed here, only a
        # malloc arena per thread holding freed chunk buffers (measured: 35-41 MB peak
        # for the x4 resize with it, 26-28 MB without)
        zarr.config.set({"threading.max_workers": zarr_threads})

    x = da.from_zarr(src)
    n = x.shape[0]
    # warm up (engine threads, codecs, scheduler pools): the baseline is a process that
    # has resized once, so the peak above it is the working set of the case
    small = x[:256, :256]
    pixelgrid.resize(small, (64, 64), kernel="lanczos3").compute(scheduler="threads")
    da.coarsen(np.mean, small, {0: 4, 1: 4}).compute(scheduler="threads")
    base = _rss_kb("VmRSS")
    _reset_peak()
    t0 = time.perf_counter()
    client = cluster = None
    if name.endswith("cluster"):
        import distributed

        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                           processes=False, dashboard_address=None)
        client = distributed.Client(cluster)
    try:
        with dask.config.set(scheduler=None if client else "threads", num_workers=2):
            if name.startswith("pixelgrid_resize"):
                y = pixelgrid.resize(x, (n // 4, n // 4), kernel="lanczos3")
                y.to_zarr(out, overwrite=True)
            elif name == "pixelgrid_pyramid":
                levels = pixelgrid.pyramid(x, 5)
                root = zarr.open_group(out, mode="w")
                # each level stored in its own blocks (a rechunk to larger Zarr chunks
                # would hold many small blocks until each merged chunk is complete)
                targets = [root.create_array(str(k), shape=a.shape, dtype=a.dtype,
                                             chunks=a.chunksize)
                           for k, a in enumerate(levels[1:], 1)]
                da.store(levels[1:], targets, lock=False)
            elif name == "dask_coarsen":
                y = da.coarsen(np.mean, x, {0: 4, 1: 4}).astype(np.uint8)
                y.to_zarr(out, overwrite=True)
            elif name == "dask_image":
                from dask_image.ndinterp import affine_transform

                y = affine_transform(x, np.diag([4.0, 4.0]), offset=(1.5, 1.5),
                                     output_shape=(n // 4, n // 4),
                                     output_chunks=(chunk // 4, chunk // 4), order=1)
                y.to_zarr(out, overwrite=True)
            else:
                raise ValueError(name)
    finally:
        if client is not None:
            client.close()
            cluster.close()  # type: ignore[union-attr]
    dt = time.perf_counter() - t0
    return {"case": name, "seconds": dt, "peak_mb": (_rss_kb("VmHWM") - base) / 1024}


def in_memory(tile: int = 4096) -> float:
    """MB/s of the compiled engine on an in-memory tile (2 threads, no Dask)."""
    import numpy as np

    import pixelgrid

    x = np.random.default_rng(0).integers(0, 256, (tile, tile), dtype=np.uint8)
    pixelgrid.resize(x, (tile // 4, tile // 4), kernel="lanczos3", threads=2)
    best = min(_timed(lambda: pixelgrid.resize(x, (tile // 4, tile // 4), kernel="lanczos3",
                                               threads=2)) for _ in range(3))
    return x.nbytes / 1e6 / best


def _timed(f: Any) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def check(src: str) -> bool:
    """The whole Dask resize equals the in-memory call on the whole array (bit for bit)."""
    import dask.array as da
    import numpy as np

    import pixelgrid

    x = da.from_zarr(src)
    n = x.shape[0]
    y = pixelgrid.resize(x, (n // 4, n // 4), kernel="lanczos3").compute()
    return bool(np.array_equal(y, pixelgrid.resize(np.asarray(x), (n // 4, n // 4),
                                                   kernel="lanczos3")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=10000, help="N of the N x N array")
    ap.add_argument("--chunk", type=int, default=1024, help="Zarr chunk (default 1024)")
    ap.add_argument("--dir", help="working folder (default: a temporary one)")
    ap.add_argument("--cases", default="pixelgrid_resize_threads,pixelgrid_resize_cluster,"
                    "pixelgrid_pyramid,dask_coarsen,dask_image")
    ap.add_argument("--zarr-threads", type=int, default=1,
                    help="Zarr's decode thread pool in every case (default 1: Dask runs "
                         "the blocks in parallel; 0: Zarr's default, CPUs + 4)")
    ap.add_argument("--check", action="store_true",
                    help="compare with the in-memory call (needs the array in memory)")
    ap.add_argument("--_case", help=argparse.SUPPRESS)
    ap.add_argument("--_src", help=argparse.SUPPRESS)
    ap.add_argument("--_out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._case:  # child process: one case, JSON on stdout
        print(json.dumps(case(args._case, args._src, args._out, args.chunk,
                              args.zarr_threads)))
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        src = Path(tmp) / "in.zarr"
        t0 = time.perf_counter()
        build(src, args.size, args.chunk)
        mb = args.size * args.size / 1e6
        print(f"built {args.size}x{args.size} uint8 Zarr ({mb:.0f} MB, chunks {args.chunk}) "
              f"in {time.perf_counter() - t0:.1f} s")
        ref = in_memory()
        print(f"in-memory compiled engine, 4096^2 tile x4 lanczos3, 2 threads: {ref:.0f} MB/s")
        rows = []
        for name in args.cases.split(","):
            out = str(Path(tmp) / f"{name}.zarr")
            res = subprocess.run(
                [sys.executable, __file__, "--_case", name, "--_src", str(src), "--_out", out,
                 "--chunk", str(args.chunk), "--zarr-threads", str(args.zarr_threads)],
                capture_output=True, text=True, check=False,
                env={**os.environ, "PYTHONWARNINGS": "ignore"})
            if res.returncode:
                print(f"{name}: failed: {res.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            r["mb_s"] = mb / r["seconds"]
            rows.append(r)
        print("\n| case | seconds | MB/s | peak memory | of array | vs in-memory |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['case']} | {r['seconds']:.1f} | {r['mb_s']:.0f} | "
                  f"{r['peak_mb']:.0f} MB | {100 * r['peak_mb'] / mb:.1f}% | "
                  f"{r['mb_s'] / ref:.2f} |")
        if args.check:
            print(f"\nDask resize bit-identical to the in-memory call: {check(str(src))}")


if __name__ == "__main__":
    main()
