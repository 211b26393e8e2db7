"""Generate docs/compat_tf_jax_onnx.md: how pixelgrid reproduces TF, JAX and ONNX Resize.

Runs randomized comparisons against the installed tensorflow, jax and
onnxruntime (seeded), and writes, per library call, the core settings used by
pixelgrid.compat and the measured agreement (cases, exact matches, worst
difference relative to the data range).  Usage::

    .venv/bin/python docs/gen_compat_tf_jax_onnx.py   # about a minute
"""

from __future__ import annotations

import importlib.metadata as md
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from pixelgrid.compat import jax as pj
from pixelgrid.compat import onnx as po
from pixelgrid.compat import tensorflow as ptf

OUT = Path(__file__).with_name("compat_tf_jax_onnx.md")
SIZES = [1, 2, 3, 5, 7, 8, 13, 16]
#: Realistic axes for the float32 libraries (TF, JAX): the float32 model must not drift.
BIG = [(2000, 5000), (5000, 1900)]
Stats = dict[str, list[float]]


def _record(stats: dict[str, list[Any]], key: str, got: np.ndarray, ref: np.ndarray,
            scale: float) -> None:
    ref = np.asarray(ref)
    same = got.shape == ref.shape and got.dtype == ref.dtype
    diff = float(np.max(np.abs(got.astype(np.float64) - ref), initial=0)) / scale if same \
        else float("inf")
    stats[key].append((diff == 0, diff))


def _data(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> tuple[Any, float]:
    if dtype == "uint8":
        return rng.integers(0, 256, shape).astype(np.uint8), 255.0
    return rng.random(shape, dtype=np.float32), 1.0


def measure_tf(stats: dict[str, list[Any]]) -> None:
    """Compare tf.image.resize and the v1 ops."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    for method in ptf.METHODS:
        for aa in (False, True):
            for dtype in ("uint8", "float32"):
                for _ in range(10):
                    h, w, oh, ow = (int(v) for v in rng.choice(SIZES, 4))
                    x, s = _data(rng, (2, h, w, 3), dtype)
                    ref = tf.image.resize(x, [oh, ow], method=method, antialias=aa).numpy()
                    _record(stats, f"tf.image.resize(method={method!r}, antialias={aa})",
                            ptf.resize(x, [oh, ow], method=method, antialias=aa), ref, s)
    for op in ("bilinear", "nearest_neighbor", "bicubic", "area"):
        for ac, hp in ((False, False), (True, False), (False, True)):
            if op == "area" and hp:
                continue
            kw = {"align_corners": ac} if op == "area" else {
                "align_corners": ac, "half_pixel_centers": hp}
            for dtype in ("uint8", "float32"):
                for _ in range(10):
                    h, w, oh, ow = (int(v) for v in rng.choice(SIZES, 4))
                    x, s = _data(rng, (1, h, w, 2), dtype)
                    ref = getattr(tf.compat.v1.image, f"resize_{op}")(x, [oh, ow], **kw).numpy()
                    got = getattr(ptf.v1, f"resize_{op}")(x, [oh, ow], **kw)
                    args = ", ".join(f"{k}={v}" for k, v in kw.items())
                    _record(stats, f"tf.compat.v1.image.resize_{op}({args})", got, ref, s)
    # Realistic sizes: thin (1, 2, n, 1) float32 images, 2000 -> 5000 and 5000 -> 1900.
    for n_in, n_out in BIG:
        x = rng.random((1, 2, n_in, 1), dtype=np.float32)
        tag = f"[{n_in} -> {n_out} px]"
        for method in ptf.METHODS:
            for aa in (False, True):
                ref = tf.image.resize(x, [2, n_out], method=method, antialias=aa).numpy()
                _record(stats, f"tf.image.resize(method={method!r}, antialias={aa}) {tag}",
                        ptf.resize(x, [2, n_out], method=method, antialias=aa), ref, 1.0)
        for op in ("bilinear", "nearest_neighbor", "bicubic", "area"):
            for ac, hp in ((False, False), (True, False), (False, True)):
                if op == "area" and hp:
                    continue
                kw = {"align_corners": ac} if op == "area" else {
                    "align_corners": ac, "half_pixel_centers": hp}
                ref = getattr(tf.compat.v1.image, f"resize_{op}")(x, [2, n_out], **kw).numpy()
                got = getattr(ptf.v1, f"resize_{op}")(x, [2, n_out], **kw)
                args = ", ".join(f"{k}={v}" for k, v in kw.items())
                _record(stats, f"tf.compat.v1.image.resize_{op}({args}) {tag}", got, ref, 1.0)


def measure_jax(stats: dict[str, list[Any]]) -> None:
    """Compare jax.image.resize and scale_and_translate."""
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(1)
    for method in ("linear", "cubic", "cubic-pytorch", "lanczos3", "lanczos5", "area",
                   "nearest"):
        for aa in (False, True):
            for dtype in ("uint8", "float32"):
                for _ in range(4):
                    h, w, oh, ow = (int(v) for v in rng.choice(SIZES, 4))
                    x, s = _data(rng, (h, w, 2), dtype)
                    ref = jax.image.resize(x, (oh, ow, 2), method, antialias=aa)
                    _record(stats, f"jax.image.resize(method={method!r}, antialias={aa})",
                            pj.resize(x, (oh, ow, 2), method, antialias=aa), np.asarray(ref), s)
    st = jax.jit(jax.image.scale_and_translate, static_argnums=(1, 2, 5, 6))
    for method in ("linear", "cubic", "cubic-pytorch", "lanczos3", "lanczos5", "area"):
        for aa in (False, True):
            for _ in range(4):
                h, w, oh, ow = (int(v) for v in rng.choice(SIZES, 4))
                x = rng.random((h, w), dtype=np.float32)
                sc = [float(v) for v in rng.uniform(0.3, 3, 2)]
                tr = [float(v) for v in rng.uniform(-6, 6, 2)]
                ref = st(x, (oh, ow), (0, 1), jnp.array(sc), jnp.array(tr), method, aa)
                got = pj.scale_and_translate(x, (oh, ow), (0, 1), sc, tr, method, aa, jit=True)
                _record(stats, f"jax.image.scale_and_translate(method={method!r}, "
                        f"antialias={aa}) [jit]", got, np.asarray(ref), 1.0)
    # Realistic sizes: thin (2, n) float32 images, 2000 -> 5000 and 5000 -> 1900; for
    # scale_and_translate a scale 1.3% off the size ratio and a translation, eager and jit.
    for n_in, n_out in BIG:
        x = rng.random((2, n_in), dtype=np.float32)
        tag = f"[{n_in} -> {n_out} px]"
        for method in ("linear", "cubic", "cubic-pytorch", "lanczos3", "lanczos5", "area",
                       "nearest"):
            for aa in (False, True):
                ref = jax.image.resize(x, (2, n_out), method, antialias=aa)
                _record(stats, f"jax.image.resize(method={method!r}, antialias={aa}) {tag}",
                        pj.resize(x, (2, n_out), method, antialias=aa), np.asarray(ref), 1.0)
        sc, tr = [n_out / n_in * 1.013], [7.3]
        for method in ("linear", "cubic", "cubic-pytorch", "lanczos3", "area"):
            for aa in (False, True):
                args = ((2, n_out), (1,), jnp.array(sc), jnp.array(tr), method, aa)
                for jit, ref in ((False, jax.image.scale_and_translate(x, *args)),
                                 (True, st(x, *args))):
                    got = pj.scale_and_translate(x, (2, n_out), (1,), sc, tr, method, aa,
                                                 jit=jit)
                    _record(stats, f"jax.image.scale_and_translate(method={method!r}, "
                            f"antialias={aa}) [{'jit' if jit else 'eager'}] {tag}", got,
                            np.asarray(ref), 1.0)


def measure_onnx(stats: dict[str, list[Any]]) -> None:
    """Compare Resize-19 with onnxruntime."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
    from test_compat_onnx import _io, run_ort  # the tests' model builder

    rng = np.random.default_rng(2)
    for mode in po.MODES:
        for ctm in po.COORDINATE_TRANSFORMATION_MODES:
            for trial in range(24):
                dtype = ("uint8", "float32")[trial % 2]
                h, w = (int(v) for v in rng.integers(1, 12, 2))
                x, s = _data(rng, (1, 2, h, w), dtype)
                attrs: dict[str, Any] = {"mode": mode, "coordinate_transformation_mode": ctm,
                                         "extrapolation_value": 7.0}
                if mode == "nearest":
                    attrs["nearest_mode"] = po.NEAREST_MODES[(trial // 2) % 4]
                else:
                    attrs["antialias"] = (trial // 2) % 2
                    attrs["exclude_outside"] = int((attrs["antialias"] and trial % 3 == 0)
                                                   or (mode == "cubic" and trial % 5 == 0))
                    if mode == "cubic" and dtype == "uint8" and not attrs["antialias"]:
                        continue  # ORT has no 8-bit cubic without antialias
                io = _io(rng, ctm, trial, x)
                try:
                    ref = run_ort(x, attrs, **io)
                except Exception:  # combinations ORT refuses are skipped
                    continue
                got = po.resize(x, **io, **attrs)
                aa = f", antialias={attrs['antialias']}" if mode != "nearest" else ""
                _record(stats, f"Resize(mode={mode!r}, coordinate_transformation_mode="
                        f"{ctm!r}{aa}) [{dtype}]", got, ref, 1.0 if dtype == "uint8" else s)
    measure_onnx_nearest_indices(stats)
    measure_onnx_large(stats)


def measure_onnx_large(stats: dict[str, list[Any]]) -> None:
    """float32 at 2000 <-> 5000 px (thin 2-row arrays), every mode x transform x antialias.

    The tests' cases (``_BIG_CASES``, bit-exact asserted there); integers: int8/int32
    antialias and channels-last cubic, ORT's clamp/wrap and per-pass rounding.
    """
    from test_compat_onnx import _BIG_CASES, run_ort

    rng = np.random.default_rng(5000)
    up = rng.random((2, 2000), dtype=np.float32)
    down = rng.random((2, 5000), dtype=np.float32)
    for ctm in po.COORDINATE_TRANSFORMATION_MODES:
        for case in _BIG_CASES:
            attrs = {**case, "coordinate_transformation_mode": ctm}
            pairs = [(down, [1.0, 0.4])] + ([] if case.get("antialias") else
                                            [(up, [1.0, 2.5])])
            for x, sc in pairs:
                io: dict[str, Any] = {"scales": sc}
                if ctm == "tf_crop_and_resize":
                    io["roi"] = [0.0, -0.03, 1.0, 1.02]
                ref = run_ort(x, attrs, **io)
                got = po.resize(x, **io, **attrs)
                extra = ", ".join(f"{k}={v!r}" for k, v in case.items() if k != "mode")
                _record(stats, f"Resize(mode={case['mode']!r}, coordinate_transformation_mode="
                        f"{ctm!r}{', ' + extra if extra else ''}) [float32, "
                        f"{x.shape[1]} -> {ref.shape[1]} px]", got, ref, 1.0)
    for dtype, lo, hi in (("int8", -128, 128), ("int32", -1000, 1000)):
        for mode in ("linear", "cubic"):
            for _ in range(8):
                x = rng.integers(lo, hi, (3, 40)).astype(dtype)
                attrs = {"mode": mode, "antialias": 1}
                sc = [float(rng.choice([0.5, 0.7, 1.0])), float(rng.choice([0.3, 0.45, 0.8]))]
                _record(stats, f"Resize(mode={mode!r}, antialias=1) [{dtype}]",
                        po.resize(x, scales=sc, **attrs), run_ort(x, attrs, scales=sc), 1.0)
            if mode == "cubic":
                x4 = rng.integers(lo, hi, (1, 6, 7, 3)).astype(dtype)
                _record(stats, f"Resize(mode='cubic') [{dtype}, channels-last]",
                        po.resize(x4, scales=[1, 1.7, 2.3, 1], mode="cubic"),
                        run_ort(x4, {"mode": "cubic"}, scales=[1, 1.7, 2.3, 1]), 1.0)


def measure_onnx_nearest_indices(stats: dict[str, list[Any]]) -> None:
    """Nearest source indices on float32 ramps (output = index), ORT and onnx.reference.

    Every transform x nearest_mode, with the tests' case generator and model builder.
    """
    import onnxruntime as ort
    from onnx.reference import ReferenceEvaluator

    from test_compat_onnx import _ramp_cases, _ramp_model

    so = ort.SessionOptions()
    so.log_severity_level = 3
    for ctm in po.COORDINATE_TRANSFORMATION_MODES:
        rng = np.random.default_rng(200 + len(ctm))
        for nm in po.NEAREST_MODES:
            attrs = {"mode": "nearest", "coordinate_transformation_mode": ctm,
                     "nearest_mode": nm, "extrapolation_value": -1.0}
            cases = list(_ramp_cases(rng, ctm, 300))
            model = _ramp_model(cases, attrs)
            feeds = {f"X{k}": np.arange(n, dtype=np.float32)[None]
                     for k, (n, _) in enumerate(cases)}
            sess = ort.InferenceSession(model.SerializeToString(), so,
                                        providers=["CPUExecutionProvider"])
            runs = [("", sess.run(None, feeds), False)]
            if ctm != "tf_half_pixel_for_nn":  # the reference rejects it
                runs.append((", onnx.reference", ReferenceEvaluator(model).run(None, feeds),
                             True))
            for tag, results, ref in runs:
                key = (f"Resize(mode='nearest', coordinate_transformation_mode={ctm!r}, "
                       f"nearest_mode={nm!r}) [index ramps{tag}]")
                for (n_in, io), want in zip(cases, results, strict=True):
                    got = po.resize(np.arange(n_in, dtype=np.float32)[None], **io, **attrs,
                                    reference=ref)
                    _record(stats, key, got, want, 1.0)


SETTINGS = {
    "tf": [
        ("bilinear", "kernel linear, grid half_pixel, boundary clamp; Arithmetic(coordinates="
                     "'float32'): x = f32(f32((o + 0.5) * f32(in/out)) - 0.5)"),
        ("nearest", "nearest(floor), grid tf_half_pixel_for_nn, float32 positions"),
        ("bicubic", "cubic(-0.5, table=1024) at float32 positions, boundary renormalize; "
                    "Arithmetic('float32', 'float32', accumulate='taps', reciprocal=True): "
                    "table weights as float32, times f32(1/sum), y then x taps in float32"),
        ("area", "area; Arithmetic('float32', 'float32', normalize=False, boxes="
                 "'float32_ends'): box f32(o*s) .. f32((o+1)*s), float32 overlaps (a box "
                 "inside one pixel weighs s), times f32(1/s); s = f32(in/out)"),
        ("lanczos3/5", "lanczos_f32(n) (float32 pi, 1 below 1e-3), renormalize"),
        ("gaussian", "gaussian(sigma=0.5, radius=1.5), renormalize"),
        ("mitchellcubic", "mitchell(1/3, 1/3), renormalize"),
        ("ScaleAndTranslate", "lanczos/gaussian/mitchellcubic and antialias=True: "
                              "Arithmetic('float32_edge', 'float32', accumulate='taps', "
                              "min_total=1000*FLT_MIN): sample_f = f32(f32(o + 0.5) * "
                              "f32(1/f32(out/in))), distance f32(j + 0.5 - sample_f) * "
                              "f32(1/kernel_scale), float32 weights summed tap by tap, "
                              "float32 passes (height first), weights times f32(1/sum) "
                              "(reciprocal=True); antialiased bicubic: weights='float32_keys' "
                              "(Keys evaluated in float32 as TensorFlow writes it)"),
        ("antialias=True", "ScaleAndTranslate: kernel stretched by in/out, renormalize "
                           "(bilinear -> linear, bicubic -> exact cubic(-0.5))"),
        ("v1 legacy", "grid asymmetric (x = o * f32(in/out)); bicubic cubic(-0.75, table=1024), "
                      "clamp"),
        ("v1 align_corners", "grid align_corners; nearest rounds half up (roundf)"),
    ],
    "jax": [
        ("linear/cubic/lanczos", "kernel stretched when antialias, renormalize, zero outside "
                                 "[-0.5, in-0.5] judged at the float32 position (Affine.valid)"),
        ("resize arithmetic", "Arithmetic('float32_fma', 'float32', boxes='float32_width', "
                              "min_total=1000*eps(float32)): sample_f = f32((o + 0.5) * "
                              "f32(1/f32(out/in)) - 0.5) (XLA fuses it), float32 weights "
                              "normalised by their sum"),
        ("scale_and_translate", "eager: coordinates 'float32_translate' (every operation "
                                "rounded); jit=True: 'float32_translate_fma' (XLA's "
                                "multiply-add of (o + 0.5) * inv_scale - t * inv_scale)"),
        ("cubic-pytorch", "cubic(-0.75), plan(edge_pad=2): taps -2..in+1 read the edge "
                          "(antialias=False); cubic(-0.5) with antialias"),
        ("area", "area, boxes f32(o*inv_scale - t*inv_scale) .. f32(L + inv_scale), "
                 "antialias ignored"),
        ("nearest", "floor((o + 0.5) * f32(in * f32(1/out))) in float32 (XLA folding)"),
    ],
    "onnx": [
        ("positions", "ORT's float32 get_original_coordinate as Arithmetic coordinates rules: "
                      "float32_div (half_pixel, pytorch_half_pixel, asymmetric, "
                      "tf_half_pixel_for_nn), float32_ratio (align_corners), float32_crop "
                      "(tf_crop_and_resize), float64_div (half_pixel_symmetric); scale 1: x_out"),
        ("nearest", "round_prefer_floor/ceil: tie_tolerance=1e-6 (positions that close to a "
                    "half-integer are ties), else half away; floor/ceil exact. "
                    "reference=True: float64 positions, coefficient from x - floor(x), "
                    "2-tap window from x + 1"),
        ("linear", "weights float32_lerp (position clamped, x - i and f32(1 - (x - i))), "
                   "accumulate corner_sum: 4/8 corners summed in memory order with float32 "
                   "weight products (ORT is not separable), integers truncated; "
                   "channels-last 8-bit corner_sum_q10 (10-bit weights)"),
        ("cubic", "cubic(cubic_coeff_a) with weights float32_keys (Keys in float32 as "
                  "GetCubicCoeffs, clamped taps kept), accumulate taps (float32, width "
                  "first); exclude_outside -> renormalize by the float32 sum"),
        ("antialias", "ORT's window (support stretched by 1/scale) and float32 filter "
                      "values; float32/int32: taps in float32 (int32 rounded half away per "
                      "pass); 8-bit: 22-bit weights, each pass clamped to [0, 255] (int8 "
                      "wraps); also 4-D channels-last cubic"),
        ("unchanged axes", "copied (ORT) when no axis changes length; otherwise ORT's "
                           "antialias kernel (any antialiased resize, 4-D channels-last "
                           "cubic) copies every unchanged length, its nearest/linear/NCHW "
                           "cubic kernels only scale-1 axes"),
    ],
}


def render(stats: dict[str, list[Any]]) -> str:
    """The markdown page."""
    lines = [
        "# TensorFlow, JAX and ONNX Resize on the pixelgrid model",
        "",
        "Generated by `docs/gen_compat_tf_jax_onnx.py` (do not edit by hand).",
        f"Versions: tensorflow {md.version('tensorflow-cpu')}, jax {md.version('jax')}, "
        f"onnxruntime {md.version('onnxruntime')}, onnx {md.version('onnx')}.",
        "",
        "Worst difference is relative to the data range (uint8 data: |diff| / 255 for "
        "float outputs; for integer outputs it is in integer levels).",
        "",
    ]
    titles = {"tf": "TensorFlow (`pixelgrid.compat.tensorflow`)",
              "jax": "JAX (`pixelgrid.compat.jax`)",
              "onnx": "ONNX Resize-19 as onnxruntime runs it (`pixelgrid.compat.onnx`)"}
    prefixes = {"tf": "tf.", "jax": "jax.", "onnx": "Resize("}
    for lib, title in titles.items():
        lines += [f"## {title}", "", "| call | core settings |", "|---|---|"]
        lines += [f"| {a} | {b} |" for a, b in SETTINGS[lib]]
        lines += ["", "| call | cases | exact | worst diff |", "|---|---:|---:|---:|"]
        for key in sorted(k for k in stats if k.startswith(prefixes[lib])):
            rows = stats[key]
            worst = max(d for _, d in rows)
            lines.append(f"| `{key}` | {len(rows)} | {sum(e for e, _ in rows)} | "
                         f"{worst:.2e} |")
        lines.append("")
    lines += [
        "## Known differences",
        "",
        "* ONNX at realistic sizes (`[float32, n -> m px]` rows, random data in [0, 1)): "
        "ORT's float32 positions, weights and sums are declared as `pixelgrid.Arithmetic` "
        "records (coordinates rules, `float32_lerp`/`float32_keys` weights, the "
        "`corner_sum` and `taps` accumulations), and every mode x transform x antialias is "
        "bit-identical at 2000 <-> 5000 px (before: up to 8.2e-4 for tf_crop_and_resize "
        "cubic, 1.1e-4 for cubic half_pixel). 2-D cubic with exclude_outside=1 and both "
        "axes resized stays 1-2 float32 ulps off (1.8e-7 on 37 x 53 -> 100 x 29): ORT "
        "divides each vertical product by the coefficient sum instead of normalising the "
        "weights (`test_float32_cubic_2d`).",
        "* ONNX, onnxruntime's own bugs (reproduced): int8 antialias and 4-D channels-last "
        "cubic store each pass through ORT's uint8 clip table, so results clamp to "
        "[0, 255] and 128..255 wrap to -128..-1 (`[int8]` rows); a keep_aspect_ratio_policy "
        "other than stretch with a negative entry in `axes` returns the input unchanged; "
        "an antialias window wholly outside the input (crop box reaching far out) reads "
        "nothing and gets the extrapolation value. int32 antialias rounds half away from "
        "zero after every pass (pixelgrid truncated: up to 54 levels off before).",
        "* ONNX integers (resolved): `linear` without antialias is not separable in ORT "
        "(float32 corner products, truncated; channels-last 8-bit in 10-bit integers) and "
        "antialiased uint8 uses 22-bit weights ORT derives in float32; both reproduced bit "
        "for bit over 2-D/3-D/NCHW/NHWC/5-D (`test_integer_linear_bit_exact_every_layout`, "
        "`test_uint8_antialias_bit_exact_every_layout`), as is ORT writing a channels-last "
        "antialiased extrapolation value as if the layout were NCHW.",
        "* ONNX `nearest` (resolved): ORT divides by the float32 scale in float32 and "
        "treats positions within 1e-6 of a half-integer as ties for `round_prefer_floor` / "
        "`round_prefer_ceil`; the reference picks its 2-tap window from x + 1, which shifts "
        "it left just above an integer. Both are reproduced exactly (`[index ramps]` rows: "
        "every transform x nearest_mode).",
        "* ONNX unchanged axes (resolved): when another axis changes length, ORT's "
        "nearest, linear and NCHW cubic kernels resample an axis of unchanged length whose "
        "scale is not 1 ((3, 5), scales (1.3, 2)), while its antialias kernel (which also "
        "runs 4-D channels-last cubic, and 8-bit channels-last cubic in fixed point) copies "
        "it. Reproduced (`test_ort_unchanged_length_axis_rule`: every transform x "
        "antialias x layout).",
        "* JAX float16: JAX rounds the weights to float16; pixelgrid does not.",
        "* TensorFlow and JAX at realistic sizes (`[n -> m px]` rows, random float32 data "
        "in [0, 1)): their float32 positions and box ends are declared as "
        "`pixelgrid.Arithmetic` records, so the difference stays at float32 rounding "
        "(at most 6.6e-7 at 5000-px axes; 1.4e-4 to 3.6e-4 before). Bit for bit: nearest "
        "(TF and JAX); TF bicubic with and without antialias and antialiased bilinear "
        "(float32 weights normalised by the rounded reciprocal of their sum, taps added in "
        "float32, height first, as TensorFlow does); TF area's weights. Not bit for bit: "
        "TF evaluates its Lanczos, Gaussian and Mitchell kernels in float32 (pixelgrid in "
        "float64, then rounded), ResizeBilinear by lerp formulas and ResizeArea scales the "
        "sum once at the end; v1 legacy bicubic upsampling adds a clamped edge pixel's taps "
        "one by one (3-4 edge outputs an ulp off); XLA contracts JAX's dense weight matrix "
        "in its own order and evaluates its kernels in float32 (at 16 px, uint8 data: up to "
        "1.4e-6 of the range).",
        "* JAX `resize` positions depend on XLA:CPU's code for the program: one "
        "multiply-add on long axes, two float32 roundings on axes shorter than 96 samples "
        "(both declared; linear weights bit-exact at 33 -> 14 and 2000 -> 5000); between "
        "roughly 100 and 1000 output samples XLA mixes the two, not predicted here (a "
        "fuzz over 90-260 px measured up to 2.3e-5).",
        "* JAX `scale_and_translate` eager vs `jax.jit`: XLA fuses `(o + 0.5) * inv_scale "
        "- translation * inv_scale` into one multiply-add under jit, so the two differ by "
        "up to 1.2e-4 at 2000 px; `pixelgrid.compat.jax.scale_and_translate(..., jit=True)` "
        "reproduces the jitted call, the default the eager one. A sample whose float32 "
        "position rounds onto `in - 0.5` is kept, as in JAX.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Measure and write the page."""
    stats: dict[str, list[Any]] = defaultdict(list)
    measure_tf(stats)
    measure_jax(stats)
    measure_onnx(stats)
    OUT.write_text(render(stats))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
