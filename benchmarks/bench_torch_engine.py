"""pixelgrid on CPU torch tensors against ``torch.nn.functional.interpolate``, in one run.

Run: python benchmarks/bench_torch_engine.py [--reps N] [--cases a,b|all] [--threads 1,2]

For each case and thread count (``torch.set_num_threads``; pixelgrid's compiled
engine follows torch's thread count for tensors), prints the median time in ms
of ``pixelgrid.resize(tensor)`` (pixelgrid's own model: exact coordinates,
correctly rounded uint8), of ``pixelgrid.compat.torch.interpolate`` (torch's
model) and of ``torch.nn.functional.interpolate``, and the ratios
pixelgrid / torch (below 1 is faster).  Calls are interleaved round by round,
each timed call right after an untimed call of the same function.  Before
timing, the compat result is compared with torch's (max |diff|, uint8: number
of differing values).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch

import pixelgrid
from pixelgrid.compat.torch import interpolate

F = torch.nn.functional

# name: (input shape, dtype, channels_last, output size, torch mode, antialias, resize kernel)
CASES: dict[str, tuple[tuple[int, ...], torch.dtype, bool, tuple[int, int], str, bool, str]] = {
    "f32 8x3x256^2 -> 512^2 bilinear": (
        (8, 3, 256, 256), torch.float32, False, (512, 512), "bilinear", False, "linear"),
    "f32 8x3x256^2 -> 512^2 nearest": (
        (8, 3, 256, 256), torch.float32, False, (512, 512), "nearest", False, "nearest"),
    "u8 CL 1x3x1024^2 -> 2048^2 bilinear": (
        (1, 3, 1024, 1024), torch.uint8, True, (2048, 2048), "bilinear", False, "linear"),
    "u8 CL 1x3x1024^2 -> 300^2 bilinear aa": (
        (1, 3, 1024, 1024), torch.uint8, True, (300, 300), "bilinear", True, "linear"),
}


def _median_ms(samples: list[float]) -> float:
    return 1e3 * statistics.median(samples)


def _time(f: Callable[[], Any]) -> float:
    f()  # untimed call right before (warm caches)
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--cases", default="all")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    names = list(CASES) if args.cases == "all" else args.cases.split(",")
    gen = torch.Generator().manual_seed(0)
    print(f"torch {torch.__version__}; medians of {args.reps} rounds, ms; "
          "ratio = pixelgrid / torch")
    print("| case | threads | torch | resize | ratio | compat | ratio |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        shape, dtype, cl, size, mode, aa, kernel = CASES[name]
        if dtype == torch.uint8:
            x = torch.randint(0, 256, shape, dtype=dtype, generator=gen)
        else:
            x = torch.rand(shape, dtype=dtype, generator=gen)
        if cl:
            x = x.contiguous(memory_format=torch.channels_last)

        def ours(x: torch.Tensor = x, size: tuple[int, int] = size, kernel: str = kernel,
                 aa: bool = aa) -> Any:
            return pixelgrid.resize(x, size, kernel=kernel, antialias=aa)

        def compat(x: torch.Tensor = x, size: tuple[int, int] = size, mode: str = mode,
                   aa: bool = aa) -> Any:
            return interpolate(x, size=size, mode=mode, antialias=aa)

        def ref(x: torch.Tensor = x, size: tuple[int, int] = size, mode: str = mode,
                aa: bool = aa) -> torch.Tensor:
            return F.interpolate(x, size=size, mode=mode, antialias=aa)

        want, got = ref(), compat()
        if dtype == torch.uint8:
            agree = f"{int((want != got).sum())} values differ"
        else:
            agree = f"max|diff| {float((want - got).abs().max()):.1e}"
        fmt = "channels_last" if ours().is_contiguous(
            memory_format=torch.channels_last) and cl else "contiguous"
        for threads in (int(t) for t in args.threads.split(",")):
            torch.set_num_threads(threads)
            times: dict[str, list[float]] = {"torch": [], "resize": [], "compat": []}
            for _ in range(args.reps):
                times["torch"].append(_time(ref))
                times["resize"].append(_time(ours))
                times["compat"].append(_time(compat))
            t_ref, t_ours, t_compat = (_median_ms(times[k]) for k in ("torch", "resize",
                                                                       "compat"))
            print(f"| {name} | {threads} | {t_ref:.2f} | {t_ours:.2f} | {t_ours / t_ref:.2f} "
                  f"| {t_compat:.2f} | {t_compat / t_ref:.2f} |", flush=True)
        print(f"<!-- {name}: compat vs torch {agree}; resize output {fmt} -->", flush=True)


if __name__ == "__main__":
    main()
