"""``pixelgrid identify ORIGINAL RESIZED``: which library call made the resized file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from . import _cli_io as cio
from ._identify import LIBRARIES, identify

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``identify`` subcommand to ``sub`` (argparse subparsers)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "identify", help="say which library call resized ORIGINAL into RESIZED",
        description="Rank the library calls (torch, OpenCV, Pillow, TensorFlow, JAX, ONNX, "
                    "scikit-image, SciPy, MATLAB) whose exact emulation turns ORIGINAL into "
                    "RESIZED; when none matches, the closest pixelgrid model (kernel, "
                    "antialias, grid offset) is fitted.  Equivalent calls (identical "
                    "output) are grouped.  A crop or pad around the resize (or a resize of "
                    "a crop of ORIGINAL) is found and shown in the printed call.")
    p.add_argument("original", help="the image before the resize")
    p.add_argument("resized", help="the image after it")
    p.add_argument("--top", type=int, default=5, help="candidates to list (default 5)")
    p.add_argument("--libraries", help="comma-separated subset of: " + ",".join(LIBRARIES))
    p.add_argument("--json", action="store_true", help="print the candidates as JSON")
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``pixelgrid identify``; 0 when the best candidate is exact, else 1."""
    x = cio.read(Path(args.original)).pixels
    y = cio.read(Path(args.resized)).pixels
    libs = args.libraries.split(",") if args.libraries else None
    found = identify(x, y, libraries=libs, top=args.top)
    if args.json:
        print(json.dumps([{"library": c.library, "call": c.call, "exact": c.exact,
                           "max_diff": c.max_diff, "mean_diff": c.mean_diff,
                           "model": c.model, "equivalent": list(c.equivalent),
                           "similar": list(c.similar),
                           "crop": c.crop, "pad": c.pad, "pad_mode": c.pad_mode,
                           "input_crop": c.input_crop,
                           "note": c.note} for c in found], indent=2))
    else:
        for k, c in enumerate(found, 1):
            verdict = "exact" if c.exact else f"max |diff| {c.max_diff:.4g}, mean {c.mean_diff:.4g}"
            print(f"{k}. [{c.library}] {verdict}{'; ' + c.note if c.note else ''}")
            print(f"   {c.call}")
            for e in c.equivalent[:4]:
                print(f"   = {e}")
            if len(c.equivalent) > 4:
                print(f"   (+{len(c.equivalent) - 4} more equivalent calls)")
            if c.similar:
                print(f"   ~ {len(c.similar)} calls within rounding of it, e.g. {c.similar[0]}")
            print(f"   model: {c.model}")
    return 0 if found and found[0].exact else 1
