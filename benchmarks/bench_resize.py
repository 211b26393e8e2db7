"""Time ``pixelgrid.resize`` / ``pixelgrid.compat`` against every installed peer, in one run.

One command, one process: for each anchor case (``benchmarks/cases.py``: the cases and
synthetic inputs of the team's peer-only harness ``shared/bench/bench_anchors.py``, same
names, so published peer timings stay comparable) and each thread count, the pixelgrid
call (the public API with the plans it builds itself) and
every installed peer (OpenCV, torch, Pillow, SciPy) are timed on the same input,
interleaved round by round so that machine noise hits all of them alike.  Each round
runs the functions in a fresh random order, and each timed call directly follows an
untimed call of the same function: every library is timed warm, with the caches as its
own previous call left them (as the anchors harness times repeated calls), never as
the library before it left them.  (With a fixed rotation the call after pixelgrid's
found pixelgrid's input in cache, which biased ratios by up to ~0.1.)  Printed
per case: each median, the ratio pixelgrid / fastest peer, and the memory-traffic
bound (input + output bytes / copy bandwidth measured at the start of this run).

Run::

    .venv/bin/python benchmarks/bench_resize.py               # 1 thread and all cores
    .venv/bin/python benchmarks/bench_resize.py --cases up2_bilinear_u8 --rounds 31
    .venv/bin/python benchmarks/bench_resize.py --quick   # half-size inputs, 3 rounds
    .venv/bin/python benchmarks/bench_resize.py --dry     # smoke run: one tiny case, 1 round

Only single-threaded libraries (Pillow, SciPy) are timed at 1 thread and reused as
peers at more threads (they cannot use more cores).  Rows marked ``*`` are
informative and not counted as peers (preallocated output buffers, or work that
differs from the pixelgrid call).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections.abc import Callable
from statistics import median
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

import pixelgrid
from pixelgrid.compat import torch as pgt

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # benchmarks/cases.py, also when run from another directory
import cases as A  # noqa: E402  (the anchor cases and their inputs)


def _opt(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        return None


Fn = Callable[[], Any]


class Case:
    """One anchor case: the pixelgrid call and the peers, keyed by label."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ours: Callable[[int], Any] | None = None
        self.peers: dict[str, tuple[Callable[[int], Any], bool, bool]] = {}

    def peer(self, label: str, fn: Callable[[int], Any], *, single: bool = False,
             counted: bool = True) -> None:
        """``single``: single-threaded library; ``counted``: competes for 'fastest'."""
        self.peers[label] = (fn, single, counted)


def build_cases(want: list[str], scale: float = 1.0) -> dict[str, Case]:
    """The pixelgrid call and the installed peers of each wanted case (``scale``: smaller
    inputs for the smoke runs)."""
    cv2 = _opt("cv2")
    torch = _opt("torch")
    pil = _opt("PIL.Image")
    ndi = None
    if _opt("scipy") is not None:
        from scipy import ndimage as ndi
    if pil is not None:
        from PIL import Image as pil
    F = None
    if torch is not None:
        import torch.nn.functional as F

    def hwc_view(x: np.ndarray) -> Any:  # channels_last (1,C,H,W) view, batch stride H*W*C
        h, w, ch = x.shape
        return torch.from_numpy(x).as_strided((1, ch, h, w), (h * w * ch, 1, w * ch, ch))

    def to_hwc(o: Any) -> np.ndarray:
        return np.ascontiguousarray(o[0].permute(1, 2, 0).numpy())

    cases: dict[str, Case] = {}

    # ---- uint8 HWC images: pixelgrid.resize (the wide fixed-point model: one rounding) --
    try:  # private names, only for an informative row: skipped if they move
        from pixelgrid._arrays import run_plans
        from pixelgrid._plan import default_bits, fixed_point
        from pixelgrid._resize import make_plans
        old_model = True
    except ImportError:
        old_model = False

    def per_axis(plans: Any, dt: Any) -> Any:
        # plans that carry their own fixed-point weights are applied per axis as they are
        return [(ax, fixed_point(p, default_bits(p, dt))) for ax, p in plans]

    def u8(name: str, kernel: str, aa: bool, tmode: str | None,
           pil_filter: str, cv_interp: str | None) -> None:
        if name not in want:
            return
        c = Case(name)
        x = A.get_input(name, scale)
        size = A.shapes(name, scale)[1][:2]
        c.ours = lambda T: pixelgrid.resize(x, size, kernel=kernel, antialias=aa, threads=T)
        # informative: the same plans rounded and clamped after every axis (the model
        # before the wide one), to compare the two in one run
        if old_model:
            plans = per_axis(make_plans(x.shape, size, kernel=kernel, antialias=aa), x.dtype)
            c.peer("pixelgrid per-axis rounding (old model)",
                   lambda T: run_plans(x, plans, threads=T), counted=False)
        if cv2 is not None and cv_interp is not None:
            c.peer(f"cv2 {cv_interp}", lambda T: cv2.resize(x, size[::-1],
                                                            interpolation=getattr(cv2, cv_interp)))
        if torch is not None and tmode is not None:
            xt = hwc_view(x)
            c.peer(f"torch u8 channels_last {tmode}{' AA' if aa else ''}",
                   lambda T: to_hwc(F.interpolate(xt, size=size, mode=tmode,
                                                  align_corners=False, antialias=aa)))
        if pil is not None:
            img = pil.fromarray(x)
            flt = getattr(pil.Resampling, pil_filter)
            c.peer(f"PIL {pil_filter} (Image->Image)", lambda T: img.resize(size[::-1], flt),
                   single=True)
        cases[name] = c

    u8("up2_bilinear_u8", "linear", False, "bilinear", "BILINEAR", "INTER_LINEAR")
    u8("down4_aa_bicubic_u8", "cubic", True, "bicubic", "BICUBIC", None)
    u8("down_lanczos_u8", "lanczos3", True, None, "LANCZOS", None)

    # ---- float32 NCHW: pixelgrid.resize on the last two axes (its own float32 model; ---
    # compat.torch.interpolate, torch's own summation order, is timed against torch in
    # bench_compat.py)
    for name, ac in (("up2_bilinear_f32_nchw_ac0", False), ("up2_bilinear_f32_nchw_ac1", True)):
        if name not in want:
            continue
        c = Case(name)
        x4 = A.get_input(name, scale)
        (nb, nc, hi, wi), (_, _, ho, wo) = A.shapes(name, scale)
        c.ours = lambda T, x4=x4, ac=ac, so=(ho, wo): pixelgrid.resize(
            x4, so, axes=(2, 3), align_corners=ac, antialias=False, threads=T)
        if torch is not None:
            t4 = torch.from_numpy(x4)
            c.peer(f"torch bilinear ac={ac}",
                   lambda T, t4=t4, ac=ac, so=(ho, wo): F.interpolate(
                       t4, size=so, mode="bilinear", align_corners=ac))
        if cv2 is not None:
            planes = x4.reshape(nb * nc, hi, wi)
            if not ac:
                def cvp(T: int, planes: np.ndarray = planes,
                        nb: int = nb, nc: int = nc, ho: int = ho, wo: int = wo) -> np.ndarray:
                    out = np.empty((nb, nc, ho, wo), np.float32)
                    o = out.reshape(nb * nc, ho, wo)
                    for i in range(nb * nc):
                        cv2.resize(planes[i], (wo, ho), dst=o[i],
                                   interpolation=cv2.INTER_LINEAR)
                    return out
                c.peer(f"cv2 INTER_LINEAR, {nb * nc} planes", cvp)
            else:
                M = np.array([[(wi - 1) / (wo - 1), 0, 0], [0, (hi - 1) / (ho - 1), 0]],
                             np.float64)

                def cvw(T: int, planes: np.ndarray = planes, M: np.ndarray = M,
                        nb: int = nb, nc: int = nc, ho: int = ho, wo: int = wo) -> np.ndarray:
                    out = np.empty((nb, nc, ho, wo), np.float32)
                    o = out.reshape(nb * nc, ho, wo)
                    for i in range(nb * nc):
                        cv2.warpAffine(planes[i], M, (wo, ho), dst=o[i],
                                       flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                       borderMode=cv2.BORDER_REPLICATE)
                    return out
                c.peer(f"cv2 warpAffine, {nb * nc} planes", cvw)
        cases[name] = c

    name = "up_bicubic_f32"
    if name in want:
        c = Case(name)
        x5 = A.get_input(name, scale)
        (_, n5, h5, w5), (_, _, ho5, wo5) = A.shapes(name, scale)
        # pixelgrid.resize with the peers' kernel (Keys a = -0.75), as the NCHW bilinear
        # rows above (compat.torch.interpolate bicubic is timed against torch in
        # bench_compat.py: torch_f32_bicubic)
        k5 = pixelgrid.kernels.cubic(a=-0.75)
        c.ours = lambda T: pixelgrid.resize(x5, (ho5, wo5), axes=(2, 3), kernel=k5,
                                            antialias=False, threads=T)
        if torch is not None:
            t5 = torch.from_numpy(x5)
            c.peer("torch bicubic", lambda T: F.interpolate(t5, size=(ho5, wo5), mode="bicubic",
                                                            align_corners=False))
        if cv2 is not None:
            p5 = x5.reshape(n5, h5, w5)

            def cv5(T: int) -> np.ndarray:
                out = np.empty((1, n5, ho5, wo5), np.float32)
                o = out.reshape(n5, ho5, wo5)
                for i in range(n5):
                    cv2.resize(p5[i], (wo5, ho5), dst=o[i], interpolation=cv2.INTER_CUBIC)
                return out
            c.peer(f"cv2 INTER_CUBIC, {n5} planes", cv5)
        cases[name] = c

    name = "arbitrary_ratio_bilinear_f32"
    if name in want:
        c = Case(name)
        x6 = A.get_input(name, scale)
        s6 = A.shapes(name, scale)[1][:2]
        c.ours = lambda T: pixelgrid.resize(x6, s6, antialias=False, threads=T)
        if cv2 is not None:
            c.peer("cv2 INTER_LINEAR HWC", lambda T: cv2.resize(x6, s6[::-1],
                                                                interpolation=cv2.INTER_LINEAR))
        if torch is not None:
            x6cl = hwc_view(x6)
            c.peer("torch channels_last (np HWC in/out)",
                   lambda T: to_hwc(F.interpolate(x6cl, size=s6, mode="bilinear",
                                                  align_corners=False)))
            x6n = torch.from_numpy(np.ascontiguousarray(x6.transpose(2, 0, 1)))[None]
            c.peer("torch NCHW (pre-transposed input)",
                   lambda T: F.interpolate(x6n, size=s6, mode="bilinear",
                                           align_corners=False))
        cases[name] = c

    name = "trilinear_f32"
    if name in want:
        c = Case(name)
        x7 = A.get_input(name, scale)
        s7 = A.shapes(name, scale)[1][2:]
        c.ours = lambda T: _with_threads(
            T, lambda: pgt.interpolate(x7, size=s7, mode="trilinear", align_corners=False))
        if torch is not None:
            t7 = torch.from_numpy(x7)
            c.peer("torch trilinear", lambda T: F.interpolate(t7, size=s7, mode="trilinear",
                                                              align_corners=False))
        if ndi is not None:
            x7s = x7[0, 0]
            c.peer("scipy zoom order=1", lambda T: ndi.zoom(x7s, 2.0, order=1, mode="nearest",
                                                            grid_mode=True), single=True)
        cases[name] = c
    return cases


def _with_threads(T: int, fn: Fn) -> Any:
    """compat.torch.interpolate has no threads argument: it reads PIXELGRID_NUM_THREADS."""
    old = os.environ.get("PIXELGRID_NUM_THREADS")
    os.environ["PIXELGRID_NUM_THREADS"] = str(T)
    try:
        return fn()
    finally:
        if old is None:
            del os.environ["PIXELGRID_NUM_THREADS"]
        else:
            os.environ["PIXELGRID_NUM_THREADS"] = old


def set_threads(T: int) -> None:
    cv2 = sys.modules.get("cv2")
    if cv2 is not None:
        cv2.setNumThreads(T)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(T)


def copy_bandwidth(nthreads: int, mib: int = 512, reps: int = 5) -> float:
    """Best streaming copy bandwidth in GB/s (read + write bytes), numpy, ``nthreads``."""
    n = (mib << 20) // 8
    src = np.ones(n)
    dst = np.zeros(n)
    bounds = np.linspace(0, n, nthreads + 1).astype(int)

    def task(lo: int, hi: int) -> None:
        np.copyto(dst[lo:hi], src[lo:hi])
    best = float("inf")
    for _ in range(reps + 1):
        ths = [threading.Thread(target=task, args=(bounds[i], bounds[i + 1]))
               for i in range(nthreads)]
        t0 = time.perf_counter()
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        best = min(best, time.perf_counter() - t0)
    return 2 * n * 8 / best / 1e9


def time_round_robin(fns: dict[str, Fn], rounds: int, budget_s: float,
                     min_rounds: int = 5) -> dict[str, list[float]]:
    """Time every fn once per round, in a random order (seeded), each call right after an
    untimed call of the same fn; stop after ``rounds`` or the budget."""
    names = list(fns)
    for nm in names:  # warm-up (plan caches, page pools, lazy init)
        fns[nm]()
        fns[nm]()
    times: dict[str, list[float]] = {nm: [] for nm in names}
    rng = random.Random(0)
    t_start = time.perf_counter()
    for r in range(rounds):
        order = names[:]
        rng.shuffle(order)
        for nm in order:
            fns[nm]()  # untimed: the timed call finds the caches as this fn leaves them
            t0 = time.perf_counter()
            fns[nm]()
            times[nm].append(time.perf_counter() - t0)
        if r + 1 >= min(min_rounds, rounds) and time.perf_counter() - t_start > budget_s:
            break
    return times


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default="all", help="comma list from: " + ",".join(A.CASE_ORDER))
    ap.add_argument("--threads", default=f"1,{os.cpu_count() or 1}")
    ap.add_argument("--rounds", type=int, default=21, help="max timed rounds per case/threads")
    ap.add_argument("--budget", type=float, default=6.0, help="timed seconds per case/threads")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: half-size inputs, 3 rounds, 0.5 s per case/threads")
    ap.add_argument("--dry", action="store_true",
                    help="check the script runs: one tiny case (or --cases), 1 thread, 1 round")
    args = ap.parse_args(argv)
    scale, bw_mib = 1.0, 512
    if args.quick:
        scale, args.rounds, args.budget, bw_mib = 0.5, 3, 0.5, 64
    if args.dry:
        scale, args.rounds, args.budget, bw_mib = 1 / 16, 1, 0.0, 8
        args.threads = "1"
        if args.cases == "all":
            args.cases = A.CASE_ORDER[0]
    want = A.CASE_ORDER if args.cases == "all" else args.cases.split(",")
    for name in want:
        if name not in A.CASES:
            ap.error(f"unknown case {name!r}; expected one of {A.CASE_ORDER}")
    threads = sorted({int(t) for t in args.threads.split(",")})
    bw = {T: copy_bandwidth(T, bw_mib) for T in threads}
    cases = build_cases(want, scale)
    import platform
    with open("/proc/cpuinfo") as fh:
        cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")),
                   platform.processor())
    print(f"# {cpu}, {os.cpu_count()} cores; numpy {np.__version__}; "
          f"pixelgrid native isa={_isa()}")
    print("# copy bandwidth (read+write): " + ", ".join(f"{T}T {bw[T]:.1f} GB/s" for T in threads))
    print("# median ms over interleaved rounds; ratio = pixelgrid / fastest counted peer")
    summary = []
    for name, c in cases.items():
        bi, bo = A.case_bytes(name, scale)
        size_note = "" if scale == 1 else f" [inputs scaled by {scale:g}: smoke run]"
        print(f"\n## {name}: {A.CASES[name]['title']}{size_note}")
        single_cache: dict[str, float] = {}
        for T in threads:
            set_threads(T)
            fns: dict[str, Fn] = {"pixelgrid": (lambda T=T, c=c: c.ours(T))}  # type: ignore[misc]
            for label, (fn, single, _) in c.peers.items():
                if single and threads[0] != T and label in single_cache:
                    continue
                fns[label] = lambda fn=fn, T=T: fn(T)
            times = time_round_robin(fns, args.rounds, args.budget)
            med = {k: median(v) * 1e3 for k, v in times.items()}
            for label, (_, single, _) in c.peers.items():
                if single:
                    if label in med:
                        single_cache[label] = med[label]
                    else:
                        med[label] = single_cache[label]
            counted = {k: v for k, v in med.items()
                       if k != "pixelgrid" and c.peers[k][2]}
            best_label = min(counted, key=counted.__getitem__)
            ratio = med["pixelgrid"] / counted[best_label]
            bound = (bi + bo) / (bw[T] * 1e9) * 1e3
            n = len(times["pixelgrid"])
            print(f"  T={T} ({n} rounds)  memory bound {bound:.2f} ms")
            for k in ["pixelgrid"] + sorted(counted, key=counted.__getitem__) + [
                    k for k in med if k != "pixelgrid" and k not in counted]:
                tag = "" if k == "pixelgrid" or k in counted else " *"
                extra = " (1T, single-threaded)" if k != "pixelgrid" and c.peers[k][1] else ""
                print(f"    {k + tag:45s} {med[k]:9.2f} ms  x{med[k] / bound:5.1f} bound{extra}")
            print(f"    ratio pixelgrid/fastest ({best_label}): {ratio:.2f}")
            summary.append((name, T, med["pixelgrid"], best_label, counted[best_label], ratio,
                            bound))
    print("\n| case | T | pixelgrid ms | fastest peer | peer ms | ratio | memory bound ms |")
    print("|---|---|---|---|---|---|---|")
    for name, T, ours, bl, bt, r, bd in summary:
        print(f"| {name} | {T} | {ours:.2f} | {bl} | {bt:.2f} | {r:.2f} | {bd:.2f} |")


def _isa() -> str:
    try:
        from pixelgrid import _native
        return str(_native.isa())
    except ImportError:
        return "unavailable"


if __name__ == "__main__":
    main()
