"""Time each ``pixelgrid.compat`` entry point (and the warps) against the call it reproduces.

One command, one run::

    python benchmarks/bench_compat.py                      # every case, 1 thread and all cores
    python benchmarks/bench_compat.py --quick              # 0.35x inputs, 3 rounds (< 1 min)
    python benchmarks/bench_compat.py --threads 1,2 --rounds 15 --cases opencv,torch
    python benchmarks/bench_compat.py --markdown           # the README table
    python benchmarks/bench_compat.py --dry --cases opencv_u8_linear  # smoke run, in-process

For each case the pixelgrid call and the library call run on the same input, each in its
library's own container (numpy array, CPU torch tensor, PIL image, ``tf.constant``, jax
array; conversions are made once, outside the timing; outputs are not converted back).

**Agreement first.**  Both are called once and compared (as float64, after converting the
outputs to numpy): ``bit-exact``, or the largest absolute difference (uint8 levels, or float
units on data in [0, 1]).  Each case documents the tolerance its compat module claims
(``tol``); a case beyond it is flagged ``!!`` in the table (the timing still runs).

**Timing.**  Median of ``--rounds`` interleaved rounds after the warm-up (the agreement
calls, plus the jit compilation for JAX): each round calls the two functions in a random
order (seeded); a call faster than 20 ms is preceded by an untimed call of the same
function, so each is timed warm with the caches as its own previous call left them.  A
case stops early after ``--budget`` seconds once 3 rounds (1 round for calls over 1 s)
are done.  ratio = pixelgrid median / library median (< 1: pixelgrid is faster).

**Threads.**  Each thread count runs in its own child process (``--child``), started with
the thread settings every library reads at start-up, and pinned with
``sched_setaffinity`` to that many cores (so that thread pools which cannot be sized
after start-up still get that many cores):

* pixelgrid: ``PIXELGRID_NUM_THREADS`` (the compat calls and the warps have no
  ``threads=`` argument; the compiled engine and the torch-tensor path read it);
* OpenCV ``cv2.setNumThreads(T)``; torch ``torch.set_num_threads(T)``;
* onnxruntime: ``SessionOptions.intra_op_num_threads = T`` (``inter_op_num_threads = 1``),
  one session per case;
* TensorFlow: intra-op threads are fixed when its runtime starts, so they are set
  (``tf.config.threading.set_intra_op_parallelism_threads(T)``, inter-op 1) before its
  first op, once per child process; this is why each thread count needs its own process;
* JAX/XLA:CPU: no runtime setting; at T=1 ``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false
  intra_op_parallelism_threads=1`` and the CPU pinning;
* Pillow, SciPy, scikit-image are single-threaded (timed in each child all the same);
* ``OMP_NUM_THREADS``/``MKL_NUM_THREADS``/``OPENBLAS_NUM_THREADS`` = T for the rest.

Cases are named ``<module>_<what>``; ``--cases`` takes names or prefixes
(``--cases opencv,pillow_rgb``).  Inputs are the deterministic synthetic images of
``benchmarks/cases.py``.  ``compat.matlab`` has no reference library: it is timed only.

**Pillow-SIMD.**  The fastest Pillow-compatible resizer replaces Pillow (same ``PIL``
package), so it is timed from a side virtual environment that sees this one's packages::

    python -m venv ../pillow-simd && CC="cc -mavx2" ../pillow-simd/bin/pip install \
        --no-binary :all: pillow-simd
    python -c "import site; print(site.getsitepackages()[0])" \
        > ../pillow-simd/lib/python3.11/site-packages/zz_main.pth
    ../pillow-simd/bin/python benchmarks/bench_compat.py --cases pillow

(with an editable pixelgrid install, also append the ``import _editable_...`` line of this
environment's editable-install ``.pth`` file to ``zz_main.pth``).  The header names
``pillow-simd`` when it is the imported ``PIL``.  Pillow-SIMD's rounding of some filters'
coefficients differs from Pillow's, so on antialiased bicubic and Lanczos its output is
up to one level off Pillow's (and so off compat.pillow's, which is bit-exact with Pillow).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # benchmarks/cases.py, also when run from another directory

import cases as C  # noqa: E402
import numpy as np  # noqa: E402

Fn = Callable[[], Any]
#: build(scale, threads) -> (pixelgrid call, library call or None)
Build = Callable[[float, int], tuple[Fn, Fn | None]]


@dataclass(frozen=True)
class Spec:
    """One benchmark case."""

    name: str
    ours: str  # the pixelgrid call
    ref: str  # the library call it reproduces ("" when there is none)
    tol: float | None  # max |diff| the compat module documents (0: bit-exact); None: no ref
    build: Build
    tol_small: float | None = None  # the tolerance on the shrunk inputs of --quick/--dry

    def tolerance(self, scale: float) -> float | None:
        """The documented tolerance at this input scale."""
        return self.tol if scale == 1 or self.tol_small is None else self.tol_small


SPECS: list[Spec] = []


def case(name: str, ours: str, ref: str, tol: float | None,
         tol_small: float | None = None) -> Callable[[Build], Build]:
    """Register a case (decorator on its builder)."""
    def deco(fn: Build) -> Build:
        SPECS.append(Spec(name, ours, ref, tol, fn, tol_small))
        return fn
    return deco


# ---------------------------------------------------------------------------------------
# Library set-up (thread counts applied once, on first use, in the child process)
# ---------------------------------------------------------------------------------------
_THREADS = 1


def _cv2() -> Any:
    import cv2
    cv2.setNumThreads(_THREADS)
    return cv2


def _torch() -> Any:
    import torch
    if torch.get_num_threads() != _THREADS:
        torch.set_num_threads(_THREADS)
    return torch


_tf_ready = False


def _tf() -> Any:
    global _tf_ready
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    if not _tf_ready:
        # only possible before TensorFlow's runtime has started (its first op)
        tf.config.threading.set_intra_op_parallelism_threads(_THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        _tf_ready = True
    return tf


def _ort_session(model: Any) -> Any:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = _THREADS
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])


def _onnx_resize_model(x: np.ndarray, sizes: list[int], attrs: dict[str, Any]) -> Any:
    """A one-node ONNX Resize (opset 19) model with ``sizes`` as an initializer."""
    from onnx import TensorProto, helper, numpy_helper
    dt = {np.dtype(np.uint8): TensorProto.UINT8, np.dtype(np.float32): TensorProto.FLOAT}
    node = helper.make_node("Resize", ["X", "", "", "sizes"], ["Y"], **attrs)
    graph = helper.make_graph(
        [node], "resize", [helper.make_tensor_value_info("X", dt[x.dtype], list(x.shape))],
        [helper.make_tensor_value_info("Y", dt[x.dtype], None)],
        initializer=[numpy_helper.from_array(np.asarray(sizes, np.int64), "sizes")])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    m.ir_version = 9  # the newest IR this onnxruntime reads
    return m


S = C.scaled


# ---------------------------------------------------------------------------------------
# compat.opencv and the warps (vs cv2)
# ---------------------------------------------------------------------------------------
def _opencv(name: str, dtype: str, interp: str, out: int | None, fx: float | None,
            tol: float) -> None:
    what = f"{dtype} 1024^2x3 -> " + (f"{out}^2" if out else f"fx=fy={fx:.3g}") + f" {interp}"

    @case(name, f"compat.opencv.resize {what}", f"cv2.resize {interp}", tol)
    def build(scale: float, T: int) -> tuple[Fn, Fn | None]:
        cv2 = _cv2()
        from pixelgrid.compat import opencv as pco
        n = S(1024, scale)
        x = C.image(n, n, 3, dtype, seed=21)
        dsize = (S(out, scale),) * 2 if out else (0, 0)
        f = fx or 0.0
        ours_flag, flag = getattr(pco, interp), getattr(cv2, interp)
        return (lambda: pco.resize(x, dsize, fx=f, fy=f, interpolation=ours_flag),
                lambda: cv2.resize(x, dsize, fx=f, fy=f, interpolation=flag))


# compat/opencv.py: bit-exact with OpenCV's own code; the pip wheel hands uint8 INTER_CUBIC
# and float INTER_LINEAR/INTER_CUBIC to Intel IPP (its default, timed here), whose models
# compat.opencv declares (ipp=True): uint8 CUBIC and float32 LINEAR bit-exact on these
# sizes (1 level / 1 ulp documented on rare edge cases), float32 CUBIC within 4.8e-7
_opencv("opencv_u8_linear", "uint8", "INTER_LINEAR", 1536, None, 0)
_opencv("opencv_u8_cubic", "uint8", "INTER_CUBIC", 1536, None, 1)
_opencv("opencv_u8_lanczos4", "uint8", "INTER_LANCZOS4", 1536, None, 0)
_opencv("opencv_u8_nearest", "uint8", "INTER_NEAREST", 1536, None, 0)
_opencv("opencv_u8_area3", "uint8", "INTER_AREA", None, 1 / 3, 0)
_opencv("opencv_u8_area2", "uint8", "INTER_AREA", None, 1 / 2, 0)
_opencv("opencv_u8_area_general", "uint8", "INTER_AREA", 400, None, 0)
_opencv("opencv_f32_linear", "float32", "INTER_LINEAR", 1536, None, 1.2e-7)
_opencv("opencv_f32_cubic", "float32", "INTER_CUBIC", 1536, None, 4.8e-7)
_opencv("opencv_f32_area3", "float32", "INTER_AREA", None, 1 / 3, 0)
# downscales without antialiasing (thumbnails): cv2 reads only the rows its outputs need;
# an exact half of float32 is IPP's 2 x 2 block mean
_opencv("opencv_u8_linear_down", "uint8", "INTER_LINEAR", 300, None, 0)
_opencv("opencv_f32_linear_down", "float32", "INTER_LINEAR", 300, None, 0)
_opencv("opencv_f32_linear_half", "float32", "INTER_LINEAR", None, 1 / 2, 0)


def _warp(name: str, dtype: str, tol: float) -> None:
    @case(name, f"warp_affine {dtype} 1024^2x3, rotate 30 deg + scale 1.1, bilinear",
          "cv2.warpAffine INTER_LINEAR, BORDER_CONSTANT", tol)
    def build(scale: float, T: int) -> tuple[Fn, Fn | None]:
        cv2 = _cv2()
        import pixelgrid
        n = S(1024, scale)
        x = C.image(n, n, 3, dtype, seed=22)
        m = pixelgrid.rotation(30, pixelgrid.image_center((n, n)), scale=1.1)
        mcv = pixelgrid.affine_to_cv2(m)
        return (lambda: pixelgrid.warp_affine(x, m),
                lambda: cv2.warpAffine(x, mcv, (n, n), flags=cv2.INTER_LINEAR))


# tests/test_warp.py: float32 within 1e-5 (OpenCV 5 computes positions and lerp in float32);
# uint8: OpenCV rounds source positions to 1/32 pixel and uses 15-bit weights
_warp("warp_affine_u8", "uint8", 2)
_warp("warp_affine_f32", "float32", 1e-5)


def _cv_warp(name: str, dtype: str, ipp: bool, tol: float) -> None:
    # compat.opencv.warpAffine(ipp=False) reproduces OpenCV's own kernels (cv2 with IPP off);
    # ipp=True approximates IPP's, which cv2 runs with IPP on (the wheel's default)
    @case(name, f"compat.opencv.warpAffine(ipp={ipp}) {dtype} 1024^2x3, rotate 30 deg + "
          "scale 1.1",
          f"cv2.warpAffine INTER_LINEAR, BORDER_CONSTANT, IPP {'on' if ipp else 'off'}", tol)
    def build(scale: float, T: int) -> tuple[Fn, Fn | None]:
        cv2 = _cv2()
        import pixelgrid
        from pixelgrid.compat import opencv as pgo
        n = S(1024, scale)
        x = C.image(n, n, 3, dtype, seed=22)
        m = pixelgrid.rotation(30, pixelgrid.image_center((n, n)), scale=1.1)
        mcv = pixelgrid.affine_to_cv2(m)

        def lib() -> Any:
            old = cv2.ipp.useIPP()
            cv2.ipp.setUseIPP(ipp)
            try:
                return cv2.warpAffine(x, mcv, (n, n), flags=cv2.INTER_LINEAR)
            finally:
                cv2.ipp.setUseIPP(old)

        return (lambda: pgo.warpAffine(x, mcv, (n, n), flags=pgo.INTER_LINEAR, ipp=ipp), lib)


# ipp=False: OpenCV's own kernels, bit-exact with cv2 after cv2.ipp.setUseIPP(False)
_cv_warp("opencv_warp_affine_u8", "uint8", False, 0)
_cv_warp("opencv_warp_affine_f32", "float32", False, 0)
# ipp=True (the default): the approximate IPP model against the wheel's default (IPP on):
# 1 level on 2 of 3.1M uint8 values, float32 within 6e-8 on ~2e-5 of the values
_cv_warp("opencv_warp_affine_ipp_u8", "uint8", True, 1)
_cv_warp("opencv_warp_affine_ipp_f32", "float32", True, 1.2e-7)


# ---------------------------------------------------------------------------------------
# compat.torch (CPU tensors in, tensors out)
# ---------------------------------------------------------------------------------------
def _torch_interp(name: str, what: str, dtype: str, shape: tuple[int, int, int, int],
                  out: int, mode: str, aa: bool, channels_last: bool, tol: float) -> None:
    @case(name, f"compat.torch.interpolate {what}",
          f"F.interpolate {mode}{' antialias' if aa else ''}", tol)
    def build(scale: float, T: int) -> tuple[Fn, Fn | None]:
        torch = _torch()
        import torch.nn.functional as F

        from pixelgrid.compat import torch as pgt
        nb, nc, h, w = shape
        h, w, o = S(h, scale), S(w, scale), S(out, scale)
        x = np.stack([C.image(h, w, nc, dtype, seed=30 + i).transpose(2, 0, 1)
                      for i in range(nb)])
        t = torch.from_numpy(np.ascontiguousarray(x))
        if channels_last:
            t = t.contiguous(memory_format=torch.channels_last)
        kw: dict[str, Any] = dict(size=(o, o), mode=mode)
        if mode != "nearest":
            kw.update(align_corners=False, antialias=aa)
        return (lambda: pgt.interpolate(t, **kw), lambda: F.interpolate(t, **kw))


# compat/torch.py: float32 linear modes within 1.2e-7; nearest and uint8 bit-exact
_torch_interp("torch_f32_bilinear", "f32 8x3x256^2 -> 512^2 bilinear", "float32",
              (8, 3, 256, 256), 512, "bilinear", False, False, 1.2e-7)
_torch_interp("torch_f32_nearest", "f32 8x3x256^2 -> 512^2 nearest", "float32",
              (8, 3, 256, 256), 512, "nearest", False, False, 0)
_torch_interp("torch_f32_bicubic", "f32 1x3x512^2 -> 1536^2 bicubic", "float32",
              (1, 3, 512, 512), 1536, "bicubic", False, False, 1.2e-7)
_torch_interp("torch_u8_cl_bilinear", "u8 channels_last 1x3x1024^2 -> 2048^2 bilinear",
              "uint8", (1, 3, 1024, 1024), 2048, "bilinear", False, True, 0)
_torch_interp("torch_u8_cl_aa", "u8 channels_last 1x3x1024^2 -> 300^2 bilinear antialias",
              "uint8", (1, 3, 1024, 1024), 300, "bilinear", True, True, 0)


def _grid_sample(name: str, mode: str, tol: float) -> None:
    @case(name, f"compat.torch.grid_sample f32 1x3x512^2, rotate 30 deg + scale 0.9, {mode}",
          f"F.grid_sample {mode}, zeros", tol)
    def build(scale: float, T: int) -> tuple[Fn, Fn | None]:
        torch = _torch()
        import torch.nn.functional as F

        from pixelgrid.compat import torch as pgt
        n = S(512, scale)
        t = torch.from_numpy(np.ascontiguousarray(C.image(n, n, 3, "float32", 40)
                                                  .transpose(2, 0, 1)[None]))
        g = C.rotation_grid(torch, list(t.shape))
        return (lambda: pgt.grid_sample(t, g, mode=mode, align_corners=False),
                lambda: F.grid_sample(t, g, mode=mode, align_corners=False))


# compat/_torch_warp.py: bilinear, nearest and bicubic bit-exact
_grid_sample("torch_grid_sample_bilinear", "bilinear", 0)
_grid_sample("torch_grid_sample_nearest", "nearest", 0)  # bit-exact
_grid_sample("torch_grid_sample_bicubic", "bicubic", 0)  # bit-exact


# ---------------------------------------------------------------------------------------
# compat.pillow (numpy in/out vs PIL Image -> Image)
# ---------------------------------------------------------------------------------------
def _pillow(name: str, what: str, filt: str, make: Callable[[float], np.ndarray],
            out: tuple[int, int]) -> None:
    @case(name, f"compat.pillow.resize {what}", f"Image.resize {filt}", 0)
    def build(scale: float, T: int) -> tuple[Fn, Fn | None]:
        from PIL import Image

        from pixelgrid.compat import pillow as ppil
        x = make(scale)
        img = Image.fromarray(x)
        size = (S(out[0], scale), S(out[1], scale))  # (width, height)
        f = getattr(Image.Resampling, filt)
        return (lambda: ppil.resize(x, size, f), lambda: img.resize(size, f))


# compat/pillow.py: bit-exact with Pillow (I/F modes and 8-bit)
_pillow("pillow_f_bicubic_up", "F 1024^2 -> 1536^2 BICUBIC", "BICUBIC",
        lambda s: C.image(S(1024, s), S(1024, s), 0, "float32", 50), (1536, 1536))
_pillow("pillow_rgb_nearest_down", "RGB 2048^2 -> 512^2 NEAREST", "NEAREST",
        lambda s: C.image(S(2048, s), S(2048, s), 3, "uint8", 51), (512, 512))
_pillow("pillow_rgb_bilinear_up", "RGB 1024^2 -> 2048^2 BILINEAR", "BILINEAR",
        lambda s: C.get_input("up2_bilinear_u8", s), (2048, 2048))
_pillow("pillow_rgb_bicubic_aa_down", "RGB 2048^2 -> 512^2 BICUBIC (antialiased)", "BICUBIC",
        lambda s: C.get_input("down4_aa_bicubic_u8", s), (512, 512))
_pillow("pillow_rgb_lanczos_1080p", "RGB 1920x1080 -> 640x360 LANCZOS", "LANCZOS",
        lambda s: C.get_input("down_lanczos_u8", s), (640, 360))
# RGBA / LA: Pillow resamples premultiplied colour (RGBA -> RGBa -> resize -> RGBA)
_pillow("pillow_rgba_bicubic_down", "RGBA 2048^2 -> 512^2 BICUBIC (antialiased)", "BICUBIC",
        lambda s: C.image(S(2048, s), S(2048, s), 4, "uint8", 52), (512, 512))
_pillow("pillow_rgba_bilinear_up", "RGBA 1024^2 -> 2048^2 BILINEAR", "BILINEAR",
        lambda s: C.image(S(1024, s), S(1024, s), 4, "uint8", 53), (2048, 2048))
_pillow("pillow_la_lanczos_down", "LA 2048^2 -> 683^2 LANCZOS", "LANCZOS",
        lambda s: C.image(S(2048, s), S(2048, s), 2, "uint8", 54), (683, 683))


def _pillow_reduce(name: str, what: str, channels: int, factor: Any, seed: int) -> None:
    @case(name, f"compat.pillow.reduce {what}", f"Image.reduce({factor})", 0)
    def build(scale: float, T: int) -> tuple[Fn, Fn | None]:
        from PIL import Image

        from pixelgrid.compat import pillow as ppil
        x = C.image(S(2048, scale), S(2048, scale), channels, "uint8", seed)
        img = Image.fromarray(x)
        return (lambda: ppil.reduce(x, factor), lambda: img.reduce(factor))


# Image.reduce: block means (8-bit: the 24-bit reciprocal)
_pillow_reduce("pillow_rgb_reduce2", "RGB 2048^2 by 2", 3, 2, 55)
_pillow_reduce("pillow_rgb_reduce2x1", "RGB 2048^2 by (2, 1)", 3, (2, 1), 56)
_pillow_reduce("pillow_rgba_reduce4", "RGBA 2048^2 by 4", 4, 4, 57)


# ---------------------------------------------------------------------------------------
# compat.onnx (vs onnxruntime, CPU execution provider)
# ---------------------------------------------------------------------------------------
def _onnx(name: str, what: str, x_shape: tuple[int, ...], out_shape: tuple[int, ...],
          dtype: str, attrs: dict[str, Any], tol: float, channels_last: bool) -> None:
    @case(name, f"compat.onnx.resize {what}", f"onnxruntime Resize {attrs['mode']}", tol)
    def build(scale: float, T: int) -> tuple[Fn, Fn | None]:
        from pixelgrid.compat import onnx as po
        sp = (1, 2) if channels_last else (2, 3)
        xs = [S(n, scale) if a in sp else n for a, n in enumerate(x_shape)]
        os_ = [S(n, scale) if a in sp else n for a, n in enumerate(out_shape)]
        if channels_last:
            x = C.image(xs[1], xs[2], xs[3], dtype, 60)[None]
        else:
            x = np.ascontiguousarray(C.image(xs[2], xs[3], xs[1], dtype, 61)
                                     .transpose(2, 0, 1)[None])
        sess = _ort_session(_onnx_resize_model(x, os_, attrs))
        return (lambda: po.resize(x, sizes=os_, **attrs),
                lambda: sess.run(None, {"X": x})[0])


# compat/onnx.py: integer linear bit-exact, float32 nearest bit-exact; float32 cubic with
# both axes resized: 1-2 ulps (measured 1.8e-7 here, with exclude_outside=0 too)
_onnx("onnx_u8_linear", "u8 NHWC 1x1024^2x3 -> 1536^2 linear", (1, 1024, 1024, 3),
      (1, 1536, 1536, 3), "uint8", dict(mode="linear"), 0, True)
_onnx("onnx_f32_nearest", "f32 NCHW 1x3x1024^2 -> 1536^2 nearest", (1, 3, 1024, 1024),
      (1, 3, 1536, 1536), "float32", dict(mode="nearest"), 0, False)
_onnx("onnx_f32_cubic", "f32 NCHW 1x3x512^2 -> 768^2 cubic", (1, 3, 512, 512),
      (1, 3, 768, 768), "float32", dict(mode="cubic"), 2.4e-7, False)


# ---------------------------------------------------------------------------------------
# compat.tensorflow, compat.jax, compat.skimage, compat.scipy, compat.matlab
# ---------------------------------------------------------------------------------------
def _tensorflow(name: str, method: str, n: int, out: int, tol: float) -> None:
    @case(name, f"compat.tensorflow.resize f32 1x{n}^2x3 -> {out}^2 {method}",
          f"tf.image.resize {method}", tol)
    def build(scale: float, T: int) -> tuple[Fn, Fn | None]:
        tf = _tf()
        from pixelgrid.compat import tensorflow as ptf
        m, o = S(n, scale), S(out, scale)
        x = C.image(m, m, 3, "float32", 70)[None]
        xt = tf.constant(x)
        return (lambda: ptf.resize(x, (o, o), method=method),
                lambda: tf.image.resize(xt, (o, o), method=method))


# compat/tensorflow.py: lanczos3 and bilinear within 6.6e-7 (float32 kernel / lerp rounding)
_tensorflow("tensorflow_lanczos3", "lanczos3", 512, 768, 6.6e-7)
_tensorflow("tensorflow_bilinear", "bilinear", 1024, 1536, 6.6e-7)


# compat/jax.py: within 6.6e-7, except axes of ~100-1000 samples, where XLA:CPU mixes two
# position rules per program (up to 2.3e-5 measured): the shrunk inputs of --quick/--dry
@case("jax_linear", "compat.jax.resize f32 1024^2x3 -> 1536^2x3 linear",
      "jax.image.resize linear (jit, block_until_ready)", 6.6e-7, tol_small=2.3e-5)
def _jax_linear(scale: float, T: int) -> tuple[Fn, Fn | None]:
    import jax
    import jax.numpy as jnp

    from pixelgrid.compat import jax as pj
    n, o = S(1024, scale), S(1536, scale)
    x = C.image(n, n, 3, "float32", 80)
    xj = jnp.asarray(x)
    f = jax.jit(lambda a: jax.image.resize(a, (o, o, 3), "linear"))
    return (lambda: pj.resize(x, (o, o, 3), "linear"),
            lambda: f(xj).block_until_ready())


@case("skimage_order1_aa", "compat.skimage.resize f32 1024^2x3 -> 384^2 order=1 anti_aliasing",
      "skimage.transform.resize order=1 anti_aliasing", 6e-8)  # 1 float32 ulp (measured)
def _skimage(scale: float, T: int) -> tuple[Fn, Fn | None]:
    from skimage import transform

    from pixelgrid.compat import skimage as psk
    n, o = S(1024, scale), S(384, scale)
    x = C.image(n, n, 3, "float32", 90)
    return (lambda: psk.resize(x, (o, o), order=1, anti_aliasing=True),
            lambda: transform.resize(  # type: ignore[no-untyped-call]
                x, (o, o), order=1, anti_aliasing=True))


@case("scipy_zoom_order3", "compat.scipy.zoom f32 1024^2 x1.5 order=3",
      "scipy.ndimage.zoom order=3", 0)  # compat/scipy.py: float32 bit-identical
def _scipy(scale: float, T: int) -> tuple[Fn, Fn | None]:
    from scipy import ndimage

    from pixelgrid.compat import scipy as psc
    n = S(1024, scale)
    x = C.image(n, n, 0, "float32", 100)
    return (lambda: psc.zoom(x, 1.5, order=3), lambda: ndimage.zoom(x, 1.5, order=3))


@case("matlab_bicubic_down", "compat.matlab.imresize u8 1024^2x3 x0.5 bicubic (antialiased)",
      "", None)
def _matlab(scale: float, T: int) -> tuple[Fn, Fn | None]:
    from pixelgrid.compat import matlab as pm
    n = S(1024, scale)
    x = C.image(n, n, 3, "uint8", 110)
    return (lambda: pm.imresize(x, 0.5, "bicubic"), None)


# ---------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------
def to_numpy(o: Any) -> np.ndarray:
    """A result as a numpy array (torch tensor, PIL image, TF/JAX array, numpy)."""
    if hasattr(o, "detach"):
        return np.asarray(o.detach().cpu().numpy())
    if hasattr(o, "numpy") and not isinstance(o, np.ndarray):
        return np.asarray(o.numpy())
    return np.asarray(o)


def agreement(a: Any, b: Any) -> dict[str, Any]:
    """max |a - b| (as float64), or why it cannot be computed."""
    x, y = to_numpy(a), to_numpy(b)
    if x.shape != y.shape:
        return dict(error=f"shapes differ: pixelgrid {x.shape}, library {y.shape}")
    info: dict[str, Any] = dict(exact=bool(np.array_equal(x, y)),
                                dtypes=f"{x.dtype}/{y.dtype}")
    info["max_diff"] = 0.0 if info["exact"] else float(
        np.max(np.abs(x.astype(np.float64) - y.astype(np.float64))))
    return info


def time_pair(fns: dict[str, Fn], last: dict[str, float], rounds: int, budget: float,
              seed: int) -> dict[str, list[float]]:
    """Interleaved timing (see the module docstring); ``last``: a warm call's seconds."""
    names = list(fns)
    times: dict[str, list[float]] = {k: [] for k in names}
    rng = random.Random(seed)
    slow = max(last.values()) > 1.0
    min_rounds = min(rounds, 1 if slow else 3)
    t0 = time.perf_counter()
    for r in range(rounds):
        order = names[:]
        rng.shuffle(order)
        for k in order:
            if last[k] < 0.02:
                fns[k]()  # untimed: the timed call finds the caches as this fn leaves them
            t = time.perf_counter()
            fns[k]()
            last[k] = time.perf_counter() - t
            times[k].append(last[k])
        if r + 1 >= min_rounds and time.perf_counter() - t0 > budget:
            break
    return times


def run_case(spec: Spec, scale: float, T: int, rounds: int, budget: float,
             seed: int) -> dict[str, Any]:
    """Build, check agreement, time; a dict for the report."""
    res: dict[str, Any] = dict(name=spec.name, T=T)
    try:
        ours, lib = spec.build(scale, T)
    except ImportError as e:
        res["skip"] = f"not installed: {e.name or e}"
        return res
    fns: dict[str, Fn] = {"pixelgrid": ours}
    if lib is not None:
        fns["library"] = lib
    last: dict[str, float] = {}
    outs: dict[str, Any] = {}
    try:
        for k, fn in fns.items():  # the agreement calls are the first warm-up
            outs[k] = fn()
            t = time.perf_counter()
            fn()
            last[k] = time.perf_counter() - t
    except Exception as e:  # report it and go on with the other cases
        res["error"] = f"{type(e).__name__}: {e}"[:300]
        return res
    if lib is not None:
        res["agreement"] = agreement(outs["pixelgrid"], outs["library"])
    del outs
    times = time_pair(fns, last, rounds, budget, seed)
    res["rounds"] = len(times["pixelgrid"])
    res["ms"] = {k: median(v) * 1e3 for k, v in times.items()}
    return res


def child_main(args: argparse.Namespace, specs: list[Spec], scale: float) -> list[dict[str, Any]]:
    """Run the cases at one thread count in this process."""
    global _THREADS
    _THREADS = T = int(args.child)
    os.environ["PIXELGRID_NUM_THREADS"] = str(T)
    results = []
    for i, spec in enumerate(specs):
        t = time.perf_counter()
        r = run_case(spec, scale, T, args.rounds, args.budget, seed=i)
        r["wall_s"] = time.perf_counter() - t
        print(f"#   T={T} {spec.name}: {_status(r)} ({r['wall_s']:.1f} s)", file=sys.stderr,
              flush=True)
        results.append(r)
    return results


def _status(r: dict[str, Any]) -> str:
    if "skip" in r or "error" in r:
        return str(r.get("skip") or "ERROR " + r["error"])
    ms = r["ms"]
    if "library" in ms:
        return f"{ms['pixelgrid']:.2f} / {ms['library']:.2f} ms"
    return f"{ms['pixelgrid']:.2f} ms"


def child_env(T: int) -> dict[str, str]:
    """The environment of the child for ``T`` threads (read by libraries at start-up)."""
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
              "TF_NUM_INTRAOP_THREADS", "PIXELGRID_NUM_THREADS"):
        env[k] = str(T)
    env["TF_NUM_INTEROP_THREADS"] = "1"
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if T == 1:
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"
                            " intra_op_parallelism_threads=1").strip()
    return env


def pin(T: int) -> str:
    """Pin this process (and the threads it will start) to ``T`` of its cores."""
    try:
        cores = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return "not pinned (no sched_setaffinity)"
    if len(cores) > T:
        os.sched_setaffinity(0, cores[:T])
        return f"pinned to cores {cores[:T]}"
    return f"cores {cores}"


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------
def _agree_text(spec: Spec, r: dict[str, Any] | None, scale: float) -> tuple[str, bool]:
    """(text, flagged) for a case's agreement."""
    tol_ = spec.tolerance(scale)
    if tol_ is None:
        return "no reference (time only)", False
    if r is None or "agreement" not in r:
        return "—", False
    a = r["agreement"]
    if "error" in a:
        return "!! " + a["error"], True
    if a["exact"]:
        return "bit-exact", False
    d = a["max_diff"]
    txt = f"max|Δ| {d:.3g}" if d < 1 or d != int(d) else f"max|Δ| {int(d)}"
    bad = d > tol_
    tol = "bit-exact" if tol_ == 0 else f"{tol_:g}"
    return (f"!! {txt} > tol {tol}" if bad else f"{txt} (tol {tol})"), bad


def report(specs: list[Spec], results: dict[int, dict[str, dict[str, Any]]],
           threads: list[int], markdown: bool, header: list[str], scale: float = 1.0) -> int:
    """Print the table; the number of flagged cases."""
    cols = ["case", "pixelgrid call", "reproduces", "agreement"]
    for T in threads:
        cols += [f"{T}T pixelgrid ms", f"{T}T library ms", f"{T}T ratio"]
    rows = []
    flagged = 0
    for spec in specs:
        first = results[threads[0]].get(spec.name)
        agree, bad = _agree_text(spec, first, scale)
        # a disagreement at another thread count is flagged as well
        for T in threads[1:]:
            r = results[T].get(spec.name)
            if r and "agreement" in r and first and "agreement" in first \
                    and r["agreement"] != first["agreement"]:
                agree += f" ({T}T: {_agree_text(spec, r, scale)[0]})"
                bad = bad or _agree_text(spec, r, scale)[1]
        flagged += bad
        row = [spec.name, spec.ours, spec.ref or "—", agree]
        for T in threads:
            r = results[T].get(spec.name, {})
            if "ms" not in r:
                msg = r.get("skip") or ("ERROR " + r["error"][:60] if "error" in r else "—")
                row += [msg, "", ""]
                continue
            ms = r["ms"]
            lib = ms.get("library")
            row += [f"{ms['pixelgrid']:.2f}", "—" if lib is None else f"{lib:.2f}",
                    "—" if lib is None else f"{ms['pixelgrid'] / lib:.2f}"]
        rows.append(row)
    for line in header:
        print(line)
    if markdown:
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
        for row in rows:
            print("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    else:
        keep = [0, 3, *range(4, len(cols))]  # the calls are long: listed below
        w = [max(len(cols[i]), *(len(r[i]) for r in rows)) for i in keep]
        print("  ".join(cols[i].ljust(w[j]) for j, i in enumerate(keep)))
        for row in rows:
            print("  ".join(row[i].ljust(w[j]) if j < 2 else row[i].rjust(w[j])
                            for j, i in enumerate(keep)))
        print("\ncases:")
        for row in rows:
            print(f"  {row[0]}: {row[1]}  vs  {row[2]}")
    if flagged:
        print(f"\n!! {flagged} case(s) disagree with the library beyond their documented "
              "tolerance")
    return flagged


def select(want: str) -> list[Spec]:
    """The cases named (or prefixed) in ``want`` (comma list; "all")."""
    if want == "all":
        return list(SPECS)
    keys = [k.strip() for k in want.split(",") if k.strip()]
    chosen = [s for s in SPECS if any(s.name == k or s.name.startswith(k) for k in keys)]
    if not chosen:
        raise SystemExit(f"no case matches {want!r}; cases: {', '.join(s.name for s in SPECS)}")
    return chosen


def versions() -> str:
    """Installed versions of pixelgrid and the reference libraries (without importing TF)."""
    from importlib import metadata
    out = []
    for dist in ("pixelgrid", "numpy", "opencv-python-headless", "opencv-python", "torch",
                 "pillow", "onnxruntime", "tensorflow-cpu", "tensorflow", "jax", "scikit-image",
                 "scipy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out.append(f"{dist} {metadata.version(dist)}")
    # Pillow-SIMD installs the same ``PIL`` package: name the one that imports (a side
    # venv with Pillow-SIMD may also see Pillow's metadata through a .pth path).
    with contextlib.suppress(metadata.PackageNotFoundError, ImportError):
        import PIL
        simd = metadata.distribution("pillow-simd")
        if os.path.samefile(str(simd.locate_file("PIL/__init__.py")), str(PIL.__file__)):
            out = [v for v in out if not v.startswith("pillow ")]
            out.append(f"pillow-simd {simd.version} (imported as PIL)")
    return ", ".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default="all",
                    help="comma list of case names or prefixes: "
                    + ", ".join(s.name for s in SPECS))
    ap.add_argument("--threads", default=f"1,{len(os.sched_getaffinity(0))}"
                    if hasattr(os, "sched_getaffinity") else f"1,{os.cpu_count() or 1}",
                    help="comma list of thread counts (default: 1 and all cores)")
    ap.add_argument("--rounds", type=int, default=9, help="timed rounds per case (median)")
    ap.add_argument("--budget", type=float, default=1.5,
                    help="seconds after which a case stops once 3 rounds are done")
    ap.add_argument("--quick", action="store_true",
                    help="inputs shrunk to 0.35x, 3 rounds, 0.2 s budget (not for publishing)")
    ap.add_argument("--dry", action="store_true",
                    help="smoke run: tiny inputs, 1 round, 1 thread, in this process")
    ap.add_argument("--markdown", action="store_true", help="print the README table")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--scale", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    scale = 1.0
    if args.quick:
        scale, args.rounds, args.budget = 0.35, 3, 0.2
    if args.dry:
        scale, args.rounds, args.budget, args.threads = 1 / 16, 1, 0.0, "1"
        if args.cases == "all":
            args.cases = SPECS[0].name
    if args.scale is not None:
        scale = args.scale
    specs = select(args.cases)

    if args.child is not None:  # one thread count, in this (child) process
        where = pin(int(args.child))
        print(f"# child T={args.child}: {where}", file=sys.stderr, flush=True)
        res = child_main(args, specs, scale)
        with open(args.out, "w") as fh:
            json.dump(res, fh)
        return 0

    threads = sorted({int(t) for t in args.threads.split(",")})
    t_start = time.perf_counter()
    results: dict[int, dict[str, dict[str, Any]]] = {}
    if args.dry:
        args.child = "1"
        results[1] = {r["name"]: r for r in child_main(args, specs, scale)}
    else:
        with tempfile.TemporaryDirectory(prefix="bench_compat_") as tmp:
            for T in threads:
                out = os.path.join(tmp, f"T{T}.json")
                cmd = [sys.executable, os.path.abspath(__file__), "--child", str(T),
                       "--out", out, "--cases", ",".join(s.name for s in specs),
                       "--rounds", str(args.rounds), "--budget", str(args.budget),
                       "--scale", repr(scale)]
                print(f"# running T={T} ...", file=sys.stderr, flush=True)
                rc = subprocess.call(cmd, env=child_env(T))
                if rc != 0 or not os.path.exists(out):
                    print(f"# T={T}: child failed (exit {rc})", file=sys.stderr)
                    results[T] = {}
                    continue
                with open(out) as fh:
                    results[T] = {r["name"]: r for r in json.load(fh)}
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh
                        if ln.startswith("model name")), platform.processor())
    except OSError:
        cpu = platform.processor()
    header = [
        f"# {cpu}, {os.cpu_count()} cores; {versions()}",
        f"# median ms of up to {args.rounds} interleaved rounds; ratio = pixelgrid / library"
        f" (< 1: pixelgrid faster); threads {', '.join(map(str, threads))}; "
        f"wall {time.perf_counter() - t_start:.0f} s"
        + ("" if scale == 1 else f"; inputs scaled by {scale:g} (smoke run, not for publishing)"),
    ]
    flagged = report(specs, results, threads, args.markdown, header, scale)
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
