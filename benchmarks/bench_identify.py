"""Time ``pixelgrid.identify`` on 512 x 512 RGB pairs made by the real libraries.

    python benchmarks/bench_identify.py [--size 512] [--quick]

Each case resizes scikit-image's astronaut photo (512 x 512 RGB, uint8) with a
real library call, then times ``identify(x, y)`` (all libraries searched) and
reports whether the top candidate is exact and names the call (or an equivalent).
Five plain calls, then a crop and a pad of a resize (the crop/pad search).  The
issue's target is under 2 s per identification on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np


def _cases(x: np.ndarray, n: int) -> list[tuple[str, Any]]:
    import cv2
    import torch
    from PIL import Image

    t = torch.from_numpy(x).permute(2, 0, 1)[None]
    cases: list[tuple[str, Any]] = [
        ("cv2.resize(x, (300, 300), interpolation=cv2.INTER_AREA)",
         lambda: cv2.resize(x, (300, 300), interpolation=cv2.INTER_AREA)),
        ("cv2.resize(x, (768, 768), interpolation=cv2.INTER_CUBIC)",
         lambda: cv2.resize(x, (768, 768), interpolation=cv2.INTER_CUBIC)),
        ("Image.fromarray(x).resize((256, 256), Image.Resampling.BICUBIC)",
         lambda: np.asarray(Image.fromarray(x).resize((256, 256), Image.Resampling.BICUBIC))),
        ("torch.nn.functional.interpolate(t, size=(224, 224), mode='bilinear', "
         "antialias=True)",
         lambda: torch.nn.functional.interpolate(t, size=(224, 224), mode="bilinear",
                                                 antialias=True)[0].permute(1, 2, 0).numpy()),
        ("torch.nn.functional.interpolate(t.float(), scale_factor=2, mode='nearest')",
         lambda: torch.nn.functional.interpolate(t.float(), scale_factor=2.0,
                                                 mode="nearest")[0].permute(1, 2, 0).numpy()),
        # no plain call explains these: the crop/pad search runs
        ("cv2.resize(x, (256, 256), interpolation=cv2.INTER_LINEAR)[16:240, 16:240]",
         lambda: cv2.resize(x, (256, 256), interpolation=cv2.INTER_LINEAR)[16:240, 16:240]),
        ("np.pad(Image.fromarray(x).resize((300, 200), BILINEAR), ((50, 50), (0, 0), (0, 0)))",
         lambda: np.pad(np.asarray(Image.fromarray(x).resize(
             (300, 200), Image.Resampling.BILINEAR)), ((50, 50), (0, 0), (0, 0)))),
    ]
    return cases[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=512, help="input side (default 512)")
    ap.add_argument("--quick", action="store_true", help="two cases at 64 px")
    args = ap.parse_args()
    import cv2
    import skimage.data

    import pixelgrid

    size = 64 if args.quick else args.size
    x = cv2.resize(skimage.data.astronaut(), (size, size), interpolation=cv2.INTER_AREA)
    pixelgrid.identify(x[:32, :32], x[:16, :16])  # imports and first-call set-up
    times = []
    print(f"identify on {size} x {size} x 3 uint8 (all libraries searched)")
    for name, make in _cases(x, 2 if args.quick else 7):
        y = make()
        t0 = time.perf_counter()
        found = pixelgrid.identify(x, y)
        dt = time.perf_counter() - t0
        times.append(dt)
        best = found[0]
        print(f"{dt:6.2f} s  exact={best.exact!s:5}  {name}\n          -> {best.call}")
    print(f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s")


if __name__ == "__main__":
    main()
