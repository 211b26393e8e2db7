"""Every torch CPU tensor path of pixelgrid against the torch call it replaces, in one run.

Run: python benchmarks/bench_torch.py [--reps N] [--cases a,b|all] [--threads 1,2] [--list]
[--dry]

Paths timed, forward and backward (``requires_grad`` float inputs: forward, then
``y.backward(g)`` with a fixed ``g``; timed together, against torch's forward +
backward):

* ``pixelgrid.resize(tensor)`` (pixelgrid's own model) and
  ``pixelgrid.compat.torch.interpolate`` (torch's model) against
  ``torch.nn.functional.interpolate``: bilinear, nearest, nearest-exact, bicubic, area,
  antialiased bilinear/bicubic, align_corners, trilinear (5-D), linear (3-D); float32,
  float64, float16, bfloat16, uint8 (contiguous and channels-last); small tensors
  (1x3x64^2: per-call overhead), channels-last float32, non-contiguous views;
* ``compat.torch.grid_sample`` / ``affine_grid`` against ``F.grid_sample`` /
  ``F.affine_grid``; ``pixelgrid.warp_affine(tensor)`` against ``F.affine_grid`` +
  ``F.grid_sample`` (another model: timed only, no agreement).

Agreement first: each compat result (and gradient) is compared with torch's, max
|diff| (uint8: count of differing values), printed in the table.  Timing: for each
thread count (``torch.set_num_threads``; pixelgrid's engine follows torch's count for
tensors), ``--reps`` interleaved rounds; in each round every function is called once
untimed, then timed over a batch of calls (batch sized to ~2 ms, so that per-call
overhead of small calls is measured, not the timer); the median (``--stat min``: the
minimum) per-call time is kept.
ratio = pixelgrid / torch (< 1: pixelgrid is faster).  The machine this runs on may be
shared: repeat a run before believing a ratio near 1.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

import pixelgrid
from pixelgrid.compat import torch as pgt

F = torch.nn.functional
Fn = Callable[[], Any]


@dataclass
class Case:
    """One row: the torch call and pixelgrid's calls on the same input."""

    name: str
    make: Callable[[], tuple[Fn, dict[str, Fn], dict[str, str]]]
    tags: tuple[str, ...] = field(default_factory=tuple)


CASES: dict[str, Case] = {}
_SHRINK = [1]  # --dry: spatial sizes divided by 8 (smoke run)


def _s(n: int) -> int:
    return max(2, n // _SHRINK[0])


def _sp(shape: tuple[int, ...], lead: int) -> tuple[int, ...]:
    return (*shape[:lead], *(_s(n) for n in shape[lead:]))
_RESIZE_KERNEL = {"bilinear": "linear", "trilinear": "linear", "linear": "linear",
                  "nearest": "nearest", "nearest-exact": "nearest", "bicubic": "cubic",
                  "area": "area"}


def _data(shape: tuple[int, ...], dtype: torch.dtype, layout: str) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    if dtype == torch.uint8:
        x = torch.randint(0, 256, shape, dtype=dtype, generator=gen)
    else:
        x = torch.rand(shape, dtype=torch.float64, generator=gen).to(dtype)
    if layout == "cl":
        x = x.contiguous(memory_format=torch.channels_last)
    elif layout == "strided":  # every other column of a twice-as-wide tensor
        x = torch.repeat_interleave(x, 2, dim=-1)[..., ::2]
    return x


def _diff(a: torch.Tensor, b: torch.Tensor) -> str:
    if a.shape != b.shape:
        return f"SHAPE {tuple(a.shape)} vs {tuple(b.shape)}"
    if not a.is_floating_point():
        n = int((a != b).sum())
        return "bit-exact" if n == 0 else f"{n} differ"
    d = float((a.double() - b.double()).abs().max())
    return "bit-exact" if d == 0 else f"{d:.1e}"


def interp(shape: tuple[int, ...], dtype: torch.dtype, size: tuple[int, ...],
           mode: str, *, aa: bool = False, ac: bool | None = None, layout: str = "c",
           backward: bool = False) -> None:
    """Register an interpolate case (``backward``: forward + backward timed)."""

    def make() -> tuple[Fn, dict[str, Fn], dict[str, str]]:
        x = _data(_sp(shape, 2), dtype, layout)
        size_ = _sp(size, 0)
        kw: dict[str, Any] = {"size": size_, "mode": mode, "antialias": aa}
        if ac is not None:
            kw["align_corners"] = ac
        rkw: dict[str, Any] = {"kernel": _RESIZE_KERNEL[mode], "antialias": aa}
        if ac:
            rkw["align_corners"] = True
        fns: dict[str, Callable[[torch.Tensor], Any]] = {
            "torch": lambda t: F.interpolate(t, **kw),
            "resize": lambda t: pixelgrid.resize(t, size_, **rkw),
            "compat": lambda t: pgt.interpolate(t, **kw),
        }
        if not backward:
            calls = {k: (lambda f=f: f(x)) for k, f in fns.items()}
            want = calls["torch"]()
            return calls["torch"], {k: calls[k] for k in ("resize", "compat")}, {
                "compat": _diff(calls["compat"](), want)}
        xg = x.detach().clone().requires_grad_(True)
        g = _data(tuple(fns["torch"](x).shape), dtype, "c")

        def fb(f: Callable[[torch.Tensor], Any]) -> Fn:
            def run() -> torch.Tensor:
                xg.grad = None
                f(xg).backward(g)
                assert xg.grad is not None
                return xg.grad
            return run

        bcalls = {k: fb(f) for k, f in fns.items()}
        want = bcalls["torch"]().clone()
        return bcalls["torch"], {k: bcalls[k] for k in ("resize", "compat")}, {
            "compat": "grad " + _diff(bcalls["compat"]().clone(), want)}

    what = f"{'bwd' if backward else 'fwd'} {_dt(dtype)} {layout} " \
           f"{'x'.join(map(str, shape))} -> {'x'.join(map(str, size))} {mode}" \
           f"{' aa' if aa else ''}{' ac' if ac else ''}"
    CASES[what] = Case(what, make)


def _dt(dtype: torch.dtype) -> str:
    return {torch.float32: "f32", torch.float64: "f64", torch.float16: "f16",
            torch.bfloat16: "bf16", torch.uint8: "u8"}[dtype]


def _theta(n: int, angle: float = 30.0, scale: float = 0.9) -> torch.Tensor:
    a = math.radians(angle)
    return torch.tensor([[[scale * math.cos(a), -scale * math.sin(a), 0.05],
                          [scale * math.sin(a), scale * math.cos(a), -0.03]]] * n,
                        dtype=torch.float32)


def warp_cases() -> None:
    """grid_sample, affine_grid and warp_affine(tensor) cases."""
    for mode in ("bilinear", "nearest", "bicubic"):
        def make(mode: str = mode) -> tuple[Fn, dict[str, Fn], dict[str, str]]:
            x = _data((1, 3, _s(512), _s(512)), torch.float32, "c")
            grid = F.affine_grid(_theta(1), [1, 3, _s(512), _s(512)], align_corners=False)

            def ref() -> Any:
                return F.grid_sample(x, grid, mode=mode, align_corners=False)

            def ours() -> Any:
                return pgt.grid_sample(x, grid, mode=mode, align_corners=False)

            return ref, {"compat": ours}, {"compat": _diff(ours(), ref())}
        name = f"fwd f32 grid_sample 1x3x512^2 rot30 {mode}"
        CASES[name] = Case(name, make)

    def make_ag() -> tuple[Fn, dict[str, Fn], dict[str, str]]:
        th = _theta(4)

        def ref() -> Any:
            return F.affine_grid(th, [4, 3, _s(512), _s(512)], align_corners=False)

        def ours() -> Any:
            return pgt.affine_grid(th, [4, 3, _s(512), _s(512)], align_corners=False)

        return ref, {"compat": ours}, {"compat": _diff(ours(), ref())}
    CASES["fwd f32 affine_grid 4x3x512^2"] = Case("fwd f32 affine_grid 4x3x512^2", make_ag)

    def make_wa() -> tuple[Fn, dict[str, Fn], dict[str, str]]:
        x = _data((1, 3, _s(512), _s(512)), torch.float32, "c")
        th = _theta(1)
        m = [[0.9 * math.cos(0.5), -0.9 * math.sin(0.5), 10.0],
             [0.9 * math.sin(0.5), 0.9 * math.cos(0.5), -5.0]]

        def ref() -> Any:
            return F.grid_sample(x, F.affine_grid(th, [1, 3, _s(512), _s(512)],
                                                  align_corners=False),
                                 align_corners=False)

        def ours() -> Any:
            return pixelgrid.warp_affine(x, m)

        return ref, {"warp_affine": ours}, {"warp_affine": "other model: timed only"}
    CASES["fwd f32 warp_affine 1x3x512^2 (vs affine_grid+grid_sample)"] = Case(
        "fwd f32 warp_affine 1x3x512^2 (vs affine_grid+grid_sample)", make_wa)


B, C = (8, 3, 256, 256), (512, 512)
f32, f64 = torch.float32, torch.float64
# forward
interp(B, f32, C, "bilinear")
interp(B, f32, C, "nearest")
interp((1, 3, 1024, 1024), torch.uint8, (2048, 2048), "bilinear", layout="cl")
interp((1, 3, 1024, 1024), torch.uint8, (300, 300), "bilinear", aa=True, layout="cl")
interp((1, 3, 1024, 1024), torch.uint8, (2048, 2048), "bilinear")
interp((1, 3, 1024, 1024), torch.uint8, (300, 300), "bilinear", aa=True)
interp((1, 3, 1024, 1024), torch.uint8, (2048, 2048), "nearest")
interp((1, 3, 64, 64), f32, (128, 128), "bilinear")
interp((1, 3, 64, 64), f32, (128, 128), "nearest")
interp((1, 3, 64, 64), f32, (96, 96), "bicubic")
interp(B, f32, C, "bicubic")
interp(B, f32, C, "bilinear", ac=True)
interp(B, f32, C, "bicubic", ac=True)
interp(B, f32, C, "nearest-exact")
interp(B, f32, (100, 100), "area")
interp(B, f32, (100, 100), "bilinear", aa=True)
interp(B, f32, (100, 100), "bicubic", aa=True)
interp((1, 4, 48, 48, 48), f32, (96, 96, 96), "trilinear")
interp((8, 16, 4096), f32, (10000,), "linear")
interp(B, f64, C, "bilinear")
interp(B, torch.float16, C, "bilinear")
interp(B, torch.bfloat16, C, "bilinear")
interp((4, 16, 128, 128), f32, (256, 256), "bilinear", layout="cl")
interp((4, 16, 128, 128), f32, (256, 256), "nearest", layout="cl")
interp(B, f32, C, "bilinear", layout="strided")
# backward
for _m, _size in (("bilinear", C), ("nearest", C), ("bicubic", C), ("area", (100, 100))):
    interp(B, f32, _size, _m, backward=True)
interp(B, f32, (100, 100), "bilinear", aa=True, backward=True)
interp(B, f32, C, "bilinear", ac=True, backward=True)
interp((1, 3, 64, 64), f32, (128, 128), "bilinear", backward=True)
interp((1, 4, 48, 48, 48), f32, (96, 96, 96), "trilinear", backward=True)
interp((8, 16, 4096), f32, (10000,), "linear", backward=True)
interp(B, f64, C, "bilinear", backward=True)
interp((4, 16, 128, 128), f32, (256, 256), "bilinear", layout="cl", backward=True)
warp_cases()


def _per_call(f: Fn, n: int) -> float:
    f()  # untimed call right before (warm caches)
    t = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--cases", default="all",
                    help="comma-separated substrings of case names (or 'all')")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--list", action="store_true", help="list the case names and exit")
    ap.add_argument("--stat", choices=("median", "min"), default="median",
                    help="per-call statistic over the rounds (min: on a loaded machine)")
    ap.add_argument("--dry", action="store_true",
                    help="smoke run: inputs shrunk 8x, one round, one thread, no batches")
    args = ap.parse_args()
    if args.dry:
        _SHRINK[0] = 8
        args.reps, args.threads = 1, "1"
    if args.list:
        print("\n".join(CASES))
        return
    pats = None if args.cases == "all" else args.cases.split(",")
    names = [n for n in CASES if pats is None or any(p in n for p in pats)]
    threads = [int(t) for t in args.threads.split(",")]
    stat = statistics.median if args.stat == "median" else min
    print(f"torch {torch.__version__}; per-call {args.stat} of {args.reps} rounds, ms; "
          "ratio = pixelgrid / torch")
    print("| case | T | torch | resize | ratio | compat/other | ratio | agreement |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        ref, ours, agree = CASES[name].make()
        for nt in threads:
            torch.set_num_threads(nt)
            fns = {"torch": ref, **ours}
            batch = {}
            for k, f in fns.items():
                f()
                batch[k] = 1 if args.dry else max(1, min(200, int(
                    2e-3 / max(_per_call(f, 1), 1e-6))))
            times: dict[str, list[float]] = {k: [] for k in fns}
            for _ in range(args.reps):
                for k, f in fns.items():
                    times[k].append(_per_call(f, batch[k]))
            med = {k: 1e3 * stat(v) for k, v in times.items()}
            cols = []
            for k in ("resize", "compat"):
                other = k if k in med else next((o for o in ours if o != "resize"), None)
                if k == "compat" and other is not None and other in med:
                    cols.append(f"{med[other]:.3f} | {med[other] / med['torch']:.2f}")
                elif k in med:
                    cols.append(f"{med[k]:.3f} | {med[k] / med['torch']:.2f}")
                else:
                    cols.append("- | -")
            print(f"| {name} | {nt} | {med['torch']:.3f} | {' | '.join(cols)} | "
                  f"{'; '.join(agree.values())} |", flush=True)


if __name__ == "__main__":
    main()
