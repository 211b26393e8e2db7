"""Micro benchmark of the native engine against cv2 / torch / PIL on the anchor cases.

Run: python benchmarks/bench_native.py [--reps N] [--cases a,b]
Prints medians in ms at 1 and 2 threads and the ratio pixelgrid / fastest peer.

``--models``: the compat calls whose plans declare a library's arithmetic model
(float32 taps, OpenCV's unshifted 8-bit sums, block sums, Pillow's reduce and F mode,
ONNX Runtime's corner sums), each against the library call it reproduces, after an
agreement check (``=`` bit-exact, else the max difference); ``--engine reference``
times the numpy model engines instead of the compiled ones.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from pixelgrid._engines import native
from pixelgrid._plan_types import AxisPlan, FixedPoint


def _fixed(w: np.ndarray, bits: int) -> FixedPoint:
    fw = np.round(w * 2**bits).astype(np.int64)
    return FixedPoint(bits, fw, np.zeros(w.shape[0], np.int64), 1 << (bits - 1))


def conv_plan(n_in: int, n_out: int, kernel: str, antialias: bool, bits: int = 14) -> AxisPlan:
    """Half-pixel plan with a separable kernel (support scaled when downsampling + AA)."""
    scale = n_in / n_out
    if kernel == "linear":
        support, f = 1.0, lambda t: np.maximum(0.0, 1.0 - np.abs(t))
    elif kernel.startswith("cubic"):
        a = -0.5 if kernel == "cubic" else -0.75

        def f(t: np.ndarray) -> np.ndarray:
            t = np.abs(t)
            return np.where(t < 1, ((a + 2) * t - (a + 3)) * t * t + 1,
                            np.where(t < 2, (((t - 5) * t + 8) * t - 4) * a, 0.0))
        support = 2.0
    elif kernel == "lanczos3":
        support = 3.0

        def f(t: np.ndarray) -> np.ndarray:
            return np.where(np.abs(t) < 3, np.sinc(t) * np.sinc(t / 3), 0.0)
    else:
        raise ValueError(kernel)
    fs = scale if (antialias and scale > 1) else 1.0
    o = np.arange(n_out)
    c = (o + 0.5) * scale - 0.5
    taps = math.ceil(support * fs) * 2
    i0 = np.floor(c - support * fs).astype(np.int64) + 1
    idx = i0[:, None] + np.arange(taps)[None, :]
    w = f((idx - c[:, None]) / fs)
    idx = np.clip(idx, 0, n_in - 1)
    w = w / w.sum(axis=1, keepdims=True)
    return AxisPlan(n_in, n_out, idx, w, np.zeros(n_out), 0.0, c, _fixed(w, bits))


def timeit(fn, reps: int, clock=time.perf_counter) -> float:
    fn()
    fn()
    ts = []
    for _ in range(reps):
        t0 = clock()
        fn()
        ts.append(clock() - t0)
    return float(np.median(ts)) * 1e3


def model_cases() -> dict[str, tuple]:
    """``name -> (pixelgrid call, library call)`` for the compat calls of the models."""
    import cv2
    from PIL import Image

    import pixelgrid.compat.onnx as pox
    import pixelgrid.compat.opencv as pcv
    import pixelgrid.compat.pillow as ppl

    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    f32 = rng.random((1024, 1024, 3), dtype=np.float32)
    cases: dict[str, tuple] = {}
    for nm in ("LINEAR", "CUBIC", "LANCZOS4"):
        flag = getattr(cv2, f"INTER_{nm}")
        for dn, x in (("u8", u8), ("f32", f32)):
            cases[f"cv {dn} {nm} 1024->1536"] = (
                lambda x=x, f=flag: pcv.resize(x, (1536, 1536), interpolation=f),
                lambda x=x, f=flag: cv2.resize(x, (1536, 1536), interpolation=f))
    cases["cv f32 AREA 1024->1536"] = (
        lambda: pcv.resize(f32, (1536, 1536), interpolation=cv2.INTER_AREA),
        lambda: cv2.resize(f32, (1536, 1536), interpolation=cv2.INTER_AREA))
    cases["cv f32 AREA 1024->700"] = (
        lambda: pcv.resize(f32, (700, 700), interpolation=cv2.INTER_AREA),
        lambda: cv2.resize(f32, (700, 700), interpolation=cv2.INTER_AREA))
    for dn, x in (("u8", u8[:1023, :1023]), ("f32", f32[:1023, :1023])):
        x = np.ascontiguousarray(x)
        cases[f"cv {dn} AREA /3"] = (
            lambda x=x: pcv.resize(x, (341, 341), interpolation=cv2.INTER_AREA),
            lambda x=x: cv2.resize(x, (341, 341), interpolation=cv2.INTER_AREA))
    rgb = Image.fromarray(u8[:1023, :1023].copy())
    cases["pillow RGB reduce(3)"] = (lambda: ppl.reduce(rgb, 3), lambda: rgb.reduce(3))
    fim = Image.fromarray(f32[:512, :512, 0].copy(), mode="F")
    cases["pillow F BICUBIC 512->1024"] = (
        lambda: ppl.resize(fim, (1024, 1024), Image.BICUBIC),
        lambda: fim.resize((1024, 1024), Image.BICUBIC))
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper
    except ImportError:
        return cases
    for mode, dn in (("linear", "f32"), ("linear", "u8"), ("cubic", "f32")):
        tp = TensorProto.FLOAT if dn == "f32" else TensorProto.UINT8
        node = helper.make_node("Resize", ["X", "", "scales"], ["Y"], mode=mode)
        g = helper.make_graph(
            [node], "g", [helper.make_tensor_value_info("X", tp, None)],
            [helper.make_tensor_value_info("Y", tp, None)],
            [helper.make_tensor("scales", TensorProto.FLOAT, [4], [1, 1, 1.5, 1.5])])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 19)])
        x = f32[:512, :512].transpose(2, 0, 1)[None].copy() if dn == "f32" else \
            u8[:512, :512].transpose(2, 0, 1)[None].copy()
        sess = {}

        def lib(x=x, m=m, sess=sess):
            t = int(os.environ.get("PIXELGRID_NUM_THREADS", "1"))
            if t not in sess:
                so = ort.SessionOptions()
                so.intra_op_num_threads = t
                sess[t] = ort.InferenceSession(m.SerializeToString(), so,
                                               providers=["CPUExecutionProvider"])
            return sess[t].run(None, {"X": x})[0]

        cases[f"onnx {dn} {mode} 512->768"] = (
            lambda x=x, mode=mode: pox.resize(x, scales=[1, 1, 1.5, 1.5], mode=mode), lib)
    return cases


def bench_models(reps: int, threads: list[int], which: str, engine: str, cpu: bool) -> None:
    """Median ms of each compat model call and its library at each thread count.

    ``cpu``: at 1 thread, the calling thread's CPU time (``time.thread_time``: every
    call here runs in the caller at 1 thread), steadier than wall time on a busy machine.
    """
    import cv2

    os.environ["PIXELGRID_ENGINE"] = engine
    cases = model_cases()
    print(f"{'case':28s} {'T':>2s} {'pixelgrid':>9s} {'library':>8s} {'ratio':>6s}  agree")
    for name, (ours, lib) in cases.items():
        if which and not any(w in name for w in which.split(",")):
            continue
        for t in threads:
            os.environ["PIXELGRID_NUM_THREADS"] = str(t)
            cv2.setNumThreads(t)
            a, b = np.asarray(ours()), np.asarray(lib())
            d = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
            agree = "=" if d == 0 else f"{d:.3g}"
            clock = time.thread_time if cpu and t == 1 else time.perf_counter
            ta, tb = timeit(ours, reps, clock), timeit(lib, reps, clock)
            print(f"{name:28s} {t:2d} {ta:9.2f} {tb:8.2f} {ta / tb:6.2f}  {agree}", flush=True)


def main() -> None:
    import cv2
    import torch
    import torch.nn.functional as F
    from PIL import Image

    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--cases", default="")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--models", action="store_true",
                    help="time the compat calls of the arithmetic models instead")
    ap.add_argument("--engine", default="auto", choices=("auto", "reference"))
    ap.add_argument("--cpu", action="store_true",
                    help="--models at 1 thread: CPU time of the calling thread")
    args = ap.parse_args()
    if args.models:
        bench_models(args.reps, [int(t) for t in args.threads.split(",")], args.cases,
                     args.engine, args.cpu)
        return
    rng = np.random.default_rng(0)

    cases = {}

    # 1. u8 bilinear up 2x, HWC
    x1 = rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    ph, pw = conv_plan(1024, 2048, "linear", False), conv_plan(1024, 2048, "linear", False)
    t1 = torch.from_numpy(x1).as_strided((1, 3, 1024, 1024), (1024 * 1024 * 3, 1, 1024 * 3, 3))
    cases["u8_up2_bilinear"] = (
        lambda T: native.apply_plans(x1, [(1, pw), (0, ph)], threads=T),
        {"cv2": lambda: cv2.resize(x1, (2048, 2048), interpolation=cv2.INTER_LINEAR),
         "torch": lambda: F.interpolate(t1, size=(2048, 2048), mode="bilinear",
                                        align_corners=False),
         "pil": (lambda img: lambda: img.resize((2048, 2048), Image.BILINEAR))(
             Image.fromarray(x1))})
    # 2. u8 AA bicubic down 4x
    x2 = rng.integers(0, 256, (2048, 2048, 3), dtype=np.uint8)
    pb = conv_plan(2048, 512, "cubic", True)
    t2 = torch.from_numpy(x2).as_strided((1, 3, 2048, 2048), (2048 * 2048 * 3, 1, 2048 * 3, 3))
    cases["u8_down4_aa_bicubic"] = (
        lambda T: native.apply_plans(x2, [(1, pb), (0, pb)], threads=T),
        {"cv2(area)": lambda: cv2.resize(x2, (512, 512), interpolation=cv2.INTER_AREA),
         "torch": lambda: F.interpolate(t2, size=(512, 512), mode="bicubic",
                                        align_corners=False, antialias=True),
         "pil": (lambda img: lambda: img.resize((512, 512), Image.BICUBIC))(
             Image.fromarray(x2))})
    # 3. u8 lanczos3 AA down 3x
    x3 = rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    plh, plw = conv_plan(1080, 360, "lanczos3", True), conv_plan(1920, 640, "lanczos3", True)
    cases["u8_down3_lanczos3"] = (
        lambda T: native.apply_plans(x3, [(1, plw), (0, plh)], threads=T),
        {"cv2(area)": lambda: cv2.resize(x3, (640, 360), interpolation=cv2.INTER_AREA),
         "pil": (lambda img: lambda: img.resize((640, 360), Image.LANCZOS))(
             Image.fromarray(x3))})
    # 4. f32 NCHW 8x3x512x512 bilinear up 2x
    x4 = rng.random((8, 3, 512, 512), dtype=np.float32)
    p4 = conv_plan(512, 1024, "linear", False)
    t4 = torch.from_numpy(x4)
    planes = x4.reshape(24, 512, 512)

    def cv_planes() -> np.ndarray:
        out = np.empty((8, 3, 1024, 1024), np.float32)
        o = out.reshape(24, 1024, 1024)
        for i in range(24):
            cv2.resize(planes[i], (1024, 1024), dst=o[i], interpolation=cv2.INTER_LINEAR)
        return out
    cases["f32_nchw_up2_bilinear"] = (
        lambda T: native.apply_plans(x4, [(2, p4), (3, p4)], threads=T),
        {"cv2": cv_planes,
         "torch": lambda: F.interpolate(t4, size=(1024, 1024), mode="bilinear",
                                        align_corners=False)})
    # 5. f32 bicubic up 3x
    x5 = rng.random((1, 3, 512, 512), dtype=np.float32)
    p5 = conv_plan(512, 1536, "cubic75", False)
    t5 = torch.from_numpy(x5)
    p5p = x5.reshape(3, 512, 512)

    def cv_cubic() -> np.ndarray:
        out = np.empty((1, 3, 1536, 1536), np.float32)
        o = out.reshape(3, 1536, 1536)
        for i in range(3):
            cv2.resize(p5p[i], (1536, 1536), dst=o[i], interpolation=cv2.INTER_CUBIC)
        return out
    cases["f32_up3_bicubic"] = (
        lambda T: native.apply_plans(x5, [(2, p5), (3, p5)], threads=T),
        {"cv2": cv_cubic,
         "torch": lambda: F.interpolate(t5, size=(1536, 1536), mode="bicubic",
                                        align_corners=False)})
    # 6. f32 HWC 1000x750x3 -> 1333x999
    x6 = rng.random((1000, 750, 3), dtype=np.float32)
    p6h, p6w = conv_plan(1000, 1333, "linear", False), conv_plan(750, 999, "linear", False)
    t6 = torch.from_numpy(x6).as_strided((1, 3, 1000, 750), (1000 * 750 * 3, 1, 750 * 3, 3))
    cases["f32_hwc_bilinear_1333"] = (
        lambda T: native.apply_plans(x6, [(0, p6h), (1, p6w)], threads=T),
        {"cv2": lambda: cv2.resize(x6, (999, 1333), interpolation=cv2.INTER_LINEAR),
         "torch": lambda: F.interpolate(t6, size=(1333, 999), mode="bilinear",
                                        align_corners=False)})
    # 7. trilinear 128^3 -> 256^3
    x7 = rng.random((1, 1, 128, 128, 128), dtype=np.float32)
    p7 = conv_plan(128, 256, "linear", False)
    t7 = torch.from_numpy(x7)
    cases["f32_trilinear"] = (
        lambda T: native.apply_plans(x7, [(2, p7), (3, p7), (4, p7)], threads=T),
        {"torch": lambda: F.interpolate(t7, size=(256, 256, 256), mode="trilinear",
                                        align_corners=False)})

    want = [c for c in args.cases.split(",") if c] or list(cases)
    thr = [int(t) for t in args.threads.split(",")]
    print(f"{'case':24s} {'T':>2s} {'pixelgrid':>9s}  peers (ms)   ratio vs fastest")
    for name in want:
        ours, peers = cases[name]
        for T in thr:
            cv2.setNumThreads(T)
            torch.set_num_threads(T)
            os.environ["OMP_NUM_THREADS"] = str(T)
            t_ours = timeit(lambda ours=ours, T=T: ours(T), args.reps)
            pt = {}
            for pn, fn in peers.items():
                if pn == "pil" and T != 1:
                    continue
                pt[pn] = timeit(fn, args.reps)
            best = min(pt.values())
            ps = "  ".join(f"{k}={v:.2f}" for k, v in pt.items())
            print(f"{name:24s} {T:2d} {t_ours:9.2f}  {ps}   ratio={t_ours / best:.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
