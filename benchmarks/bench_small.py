"""Small-call overhead: each compat entry point on small inputs against its library, 1 thread.

On small images the work is a few microseconds, so what a call costs is mostly its
Python path (argument checks, plan look-up, dispatch) and the engine boundary.  This
script times those calls directly::

    python benchmarks/bench_small.py                  # every case, markdown table
    python benchmarks/bench_small.py --cases opencv   # names or prefixes
    python benchmarks/bench_small.py --calls 400 --json out.json

Each case builds its input once (deterministic, seeded; defined here, so the script runs
from a plain clone), checks that pixelgrid and the library agree (``bit-exact`` or the
largest absolute difference), then times ``--calls`` calls of each, alternating
(pixelgrid, library, pixelgrid, ...), each call timed on its own with
``time.perf_counter_ns`` after a warm-up of 20 calls.  The table gives the median and
the minimum of each, and ratio = pixelgrid / library (< 1: pixelgrid is faster) of the
medians (and of the minimums, the least noisy figure on a shared machine).

Everything runs at 1 thread in this process: ``PIXELGRID_NUM_THREADS=1`` (set before
pixelgrid is imported), ``cv2.setNumThreads(1)``, ``torch.set_num_threads(1)``,
onnxruntime ``intra_op_num_threads=1``, and the process is pinned to one core
(``sched_setaffinity``) where the platform allows it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median
from typing import Any

for _k in ("PIXELGRID_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
           "OPENBLAS_NUM_THREADS"):
    os.environ[_k] = "1"

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # benchmarks/cases.py
from cases import rotation_grid  # noqa: E402

Fn = Callable[[], Any]


@dataclass(frozen=True)
class Case:
    """One small call: ``build()`` returns ``(pixelgrid call, library call)``."""

    name: str
    what: str
    library: str
    build: Callable[[], tuple[Fn, Fn]]


CASES: list[Case] = []


def case(name: str, what: str, library: str) -> Callable[[Callable[[], tuple[Fn, Fn]]], Any]:
    def deco(fn: Callable[[], tuple[Fn, Fn]]) -> Callable[[], tuple[Fn, Fn]]:
        CASES.append(Case(name, what, library, fn))
        return fn
    return deco


def image(h: int, w: int, c: int, dtype: str, seed: int) -> np.ndarray:
    """A smooth image with some texture (values in [0, 255] or [0, 1)), ``c = 0``: 2-D."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 0.5 + 0.25 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    shape = (h, w) if c == 0 else (h, w, c)
    v = np.clip((base if c == 0 else base[..., None]) + 0.2 * rng.random(shape), 0, 0.999)
    if dtype == "uint8":
        return np.ascontiguousarray((v * 256).astype(np.uint8))
    return np.ascontiguousarray(v.astype(dtype))


def _cv2() -> Any:
    import cv2
    cv2.setNumThreads(1)
    return cv2


def _torch() -> Any:
    import torch
    torch.set_num_threads(1)
    return torch


# ---------------------------------------------------------------------------------------
# compat.opencv: 64^2x3 -> 96^2
# ---------------------------------------------------------------------------------------
def _opencv(dtype: str, interp: str) -> None:
    short = {"uint8": "u8", "float32": "f32"}[dtype]
    name = f"opencv_{short}_{interp.split('_')[1].lower()}"

    @case(name, f"compat.opencv.resize {short} 64^2x3 -> 96^2 {interp}",
          f"cv2.resize {interp}")
    def build() -> tuple[Fn, Fn]:
        cv2 = _cv2()
        from pixelgrid.compat import opencv as pco
        x = image(64, 64, 3, dtype, 1)
        ours, flag = getattr(pco, interp), getattr(cv2, interp)
        return (lambda: pco.resize(x, (96, 96), interpolation=ours),
                lambda: cv2.resize(x, (96, 96), interpolation=flag))


for _dt in ("uint8", "float32"):
    for _it in ("INTER_LINEAR", "INTER_NEAREST", "INTER_AREA"):
        _opencv(_dt, _it)


# ---------------------------------------------------------------------------------------
# pixelgrid.warp_affine: 64^2x3 -> 64^2, rotation 17 deg + scale 1.07 about the centre
# (pixelgrid's own float64 sampling, not cv2's fixed-point one: the values differ by
# rounding; this times the Python path of a call against a whole small cv2 call)
# ---------------------------------------------------------------------------------------
def _warp_affine(dtype: str) -> None:
    short = {"uint8": "u8", "float32": "f32"}[dtype]

    @case(f"warp_affine_{short}_linear",
          f"pixelgrid.warp_affine {short} 64^2x3 rotate 17 deg, scale 1.07, linear",
          "cv2.warpAffine INTER_LINEAR")
    def build() -> tuple[Fn, Fn]:
        cv2 = _cv2()
        import pixelgrid as pg
        x = image(64, 64, 3, dtype, 5)
        m = pg.rotation(17, pg.image_center(x.shape), 1.07)
        m2 = np.ascontiguousarray(m[:2])
        return (lambda: pg.warp_affine(x, m),
                lambda: cv2.warpAffine(x, m2, (64, 64), flags=cv2.INTER_LINEAR))


_warp_affine("uint8")
_warp_affine("float32")


# compat.opencv.warpAffine (IPP on, the wheel's default: its approximate model), same warp
def _cv_warp(dtype: str) -> None:
    short = {"uint8": "u8", "float32": "f32"}[dtype]

    @case(f"opencv_warp_{short}_linear",
          f"compat.opencv.warpAffine {short} 64^2x3 rotate 17 deg, scale 1.07, linear",
          "cv2.warpAffine INTER_LINEAR")
    def build() -> tuple[Fn, Fn]:
        cv2 = _cv2()
        import pixelgrid as pg
        from pixelgrid.compat import opencv as pco
        x = image(64, 64, 3, dtype, 5)
        m2 = np.ascontiguousarray(pg.rotation(17, pg.image_center(x.shape), 1.07)[:2])
        return (lambda: pco.warpAffine(x, m2, (64, 64), flags=pco.INTER_LINEAR),
                lambda: cv2.warpAffine(x, m2, (64, 64), flags=cv2.INTER_LINEAR))


_cv_warp("uint8")
_cv_warp("float32")


# compat.torch.grid_sample: CPU tensors 1x3x64^2, a 30-degree rotation + scale 0.9 grid
def _grid_sample(mode: str) -> None:
    @case(f"torch_grid_sample_{mode}",
          f"compat.torch.grid_sample f32 1x3x64^2 rotate 30 deg, {mode}",
          f"F.grid_sample {mode}")
    def build() -> tuple[Fn, Fn]:
        torch = _torch()
        import torch.nn.functional as F

        from pixelgrid.compat import torch as pgt
        t = torch.from_numpy(np.ascontiguousarray(image(64, 64, 3, "float32", 6)
                                                  .transpose(2, 0, 1)[None]))
        g = rotation_grid(torch, list(t.shape))
        return (lambda: pgt.grid_sample(t, g, mode=mode, align_corners=False),
                lambda: F.grid_sample(t, g, mode=mode, align_corners=False))


_grid_sample("bilinear")
_grid_sample("nearest")


# ---------------------------------------------------------------------------------------
# compat.pillow: RGB 256^2 -> 128^2 (numpy in/out vs PIL Image -> Image)
# ---------------------------------------------------------------------------------------
def _pillow(filt: str) -> None:
    @case(f"pillow_rgb_{filt.lower()}", f"compat.pillow.resize RGB 256^2 -> 128^2 {filt}",
          f"Image.resize {filt}")
    def build() -> tuple[Fn, Fn]:
        from PIL import Image

        from pixelgrid.compat import pillow as ppil
        x = image(256, 256, 3, "uint8", 2)
        img = Image.fromarray(x)
        f = getattr(Image.Resampling, filt)
        return (lambda: ppil.resize(x, (128, 128), f), lambda: img.resize((128, 128), f))


_pillow("NEAREST")
_pillow("BILINEAR")


# ---------------------------------------------------------------------------------------
# compat.torch: f32 1x3x64^2 -> 128^2 (CPU tensors in and out)
# ---------------------------------------------------------------------------------------
def _torch_interp(mode: str) -> None:
    @case(f"torch_f32_{mode}", f"compat.torch.interpolate f32 1x3x64^2 -> 128^2 {mode}",
          f"F.interpolate {mode}")
    def build() -> tuple[Fn, Fn]:
        torch = _torch()
        import torch.nn.functional as F

        from pixelgrid.compat import torch as pgt
        t = torch.from_numpy(np.ascontiguousarray(image(64, 64, 3, "float32", 3)
                                                  .transpose(2, 0, 1)[None]))
        kw: dict[str, Any] = dict(size=(128, 128), mode=mode)
        if mode != "nearest":
            kw["align_corners"] = False
        return (lambda: pgt.interpolate(t, **kw), lambda: F.interpolate(t, **kw))


_torch_interp("nearest")
_torch_interp("bilinear")


# ---------------------------------------------------------------------------------------
# compat.onnx (vs onnxruntime, one-node Resize model, CPU execution provider)
# ---------------------------------------------------------------------------------------
def _onnx(name: str, what: str, x: Callable[[], np.ndarray], sizes: list[int],
          mode: str) -> None:
    @case(name, f"compat.onnx.resize {what}", f"onnxruntime Resize {mode}")
    def build() -> tuple[Fn, Fn]:
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper

        from pixelgrid.compat import onnx as po
        a = x()
        dt = {np.dtype(np.uint8): TensorProto.UINT8, np.dtype(np.float32): TensorProto.FLOAT}
        node = helper.make_node("Resize", ["X", "", "", "sizes"], ["Y"], mode=mode)
        graph = helper.make_graph(
            [node], "resize", [helper.make_tensor_value_info("X", dt[a.dtype], list(a.shape))],
            [helper.make_tensor_value_info("Y", dt[a.dtype], None)],
            initializer=[numpy_helper.from_array(np.asarray(sizes, np.int64), "sizes")])
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
        m.ir_version = 9
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        sess = ort.InferenceSession(m.SerializeToString(), so,
                                    providers=["CPUExecutionProvider"])
        return (lambda: po.resize(a, sizes=sizes, mode=mode),
                lambda: sess.run(None, {"X": a})[0])


_onnx("onnx_u8_linear", "u8 NHWC 1x64^2x3 -> 96^2 linear",
      lambda: image(64, 64, 3, "uint8", 4)[None], [1, 96, 96, 3], "linear")
_onnx("onnx_f32_nearest", "f32 NCHW 1x3x64^2 -> 96^2 nearest",
      lambda: np.ascontiguousarray(image(64, 64, 3, "float32", 5).transpose(2, 0, 1)[None]),
      [1, 3, 96, 96], "nearest")


# ---------------------------------------------------------------------------------------
# pixelgrid.resize itself (vs cv2.resize, the fastest peer on these calls)
# ---------------------------------------------------------------------------------------
def _resize(dtype: str) -> None:
    short = {"uint8": "u8", "float32": "f32"}[dtype]

    @case(f"resize_{short}_linear", f"pixelgrid.resize {short} 64^2x3 -> 96^2 linear",
          "cv2.resize INTER_LINEAR")
    def build() -> tuple[Fn, Fn]:
        cv2 = _cv2()
        import pixelgrid
        x = image(64, 64, 3, dtype, 6)
        return (lambda: pixelgrid.resize(x, (96, 96)),
                lambda: cv2.resize(x, (96, 96), interpolation=cv2.INTER_LINEAR))


_resize("uint8")
_resize("float32")


# ---------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------
def _numpy(o: Any) -> np.ndarray:
    if hasattr(o, "detach"):
        return np.asarray(o.detach().numpy())
    return np.asarray(o)


def agreement(a: Any, b: Any) -> str:
    """``bit-exact``, or the largest absolute difference of the two outputs."""
    x, y = _numpy(a), _numpy(b)
    if x.shape != y.shape:
        return f"shapes differ {x.shape} / {y.shape}"
    if np.array_equal(x, y):
        return "bit-exact"
    return f"max diff {float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64)))):.3g}"


def time_case(ours: Fn, lib: Fn, calls: int,
              warm: int = 20) -> tuple[list[float], list[float]]:
    """Per-call seconds of ``calls`` alternating calls of each (after a warm-up)."""
    for _ in range(warm):
        ours()
        lib()
    t_ours, t_lib = [], []
    clock = time.perf_counter_ns
    for i in range(calls):
        pair = ((ours, t_ours), (lib, t_lib)) if i % 2 == 0 else ((lib, t_lib), (ours, t_ours))
        for fn, acc in pair:
            t = clock()
            fn()
            acc.append((clock() - t) * 1e-9)
    return t_ours, t_lib


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", default="", help="comma-separated names or prefixes")
    ap.add_argument("--calls", type=int, default=200, help="timed calls of each (200)")
    ap.add_argument("--json", default="", help="also write the results to this file")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--dry", action="store_true",
                    help="smoke run: 3 calls each, no warm-up (nothing worth reading)")
    args = ap.parse_args(argv)
    if args.dry:
        args.calls = 3
    if args.list:
        for c in CASES:
            print(f"{c.name:24s} {c.what}")
        return 0
    want = [s for s in args.cases.split(",") if s]
    cases = [c for c in CASES if not want or any(c.name.startswith(w) for w in want)]
    if not cases:
        ap.error(f"no case matches {args.cases!r}")
    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    rows, results = [], []
    for c in cases:
        try:
            ours, lib = c.build()
            agree = agreement(ours(), lib())
        except ImportError as e:
            print(f"# {c.name}: skipped, not installed: {e.name or e}", file=sys.stderr)
            continue
        t_ours, t_lib = time_case(ours, lib, args.calls, 0 if args.dry else 20)
        r = dict(name=c.name, what=c.what, library=c.library, agreement=agree,
                 ours_med_us=median(t_ours) * 1e6, lib_med_us=median(t_lib) * 1e6,
                 ours_min_us=min(t_ours) * 1e6, lib_min_us=min(t_lib) * 1e6)
        r["ratio_med"] = r["ours_med_us"] / r["lib_med_us"]
        r["ratio_min"] = r["ours_min_us"] / r["lib_min_us"]
        results.append(r)
        print(f"# {c.name}: {r['ours_med_us']:.1f} / {r['lib_med_us']:.1f} us "
              f"({r['ratio_med']:.2f})", file=sys.stderr, flush=True)
        rows.append(f"| {c.what} | {c.library} | {r['ours_med_us']:.1f} | "
                    f"{r['lib_med_us']:.1f} | {r['ratio_med']:.2f} | {r['ours_min_us']:.1f} / "
                    f"{r['lib_min_us']:.1f} = {r['ratio_min']:.2f} | {agree} |")
    print(f"Small calls at 1 thread, {args.calls} alternating calls each "
          "(pixelgrid / library; ratio < 1: pixelgrid is faster)\n")
    print("| call | library call | pixelgrid median (us) | library median (us) | ratio | "
          "min (us), ratio | agreement |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
