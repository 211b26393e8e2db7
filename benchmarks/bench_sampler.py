"""Point sampler and nearest gather vs the library calls they reproduce.

Run from a clone: ``python benchmarks/bench_sampler.py [--reps 7] [--only NAME]``.
Each case is timed at 1 and 2 threads (``PIXELGRID_NUM_THREADS``, cv2/torch thread
settings), median of ``--reps`` runs after one warm-up; ratio = pixelgrid / library.
Agreement is checked first (max abs difference printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _median(fn: Callable[[], Any], reps: int) -> float:
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def _set_threads(n: int) -> None:
    os.environ["PIXELGRID_NUM_THREADS"] = str(n)
    try:
        import cv2

        cv2.setNumThreads(n)
    except ImportError:
        pass
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:
        pass


def cases() -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    import cv2
    import torch
    import torch.nn.functional as F
    from PIL import Image

    import pixelgrid as pg
    from pixelgrid.compat import opencv as pcv
    from pixelgrid.compat import pillow as ppil
    from pixelgrid.compat import torch as ptorch

    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    f32 = rng.random((1024, 1024, 3), dtype=np.float32)
    m = cv2.getRotationMatrix2D((511.5, 511.5), 30, 1.0)
    m3 = np.vstack([m, [0, 0, 1]])
    out: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {}
    for name, img in (("u8", u8), ("f32", f32)):
        out[f"warp_affine {name} 1024^2x3 rot30 linear"] = (
            lambda img=img: pg.warp_affine(img, m3),
            lambda img=img: cv2.warpAffine(img, m, (1024, 1024), flags=cv2.INTER_LINEAR),
        )
    x = torch.from_numpy(rng.random((4, 3, 256, 256), dtype=np.float32))
    theta = torch.tensor([[[0.9, -0.3, 0.05], [0.3, 0.9, -0.02]]], dtype=torch.float32)
    grid = F.affine_grid(theta.expand(4, 2, 3), (4, 3, 256, 256), align_corners=False)
    for mode in ("bilinear", "bicubic", "nearest"):
        out[f"grid_sample tensor f32 4x3x256^2 {mode}"] = (
            lambda mode=mode: ptorch.grid_sample(x, grid, mode=mode, align_corners=False),
            lambda mode=mode: F.grid_sample(x, grid, mode=mode, align_corners=False),
        )
    for (h, w), tag in (((1536, 1536), "up 1536"), ((341, 341), "down 341")):
        out[f"resize nearest u8 1024^2x3 {tag}"] = (
            lambda h=h, w=w: pg.resize(u8, (h, w), kernel="nearest"),
            lambda h=h, w=w: cv2.resize(u8, (w, h), interpolation=cv2.INTER_NEAREST),
        )
        out[f"compat.opencv INTER_NEAREST u8 {tag}"] = (
            lambda h=h, w=w: pcv.resize(u8, (w, h), interpolation=pcv.INTER_NEAREST),
            lambda h=h, w=w: cv2.resize(u8, (w, h), interpolation=cv2.INTER_NEAREST),
        )
        im = Image.fromarray(u8)
        out[f"compat.pillow RGB NEAREST {tag}"] = (
            lambda h=h, w=w: ppil.resize(u8, (w, h), resample=ppil.NEAREST),
            lambda h=h, w=w, im=im: im.resize((w, h), Image.Resampling.NEAREST),
        )
    lab = rng.integers(0, 50, (1024, 1024), dtype=np.int64)
    out["resize_labels int64 1024^2 down 341"] = (
        lambda: pg.resize_labels(lab, (341, 341)),
        lambda: cv2.resize(lab.astype(np.int32), (341, 341), interpolation=cv2.INTER_NEAREST),
    )
    pts = rng.random((1_000_000, 2)) * 1023
    mapx = pts[:, 1].astype(np.float32).reshape(1000, 1000)
    mapy = pts[:, 0].astype(np.float32).reshape(1000, 1000)
    out["sample f32 1024^2x3 at 1e6 points linear (vs cv2.remap)"] = (
        lambda: pg.sample(f32, pts),
        lambda: cv2.remap(f32, mapx, mapy, cv2.INTER_LINEAR),
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--only", default="")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    cs = {k: v for k, v in cases().items() if args.only in k}
    print(f"{'case':58s} {'thr':>3s} {'pixelgrid ms':>12s} {'library ms':>10s} {'ratio':>6s}")
    for name, (ours, lib) in cs.items():
        a, b = np.asarray(ours()), np.asarray(lib())
        diff = (float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
                if a.shape == b.shape else float("nan"))
        for t in (int(s) for s in args.threads.split(",")):
            _set_threads(t)
            to, tl = _median(ours, args.reps), _median(lib, args.reps)
            print(f"{name:58s} {t:3d} {to * 1e3:12.2f} {tl * 1e3:10.2f} {to / tl:6.2f}"
                  f"   (max diff {diff:.3g})", flush=True)


if __name__ == "__main__":
    main()
