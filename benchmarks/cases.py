"""Benchmark cases and their deterministic inputs, shared by the scripts in ``benchmarks/``.

Everything a benchmark needs to build its inputs lives here, so the scripts run from a
plain clone.  ``CASES`` are the anchor cases of ``bench_resize.py`` (same names, shapes
and synthetic inputs as the team's peer-only harness ``shared/bench/bench_anchors.py``,
so its published peer timings and the README table stay comparable).  :func:`pattern`
and :func:`image` also make the inputs of ``bench_compat.py``.

``scale`` (every function that takes it) shrinks the spatial axes of a case, for the
``--quick`` and ``--dry`` smoke runs; ``scale=1`` is the published size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# in_shape/out_shape are the canonical (case-definition) shapes; the bytes of the memory
# bound are computed from them and the case dtype.
CASES: dict[str, dict[str, Any]] = {
    "up2_bilinear_u8": dict(
        title="1024x1024x3 uint8 HWC -> 2048x2048, bilinear, half-pixel centres",
        dtype="uint8", in_shape=(1024, 1024, 3), out_shape=(2048, 2048, 3), spatial=(0, 1)),
    "down4_aa_bicubic_u8": dict(
        title="2048x2048x3 uint8 HWC -> 512x512, antialiased bicubic (4x down)",
        dtype="uint8", in_shape=(2048, 2048, 3), out_shape=(512, 512, 3), spatial=(0, 1)),
    "down_lanczos_u8": dict(
        title="1920x1080 (W x H) x3 uint8 HWC -> 640x360, Lanczos (3x down)",
        dtype="uint8", in_shape=(1080, 1920, 3), out_shape=(360, 640, 3), spatial=(0, 1)),
    "up2_bilinear_f32_nchw_ac0": dict(
        title="float32 NCHW 8x3x512x512 -> 8x3x1024x1024, bilinear, align_corners=False",
        dtype="float32", in_shape=(8, 3, 512, 512), out_shape=(8, 3, 1024, 1024),
        spatial=(2, 3)),
    "up2_bilinear_f32_nchw_ac1": dict(
        title="float32 NCHW 8x3x512x512 -> 8x3x1024x1024, bilinear, align_corners=True",
        dtype="float32", in_shape=(8, 3, 512, 512), out_shape=(8, 3, 1024, 1024),
        spatial=(2, 3)),
    "up_bicubic_f32": dict(
        title="float32 NCHW 1x3x512x512 -> 1x3x1536x1536, bicubic (3x up)",
        dtype="float32", in_shape=(1, 3, 512, 512), out_shape=(1, 3, 1536, 1536),
        spatial=(2, 3)),
    "arbitrary_ratio_bilinear_f32": dict(
        title="float32 HWC 1000x750x3 -> 1333x999x3 (H x W), bilinear, half-pixel (ratio ~1.333)",
        dtype="float32", in_shape=(1000, 750, 3), out_shape=(1333, 999, 3), spatial=(0, 1)),
    "trilinear_f32": dict(
        title="float32 1x1x128x128x128 -> 256^3, trilinear, half-pixel",
        dtype="float32", in_shape=(1, 1, 128, 128, 128), out_shape=(1, 1, 256, 256, 256),
        spatial=(2, 3, 4)),
}
CASE_ORDER = list(CASES)


def scaled(n: int, scale: float) -> int:
    """``n`` spatial samples at ``scale`` (at least 2)."""
    return n if scale == 1 else max(2, round(n * scale))


def shapes(case: str, scale: float = 1.0) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(in_shape, out_shape)`` of an anchor case, spatial axes shrunk by ``scale``."""
    c = CASES[case]
    sp = c["spatial"]
    i = tuple(scaled(n, scale) if a in sp else n for a, n in enumerate(c["in_shape"]))
    o = tuple(scaled(n, scale) if a in sp else n for a, n in enumerate(c["out_shape"]))
    return i, o


def case_bytes(case: str, scale: float = 1.0) -> tuple[int, int]:
    """Input and output bytes of an anchor case (for the memory-traffic bound)."""
    isz = np.dtype(CASES[case]["dtype"]).itemsize
    i, o = shapes(case, scale)
    return int(np.prod(i)) * isz, int(np.prod(o)) * isz


def pattern(h: int, w: int, c: int, seed: int) -> np.ndarray:
    """float32 HWC in [0, 1]: smooth waves + chirp + hard-edged squares + gaussian noise.

    Low, mid and high frequencies and step edges, so that kernel and antialiasing
    differences show in an agreement check.
    """
    rng = np.random.default_rng(seed)
    yy = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    xx = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    out = np.empty((h, w, c), np.float32)
    sq = (((np.arange(h)[:, None] // 64) + (np.arange(w)[None, :] // 64)) % 2).astype(np.float32)
    for k in range(c):
        v = 0.5 + 0.2 * np.sin(2 * np.pi * ((3 + 2 * k) * xx + (2 + 3 * k) * yy))
        v = v + 0.1 * np.cos(2 * np.pi * (60.0 + 20 * k) * xx * xx)  # chirp along x
        v = v + 0.1 * (sq - 0.5)
        out[:, :, k] = v
    out += rng.normal(0.0, 0.03, size=out.shape).astype(np.float32)
    np.clip(out, 0.0, 1.0, out=out)
    return out


def image(h: int, w: int, c: int, dtype: str, seed: int) -> np.ndarray:
    """:func:`pattern` as ``dtype``: uint8 levels 0..255 or float32 in [0, 1]; ``c=0``: 2-D."""
    x = pattern(h, w, max(c, 1), seed)
    x = np.rint(x * 255).astype(np.uint8) if np.dtype(dtype) == np.uint8 else x.astype(dtype)
    return np.ascontiguousarray(x[:, :, 0]) if c == 0 else x


_INPUT_CACHE: dict[tuple[str, float], np.ndarray] = {}


def get_input(case: str, scale: float = 1.0) -> np.ndarray:
    """The deterministic input of an anchor case (cached)."""
    key = (case, scale)
    if key in _INPUT_CACHE:
        return _INPUT_CACHE[key]
    i, _ = shapes(case, scale)
    if case == "up2_bilinear_u8":
        x = np.rint(pattern(i[0], i[1], 3, 1) * 255).astype(np.uint8)
    elif case == "down4_aa_bicubic_u8":
        x = np.rint(pattern(i[0], i[1], 3, 2) * 255).astype(np.uint8)
    elif case == "down_lanczos_u8":
        x = np.rint(pattern(i[0], i[1], 3, 3) * 255).astype(np.uint8)
    elif case in ("up2_bilinear_f32_nchw_ac0", "up2_bilinear_f32_nchw_ac1"):
        x = np.stack([pattern(i[2], i[3], 3, 10 + k).transpose(2, 0, 1) for k in range(i[0])])
        x = np.ascontiguousarray(x)
        _INPUT_CACHE[("up2_bilinear_f32_nchw_ac0", scale)] = x
        _INPUT_CACHE[("up2_bilinear_f32_nchw_ac1", scale)] = x
    elif case == "up_bicubic_f32":
        x = np.ascontiguousarray(pattern(i[2], i[3], 3, 4).transpose(2, 0, 1)[None])
    elif case == "arbitrary_ratio_bilinear_f32":
        x = pattern(i[0], i[1], 3, 5)
    elif case == "trilinear_f32":
        rng = np.random.default_rng(6)
        n = i[2]
        z = np.linspace(0, 1, n, dtype=np.float32)
        v = (0.5 + 0.2 * np.sin(2 * np.pi * 3 * z)[:, None, None]
             * np.cos(2 * np.pi * 2 * z)[None, :, None]
             + 0.2 * np.sin(2 * np.pi * 25 * z * z)[None, None, :])
        v = v + rng.normal(0, 0.03, v.shape)
        x = np.ascontiguousarray(v.astype(np.float32)[None, None])
    else:
        raise KeyError(case)
    _INPUT_CACHE[key] = x
    return _INPUT_CACHE[key]


def rotation_grid(torch: Any, shape: list[int], degrees: float = 30.0,
                  scale: float = 0.9) -> Any:
    """``F.affine_grid`` of a rotation by ``degrees`` and a ``scale`` (and a small shift)
    for an ``(N, C, H, W)`` ``shape``, float32, ``align_corners=False``: the grid_sample
    benchmarks' points (every tap kind: inside, across the border, wholly outside)."""
    a = np.deg2rad(degrees)
    theta = torch.tensor([[[scale * np.cos(a), -scale * np.sin(a), 0.05],
                           [scale * np.sin(a), scale * np.cos(a), -0.03]]],
                         dtype=torch.float32).repeat(shape[0], 1, 1)
    return torch.nn.functional.affine_grid(theta, shape, align_corners=False)
