"""The arithmetic model: how a library computes, declared as data beside the plans.

Two libraries with the same grid, kernel, antialias and boundary still disagree
because of arithmetic: the precision of the sample positions and weights, what
is kept between two passes, how sums are formed and how results are stored.
:class:`Arithmetic` names those choices; each compat module *declares* its
library's record, the plan builder (:func:`pixelgrid.plan`) honours the
position and weight fields, and the engines honour the rest.  Every rule is
implemented once: positions in :func:`sample_positions`, weight rounding in
:func:`round_weights`, stores in :func:`store`.

Fields
------
coordinates
    ``"exact"``: positions are exact rationals (pixelgrid's default).
    ``"float32"``: ``x = f32(f32(s * f32(o + c)) + d)``, two roundings, as
    PyTorch's ``area_pixel_compute_source_index`` and TensorFlow's scalers do
    with ``s = f32(step)``.  ``"float32_fma"``: the same with one rounding
    (``f32(s * (o + c) + d)``, a fused multiply-add).  ``"float32_div"``:
    ``x = f32(f32(f32(o + c) / s) + d)`` with ``s = f32(1 / step)``, the output
    to input scale divided out (ONNX Runtime).  ``"float32_edge"``:
    ``x = f32(s * f32(o + c)) + d`` with ``d`` added exactly: the position is
    held in pixel-edge coordinates and the half-pixel shift cancels exactly in
    each tap's distance ``f32(j + 0.5 - x_edge)`` (TensorFlow's
    ``ScaleAndTranslate``).  ``"float32_translate"``: the half-pixel grid with a
    translation ``t = 1/2 - c``, every operation rounded:
    ``x = f32(f32(f32(s * f32(o + 1/2)) - f32(s * t)) + d)`` (JAX's
    ``scale_and_translate`` run eagerly); ``"float32_translate_fma"``: the
    same with ``s * f32(o + 1/2) - f32(s * t)`` rounded once (XLA fuses it
    into a multiply-add under ``jax.jit``).
    ``"float64_div"``: the ``float32_div`` quotient in float64,
    ``x = f32((o + c) / s + d)``, rounded to float32 once (ONNX Runtime's
    ``half_pixel_symmetric``).  ``"float32_ratio"``:
    ``x = f32(f32(f32(o + c) * p) / q) + d`` for a step ``p / q`` in lowest
    terms (ONNX Runtime's ``align_corners``, ``o * (in - 1) / (out - 1)``).
    ``"float32_crop"``: ``x = f32(d + f32(f32(f32(o * box) * (in - 1)) / (out - 1)))``
    with ``box = step * (out - 1) / (in - 1)`` (ONNX Runtime's
    ``tf_crop_and_resize``; one output: ``x = f32(d)``).
    ``"float64_fma"``: ``x = f64(s * (o + c) + d)`` in double with one rounding
    (PyTorch's ``area_pixel_compute_source_index`` for float64 data, contracted
    to a fused multiply-add); ``s`` is the double step.  ``"float64_float32"``:
    ``x = f32(f64(f64(s * (o + c)) + d))``, each double operation rounded, then
    one rounding to float32 (OpenCV's ``(float)((dx + 0.5) * scale - 0.5)``).
    ``"float32_cell_fraction"``: ``x = s + f`` with ``s = floor(f64(o a))`` and
    ``f = f32((o + 1) - (s + 1) k)`` (``k`` the user's scale, out/in, in double),
    0 where ``f <= 0``, else ``f - floor(f)`` in float32 (OpenCV's "area-bilinear"
    table for ``INTER_AREA`` when an axis upscales).  Nearest indices are
    still floored as float32 (``_plan._round_tie``), as PyTorch's ``floorf`` does.
    ``"float64"``: ``x = f64(f64(s * f64(o + c)) + d)``, every double operation
    rounded, no float32 (SciPy's ``zoom``: ``((o + 0.5) * zoom) - 0.5``); nearest
    indices under ``float64`` and ``float64_matlab`` are decided exactly on the
    double position (``floor(x) + (x - floor(x) >= 1/2)`` for ``round_prefer_ceil``).
    ``"float64_matlab"``: MATLAB ``imresize``'s ``contributions()`` in double,
    ``u = f64(f64((o + 1) / s) + f64(0.5 * f64(1 - f64(1 / s))))`` (1-based) and
    ``x = u - 1`` (exact), with ``s = 1 / step`` the user's scale; only for the
    half-pixel grid (``c = 1/2``, ``d = -1/2``).
    ``"float64_accumulate"``: a running double sum in pixel-edge units,
    ``e_0 = f64((d + 1/2) + s * c)``, ``e_{o+1} = f64(e_o + s)``, and
    ``x = e - 1/2``; nearest indices are rounded in double (Pillow's NEAREST,
    ``ImagingScaleAffine``: ``floor(e)``).
    ``"float64_padded"``: ``x = f64(f64(f64(a (o + c)) + (d + c)) - c)`` for the
    exact step ``a`` (a Fraction) and exact ``c``, ``d``: the product rounded to
    double once (a double division by the scale, or exact integer products
    divided once), then the translation ``d + c`` (a double) and the shift
    ``-c``, each addition rounded (``onnx.reference``'s ``(o + 0.5) / scale -
    0.5``, ``offset + (o + 0.5) / scale - 0.5``, ``o * (in - 1) / (L - 1)``).
    Nearest indices read its 2-tap window on the edge-padded line: the left tap
    ``floor(f64(x + 1)) - 1`` (one less where ``f64(x + 1)`` is an integer), plus
    one where the ratio ``x - floor(x)`` (1 at an integer) passes the tie rule
    (so just above an integer, where ``x + 1`` rounds onto it, the pixel below).
weights
    ``"float64"``: the kernel is evaluated and normalised in float64.
    ``"float32"``: distances, kernel values, their sum and the normalisation
    are rounded to float32 as a float32 library computes them.
    ``"float32_lerp"``: as ``"float32"``, and an unstretched linear kernel
    is evaluated as float32 libraries interpolate: the position clamped to
    ``[0, in - 1]``, taps ``i = floor(x)`` and ``min(i + 1, in - 1)`` (both
    kept, in that order, 1/2 each when they coincide), weights
    ``f32(1 - (x - i))`` and ``x - i`` (ONNX Runtime).
    ``"float32_lerp_torch"``: as ``"float32_lerp"``, except where the taps
    coincide at the last pixel: there the weights stay ``f32(1 - l)`` and
    ``l = min(x - (in - 1), 1)`` (PyTorch's ``guard_index_and_lambda``, whose
    position is not clamped above), and an axis of unchanged size reads
    ``(o, o)`` with weights ``(1, 0)``.
    ``"float32_keys"``: as ``"float32"``, and a Keys cubic is evaluated in
    float32 as ``((a + 2) t - (a + 3)) t t + 1`` (``t < 1``) and
    ``((a t - 5a) t + 8a) t - 4a`` (:func:`keys_float32`), its taps kept as
    they are after the boundary rule (a clamped edge pixel read twice is added
    twice; ONNX Runtime's ``GetCubicCoeffs``).  ``"float32_keys_fma"``: the same
    with each ``p t + q`` step one fused multiply-add (PyTorch's CPU build, which
    contracts ``cubic_convolution1/2`` and its antialias filter into FMAs).
    ``"float32_keys_torch"``: PyTorch's ``get_cubic_upsample_coefficients`` as its CPU
    build computes them (measured): the inner piece unfused, the outer with its first
    two steps fused, each tap evaluated from the fraction ``t`` rounded to float32, the
    tap after the next at ``f32(f32(1 - t) + 1)``, not at ``2 - t``
    (:func:`pixelgrid._plan.torch_cubic_args`).
    ``"float32_pillow"``: as ``"float32"``, and a Keys cubic evaluated in
    Pillow's float32 form, ``((a + 2) t - (a + 3)) t t + 1`` and
    ``(((t - 5) t + 8) t - 4) a`` (ONNX Runtime's antialias filters), taps
    kept as they are.  ``"float32_lanczos_libm"``: as ``"float32"``, and a
    Lanczos kernel of radius ``r`` evaluated as JAX's ``_fill_lanczos_kernel``
    compiles on XLA:CPU (:func:`lanczos_float32_libm`): the C library's
    ``sinf``, ``pi x / r`` folded to ``x * f32(pi / r)``, a true division.
normalize
    Whether weights are divided by their sum (``renormalize`` boundaries
    always renormalise).  Libraries that apply interpolation polynomials as
    they are (PyTorch's bilinear/bicubic) do not; in float64 the difference is
    nil, in float32 it is an ulp.
intermediate
    Integer data between two passes: ``"dtype"`` (rounded and clamped to the
    input dtype after every axis: Pillow, PyTorch) or ``"wide"`` (kept with
    extra fractional bits and unclamped, rounded once at the end: the
    correctly rounded result, pixelgrid's default for its own resize; an
    int16 intermediate for 8-bit data, int32 for 16-bit, with as many
    fractional bits as provably fit, every rounding half up; defined in
    ``_engines/reference.py``, run by every engine: within 0.51 level of the
    exact result, measured) or
    ``"unshifted"`` (the first pass's exact integer sums, neither shifted nor
    clamped; the second pass adds ``(w * (h >> t0)) >> t1`` with
    ``truncate = (t0, t1)`` and rounds once, by the remaining bits, half up:
    OpenCV's 8-bit resize, applied by ``_engines/wide_fixed.py``).
accumulate
    How float sums are formed: ``"float64"`` (one float64 sum, stored once),
    ``"taps"`` (every product and partial sum rounded to the working type,
    float32 or float64 for float64 data, taps in plan order:
    ``_engines/float32_taps.py``) or ``"block"`` (integer-factor box means:
    each block summed in the working type and scaled by ``f32(1/n)``, blocks
    cut by the edge ``f32(sum) / count``: ``_engines/box_sum.py``).
    ``"corner_sum"``: not separable; the ``2**k`` corners of a
    bilinear/trilinear cell added in memory order, each weighted by a float32
    product of the per-axis float32 weights (last axis first), integers
    truncated toward zero (ONNX Runtime's ``linear``).  ``"corner_sum_q10"``:
    the same with 10-bit weights ``floor(1024 w)`` for the right tap and
    ``1024 -`` that for the left, ``sum / 2**(10 k)`` toward zero (its 4-D
    channels-last 8-bit kernel).  Both: ``_engines/corner_sum.py``.
    ``"float64_per_axis"``: every pass summed in float64 tap by tap from the
    previous pass *as stored*, and stored in the data's dtype after every
    axis: integers by ``store`` (saturated), floats cast (Pillow's I and F
    modes, MATLAB's ``imresize``, SciPy's filters; ``_engines/reference.py``);
    plans with fixed-point weights on integer data sum those instead.
    ``"taps_per_axis"``: the same per-axis stores after ``"taps"`` sums
    (ONNX Runtime's int32 antialias).
fma
    Which ``accumulate="taps"`` additions are fused multiply-adds (one
    rounding), with ``K`` a row's taps up to its last non-zero weight:
    ``"none"``: ``acc = x0 w0``, then ``acc = acc + x_t w_t``, every product
    and sum rounded.  ``"chain"``: ``acc = x0 w0``, then
    ``acc = fma(x_t, w_t, acc)`` for ``t = 1 .. K-1``.  ``"reverse"``: from the
    last tap, ``acc = x_{K-1} w_{K-1}``, then ``acc = fma(x_t, w_t, acc)`` for
    ``t = K-2 .. 0`` (PyTorch's ``t0 * w0 + t1 * w1`` contracted by the
    compiler: its linear modes).  ``"pair_chain"``: ``acc = x1 w1``, then
    ``acc = fma(x0, w0, acc)``, then ``acc = fma(x_t, w_t, acc)`` for ``t = 2 .. K-1``
    (PyTorch's ``output = t0 w0; output += t_j w_j`` loop as its compiler contracts it:
    its float32 bicubic; ``"reverse"`` for ``K = 2``).  ``"tail4"``: ``acc = x0 w0``, taps ``1 ..
    4 floor((K-1)/4)`` unfused, the remaining ``(K-1) mod 4`` fused (PyTorch's
    float antialias loop, unrolled by 4 with a fused remainder; measured).
    ``"pairs"`` (4-tap rows): ``fma(x0, w0, x1 w1) + fma(x2, w2, x3 w3)``
    (Intel IPP's cubic vertical pass, as OpenCV's uint8 ``INTER_CUBIC`` runs it;
    measured).  ``"ipp_cubic"`` (4-tap rows): IPP's horizontal cubic kernels,
    chosen by the channels ``C`` (the product of the axes after the resampled
    one) and the row: a row whose taps were clamped (an edge) adds
    ``fma(x3, w3, fma(x2, w2, fma(x1, w1, x0 w0)))``, as do all rows for
    ``C = 3``; the other rows are grouped in fours from the first, the last
    ``n mod 4`` of them (``n`` such rows) being the tail: ``C = 1`` adds
    ``(x0 w0 + x1 w1) + (x2 w2 + x3 w3)`` (tail: ``(x0 w0 + x2 w2) +
    (x1 w1 + x3 w3)``), ``C = 4`` adds ``fma(x2, w2, x0 w0) + fma(x3, w3, x1 w1)``
    (tail: ``fma(x0, w0, x3 w3) + fma(x1, w1, x2 w2)``) (measured on IPP 2026.1's
    AVX-512 kernels; ``_engines/float32_taps.py``).
    ``"lerp"`` (2-tap rows): ``fma(w1, f32(x1 - x0), x0)``, the difference of
    the two taps times the right weight added to the left tap in one rounding
    (Intel IPP's float32 linear resize, as OpenCV's float32 ``INTER_LINEAR``
    runs it with IPP on; measured).  ``"lerp_mul"`` (2-tap rows):
    ``x0 + f32(w1 * f32(x1 - x0))``, the same formula with the product rounded
    before the addition (TensorFlow's ``ResizeBilinear``, built without FMA
    contraction: ``top_left + (top_right - top_left) * x_lerp``; measured).
    ``"torch_corners"`` (``accumulate="corner_sum"``, two cell axes): PyTorch's
    channels-last bilinear corner sums, contracted as its compiler does,
    ``simd_lanes`` channels at a time (``_engines/corner_sum.py``; measured).
simd_lanes
    ``L > 0``: a pass sums the first ``L * floor(m / L)`` elements of an
    output row (``m`` its length with channels) as a vector loop of ``L``
    lanes does (nested ``x0*w0 + (x1*w1 + ...)``; ``"unshifted"`` integers in
    float32, rounded half even; ``"block"`` row by row), the rest as a scalar
    tail.  ``0``: no vector body.
tie_tolerance
    Nearest-neighbour ``round_prefer_*`` ties: a float32 position within this
    distance of a half-integer is a tie; other positions round half away from
    zero (ONNX Runtime: 1e-6).  ``0``: only exact halves are ties.
store
    How a float result becomes an integer: ``"half_even"`` (``np.rint``),
    ``"half_away"``, ``"half_up"`` (``floor(v + 0.5)``) or ``"truncate"``
    (toward zero); always saturating to the dtype's range.  ``"clip8_wrap"``:
    half up, clamped to ``[0, 255]`` and then cast to the dtype with
    wrap-around (ONNX Runtime's ``clip8_lookups`` table written into an int8
    image: 128..255 become -128..-1, negative values 0; its bug, declared as
    a rule; on uint8 the same as ``"half_up"``).
window
    Which taps a (stretched) kernel reads and their distances.  ``"exact"``:
    every ``j`` with ``j - x`` inside the support, distance ``(j - x) / stretch``
    in the ``weights`` precision.  ``"float32_centre"``: a library holding the
    centre ``c = x + 1/2`` in float32 (the ``float32_edge`` positions) and the
    support ``r = f32(radius * stretch)`` reads ``j`` from
    ``trunc(f32(c - r) + 1/2)`` (at least 0) to ``trunc(f32(c + r) + 1/2) - 1``,
    at most ``2 * ceil(r) + 1`` taps, at distances
    ``f32((f32(j - c) + 1/2) * f32(1 / stretch))`` (PyTorch's float antialias
    weights, ``_compute_indices_min_size_weights_aa``).  ``"float64_centre"``:
    the same rule in double, Pillow's ``precompute_coeffs``: the centre
    ``c = (d + 1/2) + a (o + c0)`` of the plan's grid, ``r = radius * stretch``,
    ``j`` from ``trunc(c - r + 1/2)`` (at least 0) to ``trunc(c + r + 1/2) - 1``
    (at most the input's end), distances ``((j - c) + 1/2) * (1 / stretch)``,
    the kernel's own support test, row sums added tap by tap; a row with no
    weight stays 0 (no edge fallback).  ``"float32_support"``: the ``"exact"``
    taps around the float32 position, and the kernel's own support test (its
    ``edges``) applied to each tap's rounded, stretched distance: a tap whose
    float32 argument reaches the support's end weighs 0 (TensorFlow's
    ``ScaleAndTranslate``, whose kernels return 0 from ``x >= radius``).
    ``"float32_pillow"``: Pillow's window with every operation in float32
    (ONNX Runtime's antialias, ``SetupUpsampleFilterAntiAlias``): the stretch
    held as ``s = f32(1 / f32(1 / stretch))`` (the scale in float32, divided
    out in float32), the centre ``c = f32(x + 1/2)``, the support
    ``r = f32(radius * s)``, taps ``j`` from ``floor(f32(f32(c - r) + 1/2))`` to
    ``floor(f32(f32(c + r) + 1/2)) - 1`` (at most ``2 * ceil(r) + 1``), at
    distances ``f32(f32(f32(j - c) + 1/2) * f32(1 / s))``; row sums added tap by
    tap in float32 over every tap, also those outside the input; a ``clamp``
    boundary then folds the outside taps into the edge taps in float32, in tap
    order (left ones first), before the weights are multiplied by the
    float32 reciprocal of the sum (``reciprocal=True``); a row whose taps all
    lie outside weighs nothing.  With ``renormalize`` the outside taps are
    dropped and a row with none inside weighs nothing.  ``"spline"``: a
    B-spline of order ``n`` reads ``n + 1`` taps from ``floor(x) - n // 2``
    (odd ``n``) or ``floor(x + 1/2) - n // 2`` (even ``n``), SciPy's
    ``ndimage`` rule (``_plan.spline_taps``).  ``"float32_floor"``: a
    kernel of radius ``r`` reads ``2r`` taps from ``s - r + 1``, ``s = floor(x)``,
    each clamped into the input and kept (no merging, no renormalisation), with
    the weights of the fraction ``f = f32(x - s)`` (the kernel's float32
    :attr:`~pixelgrid.Kernel.rows`, or ``(1 - f, f)`` in float32 for ``linear``):
    OpenCV's generic resize tables (``_plan.floor_taps``).
    ``"float32_floor_edge"``: the same, except that a 2-tap row with ``s < 0`` or
    ``s >= n - 1`` reads the edge pixel with weights ``(1, 0)`` (OpenCV's
    horizontal linear pass).  ``"float64_floor_edge"``: that rule with the
    fraction kept in double, ``(1 - f, f)`` (OpenCV's ``INTER_LINEAR_EXACT``,
    whose fixed-point weights are ``rint(f 2**b)`` and its complement).
    ``"float32_floor_ipp"``: the ``"float32_floor"`` taps (clamped, kept) with
    the fraction held as ``1 + f`` in float32, ``f' = f32(1 + f32(x - s)) - 1``
    (a multiple of ``2**-23``), and the kernel's double function at ``f'``
    rounded to float32 (Intel IPP's cubic tables, as OpenCV's uint8
    ``INTER_CUBIC`` uses them; measured).
boxes
    How a footprint kernel (``area``) bounds an output pixel's box:
    ``"centred"``: ``[x - w/2, x + w/2]`` around the position (exact).
    ``"float32_ends"``: from ``L = x(o)`` to ``R = x(o + 1)``, the float32
    positions of the pixel's two edges by the ``coordinates`` rule; overlaps
    ``f32(min(R, j+1) - max(L, j))`` in edge coordinates, except that a box
    inside one pixel weighs the step (TensorFlow's ``ResizeArea``).
    ``"float32_width"``: ``R = f32(L + step)`` (JAX's ``area``).  With
    ``normalize=False`` the overlaps are multiplied by ``1 / step`` (float32
    weights: ``f32(1 / step)``; TensorFlow multiplies the sum by ``1 / scale``);
    otherwise they are divided by their sum.  ``"float64_cells"``: the box
    ``[o s, o s + s]`` of the double step ``s``, clipped to the input
    (``cell = min(s, n - o s)``), weighs its partial end pixels
    ``(ceil(L) - L) / cell`` and ``min(R - floor(R), 1, cell) / cell`` (only
    when above ``1e-3``) and each whole pixel ``1 / cell``, each rounded to
    float32 and kept in pixel order, as given (``_plan.cell_taps``; OpenCV's
    ``computeResizeAreaTab``).  ``"integer_blocks"``: a step within rounding of
    an integer ``k`` makes every row the block ``o k .. o k + k - 1``, always
    ``k`` taps (those past the input read its last pixel with weight 0, the
    others ``1 / count``), the layout of ``accumulate="block"`` (OpenCV's
    ``resizeAreaFast``).
min_total
    Rows whose weight sum ``|total|`` is at most this get no weight at all:
    the output sample is 0 (JAX: ``1000 * eps(float32)``; TensorFlow's
    ``ScaleAndTranslate``: ``1000 * FLT_MIN``).  ``0``: only empty rows.
fixed_point
    The rule giving 8/16-bit data its fixed-point weights when a plan has
    none (:data:`FIXED_POINTS`): ``"own"`` (pixelgrid's wide model) or
    ``"int16_max"`` (PyTorch's uint8 search, ``_plan.declared_fixed_point``).
block_mean
    A :class:`BlockMean` record: the plans are the two box plans of an
    integer-factor reduce, applied by its block-mean rules (Pillow's
    ``Image.reduce``); ``None`` otherwise.
reciprocal
    Normalise by multiplying each weight by the rounded reciprocal of the sum,
    ``f32(w * f32(1 / total))`` (TensorFlow's ``ScaleAndTranslate``), instead
    of dividing (``False``).
zero_taps
    What a tap of weight exactly 0 does to NaN and inf data (:data:`ZERO_TAPS`).
    ``"skip"`` (pixelgrid's own model, :data:`EXACT`): it contributes nothing,
    so a NaN or inf input reaches exactly the outputs that give it a non-zero
    weight (an exact hit, an ``align_corners`` end, a tap dropped by a
    ``renormalize`` boundary or a kernel zero at an integer offset reads it
    at weight 0: nothing).  ``"read"`` (the default of a library's record):
    every tap the plan holds adds ``w * x``, also ``0 * NaN`` and ``0 * inf``
    (NaN), as a library looping over a fixed window does (with
    ``accumulate`` rules, the model engine's own reads).  ``"window"``: the
    library multiplies exactly the taps of its own window, recorded by
    :func:`pixelgrid.plan` per row as ``plan.info["reads"] = (lo, hi)`` (input
    indices, inclusive), also those of weight 0, and skips the plan's padding
    (Pillow's ``ImagingResample``: measured on mode ``F``).  ``"dense"``: a
    dense weight matrix, every input of the line times its weight, 0 included
    (JAX's ``scale_and_translate``: one NaN reaches every output of its row
    and column).  Finite data gives
    the same result under every rule.  Applied by ``_arrays.run_plans``
    (``_engines/nonfinite.py``), whatever the engine.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._validate import check_choice

__all__ = [
    "ACCUMULATIONS",
    "BLOCK_DIVIDES",
    "BLOCK_SUMS",
    "BOXES",
    "COORDINATES",
    "EXACT",
    "FIXED_POINTS",
    "FMAS",
    "INTERMEDIATES",
    "STORES",
    "WEIGHTS",
    "WINDOWS",
    "ZERO_TAPS",
    "Arithmetic",
    "BlockMean",
    "apply_alpha",
    "as_arithmetic",
    "box_overlaps",
    "fma_float32",
    "keys_float32",
    "premultiply_alpha",
    "round_values",
    "round_weights",
    "sample_positions",
    "store",
    "unpremultiply_alpha",
]

COORDINATES = ("exact", "float32", "float32_fma", "float32_div", "float32_edge",
               "float32_translate", "float32_translate_fma",
               "float64_div", "float32_ratio", "float32_crop", "float64_fma",
               "float64_float32", "float64", "float64_matlab", "float64_accumulate",
               "float32_cell_fraction",
               "float64_padded")
#: Where ``accumulate="taps"`` fuses a product into the sum, see the module doc.
FMAS = ("none", "chain", "reverse", "tail4", "pairs", "ipp_cubic", "lerp", "lerp_mul",
        "torch_corners", "pair_chain")
WEIGHTS = ("float64", "float32", "float32_lerp", "float32_lerp_torch", "float32_keys",
           "float32_keys_fma", "float32_keys_torch", "float32_pillow", "float32_lanczos_libm")
#: How a footprint kernel's (``area``) box is bounded, see the module doc.
BOXES = ("centred", "float32_ends", "float32_width", "float64_cells", "integer_blocks")
#: How a stretched kernel's taps and distances are found, see the module doc.
WINDOWS = ("exact", "float32_centre", "float64_centre", "float32_support", "float32_pillow",
           "spline", "float32_floor", "float32_floor_edge", "float64_floor_edge",
           "float32_floor_ipp")
INTERMEDIATES = ("dtype", "wide", "unshifted")
ACCUMULATIONS = ("float64", "taps", "block", "corner_sum", "corner_sum_q10",
                 "float64_per_axis", "taps_per_axis")
#: Named rules for the fixed-point weights of plans run on 8/16-bit data without
#: their own (``Arithmetic.fixed_point``): ``"own"`` is pixelgrid's wide model
#: (``_arrays.own_fixed``); ``"int16_max"`` int16 weights with the most fractional
#: bits below 22 that keep the largest one under ``2**15``, rounded half away, no
#: sum fix-up, stored per axis (PyTorch's uint8 ``UpSampleKernel``;
#: ``_plan.declared_fixed_point``).
FIXED_POINTS = ("own", "int16_max")
STORES = ("half_even", "half_away", "half_up", "truncate", "clip8_wrap")
#: What a zero-weight tap does to NaN/inf data (``Arithmetic.zero_taps``, see the module doc).
ZERO_TAPS = ("read", "skip", "window", "dense")


@dataclass(frozen=True)
class Arithmetic:
    """How positions, weights, intermediates and stores are computed (see the module doc).

    Examples
    --------
    >>> Arithmetic(coordinates="float32", weights="float32").describe()
    'positions float32 (two roundings); weights float32, normalised'
    >>> EXACT.describe("uint8")  # doctest: +NORMALIZE_WHITESPACE
    'positions exact; weights float64, normalised; intermediate rounded to the dtype per axis;
     store half even'
    """

    coordinates: str = "exact"
    weights: str = "float64"
    normalize: bool = True
    intermediate: str = "dtype"
    store: str = "half_even"
    boxes: str = "centred"
    min_total: float = 0.0
    reciprocal: bool = False
    accumulate: str = "float64"
    simd_lanes: int = 0
    truncate: tuple[int, int] = (0, 0)
    tie_tolerance: float = 0.0
    window: str = "exact"
    fixed_point: str = "own"
    block_mean: BlockMean | None = None
    fma: str = "none"
    zero_taps: str = "read"

    def __post_init__(self) -> None:
        check_choice("fma", self.fma, FMAS)
        check_choice("zero_taps", self.zero_taps, ZERO_TAPS)
        check_choice("window", self.window, WINDOWS)
        if not (isinstance(self.tie_tolerance, (int, float)) and 0 <= self.tie_tolerance < 0.5):
            raise ValueError(f"tie_tolerance={self.tie_tolerance!r} must be a number in [0, 0.5)")
        check_choice("coordinates", self.coordinates, COORDINATES)
        check_choice("weights", self.weights, WEIGHTS)
        check_choice("boxes", self.boxes, BOXES)
        if not (isinstance(self.min_total, (int, float)) and 0 <= self.min_total < 1):
            raise ValueError(f"min_total={self.min_total!r} must be a number in [0, 1)")
        if not isinstance(self.reciprocal, bool):
            raise TypeError(f"reciprocal={self.reciprocal!r} must be True or False")
        check_choice("intermediate", self.intermediate, INTERMEDIATES)
        check_choice("store", self.store, STORES)
        if not isinstance(self.normalize, bool):
            raise TypeError(f"normalize={self.normalize!r} must be True or False")
        check_choice("accumulate", self.accumulate, ACCUMULATIONS)
        check_choice("fixed_point", self.fixed_point, FIXED_POINTS)
        if self.block_mean is not None and not isinstance(self.block_mean, BlockMean):
            raise TypeError(f"block_mean={self.block_mean!r} must be a BlockMean record or None")
        if isinstance(self.simd_lanes, bool) or not isinstance(self.simd_lanes, int) \
                or self.simd_lanes < 0:
            raise ValueError(f"simd_lanes={self.simd_lanes!r} must be an int >= 0")
        if not (isinstance(self.truncate, tuple) and len(self.truncate) == 2
                and all(isinstance(v, int) and v >= 0 for v in self.truncate)):
            raise ValueError(f"truncate={self.truncate!r} must be a pair of ints >= 0")

    @property
    def ordered(self) -> bool:
        """True when sums follow a library's order (``accumulate``/``"unshifted"``).

        Such plans are applied by the model engines (``_engines/float32_taps.py``,
        ``wide_fixed.py``, ``box_sum.py``), not by the float64 or compiled engines.
        """
        return (self.accumulate != "float64" or self.intermediate == "unshifted"
                or self.block_mean is not None)

    @property
    def float32_positions(self) -> bool:
        """True when sample positions are computed in float32."""
        return self.coordinates != "exact"

    def describe(self, dtype: Any = None) -> str:
        """One line for :func:`pixelgrid.explain`; integer fields only for integer ``dtype``."""
        pos = {"exact": "exact", "float32": "float32 (two roundings)",
               "float32_fma": "float32 (fused multiply-add)",
               "float32_div": "float32 (divided by the scale)",
               "float32_edge": "float32 (product rounded, half-pixel shift exact)",
               "float32_translate": "float32 (product, translation and shift each rounded)",
               "float32_translate_fma": "float32 (product minus translation fused)",
               "float64_fma": "float64 (fused multiply-add)",
               "float64_float32": "float64, rounded to float32",
               "float32_cell_fraction": "floor(o step) + f32 fraction of the cell's end",
               "float64": "float64 (product and offset each rounded)",
               "float64_matlab": "float64 (MATLAB: (o + 1) / scale + 0.5 * (1 - 1 / scale))",
               "float64_accumulate": "float64 running sum (x += step)",
               "float64_div": "float64 (divided by the float32 scale), rounded to float32",
               "float32_ratio": "float32 (times in - 1, divided by out - 1)",
               "float32_crop": "float32 (crop box: start + o * box * (in - 1) / (out - 1))",
               }[self.coordinates]
        if self.tie_tolerance:
            pos += f", nearest ties within {self.tie_tolerance:g}"
        parts = [f"positions {pos}",
                 f"weights {self.weights}, " + ("normalised" if self.normalize
                                                 else "applied as given")]
        if self.window != "exact":
            parts.append("taps from the float32 centre +- f32(support)"
                         if self.window == "float32_centre" else
                         "Pillow's window in float32, edge taps folded in float32"
                         if self.window == "float32_pillow" else
                         "taps from floor(x), weights of f32(x - floor(x)), clamped, kept"
                         if self.window in ("float32_floor", "float32_floor_edge",
                                            "float64_floor_edge") else
                         "taps from floor(x), weights of f32(1 + f32(x - floor(x))) - 1, "
                         "clamped, kept" if self.window == "float32_floor_ipp" else
                         "taps from the double centre +- support, row sums tap by tap")
        if self.boxes != "centred":
            parts.append("area boxes " + {"float32_ends": "between float32 edge positions",
                                          "float32_width": "float32 left edge + step",
                                          "float64_cells": "double cells, float32 weights",
                                          "integer_blocks": "integer blocks of k taps"}[
                                              self.boxes])
        if self.min_total:
            parts.append(f"rows summing to at most {self.min_total:.3g} are zero")
        if self.reciprocal and self.normalize:
            parts.append("normalised by the rounded reciprocal of the sum")
        if self.accumulate != "float64":
            parts.append({"corner_sum": "corners of the cell summed in memory order with "
                                        "float32 weight products, truncated",
                          "corner_sum_q10": "corners summed with 10-bit integer weights, "
                                            "truncated",
                          "taps": "sums tap by tap in float32 (float64 data: float64)",
                          "float64_per_axis": "float64 sums tap by tap, stored in the "
                                              "dtype after every axis",
                          "taps_per_axis": "sums tap by tap in float32, stored in the "
                                           "dtype after every axis",
                          "block": "block sums in float32 (float64 data: float64) "
                                   "times f32(1/n)"}[self.accumulate]
                         + (f", {self.simd_lanes}-lane vector order" if self.simd_lanes
                            else "")
                         + {"none": "", "chain": ", each next tap a fused multiply-add",
                            "reverse": ", from the last tap by fused multiply-adds",
                            "pair_chain": ", tap 1 first, then taps 0, 2, 3.. fused",
                            "tail4": ", taps after the first in unfused fours, the "
                                     "remainder fused",
                            "pairs": ", fma(x0, w0, x1 w1) + fma(x2, w2, x3 w3)",
                            "ipp_cubic": ", IPP's 4-tap orders by channels and edge",
                            "lerp": ", fma(w1, x1 - x0, x0)",
                            "lerp_mul": ", x0 + w1 (x1 - x0), every step rounded",
                            "torch_corners": ", PyTorch's channels-last corner fmas"}[
                                self.fma])
        if self.block_mean is not None:
            parts.append(self.block_mean.describe())
        if dtype is not None and np.dtype(dtype).kind in "iu":
            parts.append("intermediate " + {
                "wide": "wide, rounded once", "dtype": "rounded to the dtype per axis",
                "unshifted": "exact integer sums, rounded once"
                + (f" (second pass truncates >>{self.truncate[0]}, >>{self.truncate[1]})"
                   if any(self.truncate) else "")}[self.intermediate])
            parts.append("store " + self.store.replace("_", " "))
            if self.fixed_point == "int16_max":
                parts.append("8/16-bit: int16 weights with the most bits below 22")
        return "; ".join(parts)

    def replace(self, **changes: Any) -> Arithmetic:
        """A copy with some fields changed (validated again by ``__post_init__``)."""
        return dataclasses.replace(self, **changes)


#: pixelgrid's own model: exact positions, float64 weights, zero-weight taps skipped
#: (a NaN or inf input reaches exactly the outputs that weigh it).
EXACT = Arithmetic(zero_taps="skip")

#: How :class:`BlockMean` adds a block: ``"exact"`` (integers exactly, floats in
#: float64 pixel by pixel) or ``"pairs"`` (see :class:`BlockMean`).
BLOCK_SUMS = ("exact", "pairs")
#: How :class:`BlockMean` divides a block sum by its pixel count ``n``.
BLOCK_DIVIDES = ("float64", "reciprocal24")


@dataclass(frozen=True)
class BlockMean:
    """How a library's integer-factor reduce (block means) computes, declared as data.

    The blocks themselves are two box plans (one per axis); this record says
    how a block's pixels are added, divided by their count ``n`` and stored.
    Plans declare it as ``Arithmetic(block_mean=...)``; ``run_plans`` applies it
    with :func:`pixelgrid._engines.block_mean.apply_block_mean`.

    sums
        ``"exact"``: integer data summed exactly, float data in float64 pixel
        by pixel in row-major order.  ``"pairs"``: a full block is added two
        rows at a time, each step adding up to four pixels *in the input
        dtype* (int32 wraps around, float32 rounds) before the float64 total;
        partial (edge) blocks are added pixel by pixel in float64 (Pillow's
        ``ImagingReduceNxN_32bpc`` and ``ImagingReduceCorners_32bpc``).
    divide
        ``"float64"``: ``total * (1.0 / n)``.  ``"reciprocal24"``:
        ``((total + n // 2) * m) >> 24`` with the 32-bit
        ``m = int(f32(2**32) / f32(256 n))`` (Pillow's 8-bit reduce; ``m`` is
        rounded down, so an exact mean ``k`` can come out as ``k - 1``).
    store
        Rounding of integer results (:data:`STORES`); float results are cast.

    Examples
    --------
    >>> BlockMean("pairs", "float64", "half_away").describe()
    'block sums pairs in the dtype, float64 total; divide total * (1/n); store half away'
    """

    sums: str = "exact"
    divide: str = "float64"
    store: str = "half_even"

    def __post_init__(self) -> None:
        check_choice("sums", self.sums, BLOCK_SUMS)
        check_choice("divide", self.divide, BLOCK_DIVIDES)
        check_choice("store", self.store, STORES)

    def describe(self) -> str:
        """One line for :func:`pixelgrid.explain`."""
        sums = {"exact": "exact", "pairs": "pairs in the dtype, float64 total"}[self.sums]
        div = {"float64": "total * (1/n)",
               "reciprocal24": "((total + n//2) * u32(2**32 / (256 n))) >> 24"}[self.divide]
        return f"block sums {sums}; divide {div}; store {self.store.replace('_', ' ')}"


def as_arithmetic(value: str | Arithmetic) -> Arithmetic:
    """An :class:`Arithmetic` from a record or a ``coordinates`` name (the older spelling)."""
    if isinstance(value, Arithmetic):
        return value
    if isinstance(value, str):
        check_choice("arithmetic", value, COORDINATES)
        # "exact" is pixelgrid's own record; other names spell a library's positions
        return EXACT if value == "exact" else Arithmetic(coordinates=value)
    raise TypeError(
        f"arithmetic={value!r} must be an Arithmetic record or one of {list(COORDINATES)}")


def sample_positions(step: float | Fraction, c: float | Fraction, d: float | Fraction, n: int,
                     coordinates: str, grid_offset: float = 0.5,
                     in_size: int | None = None,
                     user_scale: float | None = None) -> NDArray[np.float64]:
    """Sample positions of ``n`` outputs as a float32 library computes them.

    ``step`` is the input pixels per output pixel as the library holds it (the
    exact float32 value for ``float32``/``float32_fma``; for ``float32_div`` the
    divisor is ``f32(1 / step)``), ``c`` and ``d`` the grid offsets in
    ``x = step * (o + c) + d``.  The result is float32-valued (held in float64),
    except for ``float32_edge``, whose ``d`` is added exactly.  The
    ``float32_translate`` rules split ``c`` into the grid's ``grid_offset``
    (1/2 for pixel centres, 0 for pixel edges) and a translation
    ``grid_offset - c``.

    ``float32_ratio`` takes ``step`` as an exact Fraction, ``float32_crop`` also
    the input length ``in_size``, ``float32_cell_fraction`` also the user's
    scale ``user_scale`` (out/in, a double); ``float64_matlab`` the exact step
    ``1 / scale`` (a Fraction).  ``float64_fma``, ``float64``,
    ``float64_matlab`` and ``float64_accumulate`` give float64 positions.

    Examples
    --------
    >>> sample_positions(0.5, 0.5, -0.5, 3, "float32").tolist()
    [-0.25, 0.25, 0.75]
    """
    if coordinates == "float64_padded":
        return _padded_positions(Fraction(step), Fraction(c), Fraction(d), n)
    c, d = float(c), float(d)
    if coordinates in ("float32_ratio", "float32_crop"):
        return _ratio_positions(Fraction(step), c, d, n, coordinates, in_size)
    if coordinates == "float64_accumulate":
        steps = np.full(n, float(step))
        if n:
            steps[0] = (d + 0.5) + float(step) * c
        return np.cumsum(steps) - 0.5  # cumsum adds in order: the library's running sum
    if coordinates == "float64_matlab":
        if (c, d) != (0.5, -0.5):
            raise ValueError(f"coordinates='float64_matlab' is MATLAB's half-pixel grid; "
                             f"got c={c!r}, d={d!r}")
        scale = float(1 / Fraction(step))  # the user's scale (a double), exactly
        u = np.arange(1, n + 1, dtype=np.float64) / scale + 0.5 * (1 - 1 / scale)
        return u - 1.0
    step = float(step)
    if coordinates == "float64_div":
        s64 = float(np.float32(1.0 / step))
        t64 = np.arange(n, dtype=np.float64) + c
        return (t64 / s64 + d).astype(np.float32).astype(np.float64)
    if coordinates == "float32_cell_fraction":
        if user_scale is None:
            raise ValueError("coordinates='float32_cell_fraction' needs user_scale")
        out_i = np.arange(n, dtype=np.float64)
        cell = np.floor(out_i * step)
        frac = ((out_i + 1) - (cell + 1) * float(user_scale)).astype(np.float32)
        frac = np.where(frac <= 0, np.float32(0), frac - np.floor(frac)).astype(np.float32)
        return cell + frac.astype(np.float64)  # exact: the fraction keeps its float32 value
    if coordinates == "float64_float32":
        t64 = np.arange(n, dtype=np.float64) + c
        return ((t64 * step) + d).astype(np.float32).astype(np.float64)
    if coordinates == "float64_fma":
        return _float64_fma(step, c, d, n)
    if coordinates == "float64":
        return (np.arange(n, dtype=np.float64) + c) * step + d
    if coordinates in ("float32_translate", "float32_translate_fma"):
        s32 = np.float32(step)
        o = (np.arange(n, dtype=np.float64) + grid_offset).astype(np.float32)
        shift = np.float32(s32 * np.float32(grid_offset - c))
        if coordinates == "float32_translate_fma":  # s * o - shift rounded once
            head = (float(s32) * o.astype(np.float64) - float(shift)).astype(np.float32)
        else:
            head = s32 * o - shift
        return (head + np.float32(d)).astype(np.float64)
    t = (np.arange(n, dtype=np.float64) + c).astype(np.float32)
    if coordinates == "float32_edge":
        # float32 product; the shift d (a half) is added exactly in float64
        return (np.float32(step) * t).astype(np.float64) + d
    if coordinates == "float32_div":
        s = np.float32(1.0 / step)
        return (t / s + np.float32(d)).astype(np.float64)
    s64 = float(np.float32(step))
    if coordinates == "float32_fma":
        # s * t is exact in float64 (24-bit x 24-bit mantissas): one rounding to float32
        return (s64 * t.astype(np.float64) + d).astype(np.float32).astype(np.float64)
    if coordinates == "float32":
        return ((np.float32(s64) * t) + np.float32(d)).astype(np.float64)
    raise ValueError(f"coordinates={coordinates!r} has no float32 positions")


def _padded_positions(step: Fraction, c: Fraction, d: Fraction,
                      n: int) -> NDArray[np.float64]:
    """``float64_padded``: ``f64(f64(f64(a (o + c)) + (d + c)) - c)``, the product rounded once."""
    num = np.arange(n, dtype=object) * c.denominator + c.numerator
    q = np.asarray(num * step.numerator / (c.denominator * step.denominator), dtype=np.float64)
    return (q + float(d + c)) - float(c)  # Python int / int rounds correctly


def _ratio_positions(step: Fraction, c: float, d: float, n: int, coordinates: str,
                     in_size: int | None) -> NDArray[np.float64]:
    """``float32_ratio`` and ``float32_crop`` positions (see the module doc)."""
    o = (np.arange(n, dtype=np.float64) + c).astype(np.float32)
    d32 = np.float32(d)
    if coordinates == "float32_ratio":
        q = np.float32(step.denominator)
        return ((o * np.float32(step.numerator)) / q + d32).astype(np.float64)
    if in_size is None:
        raise ValueError("coordinates='float32_crop' needs in_size")
    if n == 1 or in_size == 1:
        return np.full(n, float(d32))
    box = np.float32(step * (n - 1) / (in_size - 1))
    term = ((o * box) * np.float32(in_size - 1)) / np.float32(n - 1)
    return (d32 + term).astype(np.float64)


def fma_float32(a: NDArray[Any], b: NDArray[Any], c: NDArray[Any]) -> NDArray[np.float32]:
    """``f32(a * b + c)`` rounded once (a float32 fused multiply-add) for float32 inputs.

    ``a * b`` is exact in float64; the float64 sum ``s`` can differ from the
    exact one only by its rounding error ``e`` (TwoSum), which decides the
    float32 rounding where ``s`` lies exactly halfway between two float32s.

    Examples
    --------
    >>> f = np.float32
    >>> a, b, c = f(2**-24 * (1 + 2**-23)), f(1 - 2**-23), f(1 + 2**-23)
    >>> float(fma_float32(np.array([a]), np.array([b]), np.array([c]))[0])  # not 1 + 2**-22
    1.0000001192092896
    """
    p = np.multiply(np.asarray(a, np.float32), np.asarray(b, np.float32), dtype=np.float64)
    s = np.add(p, np.asarray(c, np.float32), dtype=np.float64)
    out: NDArray[np.float32] = s.astype(np.float32)
    # Only a sum ending in exactly half a float32 ulp (its 29 low bits 1000...0) or in
    # float32's subnormal range can round differently from the exact value: check those.
    bits = np.ascontiguousarray(s).view(np.uint64).reshape(s.shape)
    low = np.bitwise_and(bits, np.uint64(0x1FFFFFFF))
    maybe = low == np.uint64(0x10000000)
    if np.abs(out).min(initial=np.inf) < 2.0**-125:
        maybe |= np.abs(s) < 2.0**-125
    if not maybe.any():
        return out
    c64 = np.broadcast_to(np.asarray(c, np.float32), s.shape).astype(np.float64)
    sm, pm, cm, r = s[maybe], p[maybe], c64[maybe], out[maybe]
    bb = sm - pm
    e = (pm - (sm - bb)) + (cm - bb)  # sm + e == p + c exactly
    r64 = r.astype(np.float64)
    towards = np.nextafter(r, np.where(sm > r64, np.inf, -np.inf).astype(np.float32))
    tie = (sm != r64) & (2 * sm == r64 + towards.astype(np.float64)) & (e != 0)
    fix = tie & ((e > 0) == (towards > r))  # the exact value lies beyond the midpoint
    out[maybe] = np.where(fix, towards, r)
    return out


def _float64_fma(step: float, c: float, d: float, n: int) -> NDArray[np.float64]:
    """``f64(s * (o + c) + d)`` rounded once: exact binary fractions, one int division."""
    (sn, sd), (cn, cd), (dn, dd) = (float(v).as_integer_ratio() for v in (step, c, d))
    den = max(sd * cd, dd)  # powers of two: the larger is a common denominator
    o = np.arange(n, dtype=object)
    num = sn * (o * cd + cn) * (den // (sd * cd)) + dn * (den // dd)
    return np.asarray(num / den, dtype=np.float64)  # Python int / int rounds correctly


def box_overlaps(left: NDArray[np.float64], right: NDArray[np.float64],
                 j: NDArray[np.int64], step: float, boxes: str,
                 weights: str) -> NDArray[np.float64]:
    """Overlap of input pixel ``[j, j + 1]`` with each output box ``[left, right]``.

    ``left``/``right`` (one per output, edge coordinates) come from the
    ``coordinates`` rule; ``j`` has one row of taps per output.  Overlaps are
    rounded to float32 when ``weights`` is ``"float32"``; under
    ``"float32_ends"`` a box inside one pixel weighs ``step`` (TensorFlow).

    Examples
    --------
    >>> box_overlaps(np.array([0.5]), np.array([2.0]), np.array([[0, 1, 2]]), 1.5,
    ...              "float32_ends", "float32").tolist()
    [[0.5, 1.0, 0.0]]
    """
    lo, hi = left[:, None], right[:, None]
    ov = np.maximum(0.0, np.minimum(hi, j + 1.0) - np.maximum(lo, j * 1.0))
    if boxes == "float32_ends":
        ov = np.where((j < lo) & (j + 1.0 > hi), step, ov)
    return round_weights(ov, weights)


def keys_float32(d: NDArray[np.float64], a: float, fused: bool = False,
                 pillow: bool = False, *, inner: tuple[bool, bool] | None = None,
                 outer: tuple[bool, bool, bool] | None = None) -> NDArray[np.float64]:
    """Keys' cubic at distances ``d`` evaluated in float32, every operation rounded.

    ``t = |d|`` (already float32); ``((a + 2) t - (a + 3)) t t + 1`` for ``t < 1``,
    ``((a t - 5a) t + 8a) t - 4a`` for ``1 <= t < 2``, else 0: the forms of
    ONNX Runtime's ``GetCubicCoeffs`` and PyTorch's ``cubic_convolution1/2``.
    ``pillow``: the outer piece as Pillow's ``bicubic_filter`` writes it,
    ``(((t - 5) t + 8) t - 4) a`` (ONNX Runtime's antialias filter).
    Which steps are one fused multiply-add (an FMA-contracting compiler): ``fused``
    fuses every ``p t + q`` step; ``inner`` (the inner piece's ``(a + 2) t - (a + 3)``
    and ``... t + 1``) and ``outer`` (its three steps) override it piece by piece.

    Examples
    --------
    >>> keys_float32(np.array([0.0, 0.5, 1.5, 2.0]), -0.75).tolist()
    [1.0, 0.59375, -0.09375, 0.0]
    """
    f = np.float32
    t = np.abs(d).astype(f)
    a32 = f(a)
    fi = (fused, fused) if inner is None else inner
    fo = (fused, fused, fused) if outer is None else outer

    def step(fuse: bool, p: Any, q: Any) -> NDArray[np.float32]:  # p t + q
        if fuse:
            return fma_float32(np.broadcast_to(p, t.shape), t, np.broadcast_to(q, t.shape))
        return np.asarray(p * t + q, dtype=f)

    near_w = step(fi[1], step(fi[0], a32 + f(2), -(a32 + f(3))) * t, f(1))
    if pillow and outer is None and not fused:
        far_w = (((t - f(5)) * t + f(8)) * t - f(4)) * a32
    else:
        far_w = step(fo[2], step(fo[1], step(fo[0], a32, -(f(5) * a32)), f(8) * a32),
                     -(f(4) * a32))
    w = np.where(t < 1, near_w, np.where(t < 2, far_w, f(0)))
    return np.asarray(w, dtype=np.float32).astype(np.float64)


def cubic_tap_arguments(x: NDArray[Any], last_from_near: bool = False) -> NDArray[np.float32]:
    """``(m, 4)`` float32 Keys arguments of taps ``floor(x) - 1 .. floor(x) + 2``.

    From the fraction rounded to float32, ``l = f32(x - floor(x))`` (inexact for
    negative positions), clipped to ``[0, 1]``: ``f32(l + 1)``, ``l``, ``f32(1 - l)`` and
    ``f32(2 - l)``, or with ``last_from_near`` ``f32(f32(1 - l) + 1)`` (PyTorch's
    ``get_cubic_upsample_coefficients``; its ``grid_sample`` forms ``2 - l``).

    Examples
    --------
    >>> cubic_tap_arguments(np.array([2.25])).tolist()
    [[1.25, 0.25, 0.75, 1.75]]
    """
    f = np.float32
    xs = np.asarray(x, dtype=np.float64)
    lam = np.clip((xs - np.floor(xs)).astype(f), f(0), f(1))
    near = (f(1) - lam).astype(f)
    last = (near + f(1)).astype(f) if last_from_near else (f(2) - lam).astype(f)
    return np.stack([(lam + f(1)).astype(f), lam, near, last], axis=-1)


@functools.cache
def _libm_sinf() -> Callable[[NDArray[np.float32]], NDArray[np.float32]]:
    """The C library's ``sinf`` over an array (XLA:CPU calls it for ``jnp.sin``).

    numpy's float32 ``sin`` is its own SIMD code (it differs from glibc's ``sinf``
    on ~15% of arguments, glibc from the correctly rounded sine on ~1%).
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("m") or ctypes.util.find_library("c")
    if name is None:  # no C math library to call: the correctly rounded sine
        return lambda v: np.sin(v.astype(np.float64)).astype(np.float32)
    fn = ctypes.CDLL(name).sinf
    fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    one = np.frompyfunc(lambda v: fn(float(v)), 1, 1)
    return lambda v: np.asarray(one(v), dtype=np.float32).reshape(np.shape(v))


def lanczos_float32_libm(d: NDArray[np.float64], r: float) -> NDArray[np.float64]:
    """A Lanczos kernel of radius ``r`` as JAX's jitted ``_fill_lanczos_kernel`` gives it.

    ``t = |d|`` (float32); ``y = f32(f32(r sinf(f32(pi t))) sinf(f32(t f32(pi / r))))``,
    ``y / f32(f32(pi^2) f32(t t))`` for ``t > 1e-3``, 1 below, 0 past ``r``: XLA:CPU
    folds ``pi t / r`` into one product and calls the C library's ``sinf``
    (measured equal to JAX on 20000 random ``t`` in [0, 5.5) for r = 3 and 5).

    Examples
    --------
    >>> lanczos_float32_libm(np.array([0.0, 1.0, 6.0]), 5.0).tolist()[::2]
    [1.0, 0.0]
    """
    f = np.float32
    t = np.abs(d).astype(f)
    sinf = _libm_sinf()
    r32 = f(r)
    y = (r32 * sinf((f(np.pi) * t).astype(f))).astype(f) * sinf((t * f(np.pi / r)).astype(f))
    den = (f(np.pi ** 2) * (t * t).astype(f)).astype(f)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (y.astype(f) / np.where(t != 0, den, f(1))).astype(f)
    w = np.where(t > f(1e-3), q, f(1))
    return np.where(t > r32, f(0), w).astype(np.float64)


def round_weights(w: NDArray[np.float64], weights: str) -> NDArray[np.float64]:
    """Weights rounded to the model's precision (held in float64)."""
    if weights in ("float32", "float32_lerp", "float32_lerp_torch", "float32_keys",
                   "float32_keys_fma", "float32_keys_torch", "float32_pillow",
                   "float32_lanczos_libm"):
        return w.astype(np.float32).astype(np.float64)
    return w


def round_values(v: NDArray[Any], rule: str) -> NDArray[np.float64]:
    """Round to integers (kept as floats) by a rule.

    The one definition of the rounding rules, for stores and fixed-point weights.

    Examples
    --------
    >>> round_values(np.array([-2.5, -0.5, 0.5, 2.5]), "half_away").tolist()
    [-3.0, -1.0, 1.0, 3.0]
    >>> round_values(np.array([-2.5, -0.5, 0.5, 2.5]), "half_even").tolist()
    [-2.0, -0.0, 0.0, 2.0]
    """
    if rule == "half_even":
        return np.rint(v)  # type: ignore[no-any-return]
    if rule == "half_away":
        return np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5))
    if rule == "half_up":
        return np.floor(v + 0.5)
    if rule == "truncate":
        return np.trunc(v)  # type: ignore[no-any-return]
    raise ValueError(f"rule={rule!r} is not valid; expected one of "
                     "['half_away', 'half_even', 'half_up', 'truncate']")


def store(v: NDArray[Any], dtype: np.dtype[Any], rule: str) -> NDArray[Any]:
    """Round float results to an integer ``dtype`` by ``rule`` and saturate.

    Examples
    --------
    >>> store(np.array([0.5, 1.5, -0.5, 300.0]), np.dtype(np.uint8), "half_away").tolist()
    [1, 2, 0, 255]
    >>> store(np.array([0.5, 1.5, 2.7]), np.dtype(np.int16), "half_even").tolist()
    [0, 2, 3]
    >>> store(np.array([-3.0, 127.0, 200.0, 300.0]), np.dtype(np.int8), "clip8_wrap").tolist()
    [0, 127, -56, -1]
    """
    check_choice("store", rule, STORES)
    r = round_values(v, "half_up" if rule == "clip8_wrap" else rule)
    if rule == "clip8_wrap":  # a [0, 255] table cast to the dtype (int8 wraps around)
        wrapped: NDArray[Any] = np.clip(r, 0, 255).astype(np.uint8).astype(dtype)
        return wrapped
    info = np.iinfo(dtype)
    out: NDArray[Any] = np.clip(r, info.min, info.max).astype(dtype)
    return out


# --- Premultiplied alpha -----------------------------------------------------------------
#
# Libraries that resample colour with alpha premultiplied (Pillow's RGBA -> RGBa) round
# twice: ``muldiv255`` is Pillow's ``MULDIV255(c, a) = ((t >> 8) + t) >> 8`` with
# ``t = c * a + 128``; back, ``c * 255 // a`` clipped to 255, with alpha 0 and 255 copied.


def premultiply_alpha(x: NDArray[np.uint8], rule: str = "muldiv255") -> NDArray[np.uint8]:
    """Multiply the colour channels of 8-bit ``(..., C)`` data by its last (alpha) channel.

    Examples
    --------
    >>> import numpy as np
    >>> premultiply_alpha(np.array([[201, 100]], np.uint8)).tolist()
    [[79, 100]]

    """
    if rule != "muldiv255":
        raise ValueError(f"rule={rule!r} is not valid; expected 'muldiv255'")
    out = np.empty_like(x)
    out[..., -1] = x[..., -1]
    a = x[..., -1].astype(np.uint16)
    for ch in range(x.shape[-1] - 1):  # one channel at a time: long inner loops
        # t = c * a + 128 <= 65153 and (t >> 8) + t <= 65407: uint16 holds every step
        t = x[..., ch] * a
        t += 128
        u = t >> 8
        u += t
        u >>= 8
        out[..., ch] = u
    return out


def unpremultiply_alpha(x: NDArray[np.uint8], rule: str = "muldiv255") -> NDArray[np.uint8]:
    """Undo :func:`premultiply_alpha`: ``min(c * 255 // a, 255)``; alpha 0 or 255 copies.

    Examples
    --------
    >>> import numpy as np
    >>> unpremultiply_alpha(np.array([[79, 100], [7, 0]], np.uint8)).tolist()
    [[201, 100], [7, 0]]

    """
    if rule != "muldiv255":
        raise ValueError(f"rule={rule!r} is not valid; expected 'muldiv255'")
    out = np.empty_like(x)
    out[..., -1] = x[..., -1]
    a = x[..., -1].astype(np.int32)
    keep = (a == 0) | (a == 255)
    div = np.where(a == 0, 1, a)
    for ch in range(x.shape[-1] - 1):
        c = x[..., ch].astype(np.int32)
        out[..., ch] = np.where(keep, c, np.minimum((c * 255) // div, 255))
    return out


def apply_alpha(x: NDArray[np.uint8], direction: str, rule: str = "muldiv255", *,
                overwrite: bool = False) -> NDArray[np.uint8]:
    """:func:`premultiply_alpha` or :func:`unpremultiply_alpha` (``direction``), run by an engine.

    The compiled engine runs the rule bit for bit (threaded, SIMD) unless
    ``PIXELGRID_ENGINE`` names another engine or it cannot; then the numpy forms above
    (the oracle) run.  ``overwrite``: ``x`` may be overwritten with the result (the
    caller's own temporary); the result is returned either way.

    Examples
    --------
    >>> import numpy as np
    >>> apply_alpha(np.array([[201, 100]], np.uint8), "premultiply").tolist()
    [[79, 100]]

    """
    if direction not in ("premultiply", "unpremultiply"):
        raise ValueError(
            f"direction={direction!r} is not valid; expected 'premultiply' or 'unpremultiply'")
    if rule != "muldiv255":
        raise ValueError(f"rule={rule!r} is not valid; expected 'muldiv255'")
    from ._arrays import resolve_engine

    if resolve_engine("auto") in ("auto", "native"):
        from ._engines import native

        y = native.alpha(x, direction, overwrite=overwrite)
        if y is not None:
            return y
    return (premultiply_alpha if direction == "premultiply" else unpremultiply_alpha)(x, rule)
