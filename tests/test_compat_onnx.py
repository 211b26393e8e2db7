"""pixelgrid.compat.onnx against onnxruntime (and onnx.reference where they differ).

Resize models are built with onnx.helper (scales/sizes/roi as initializers).
ORT computes in float32: float results are compared within 1e-5 of the data
range; nearest and integer results are exact except where documented.
"""

from __future__ import annotations

import numpy as np
import pytest

from pixelgrid.compat import onnx as po

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

TOL = 1e-5
DT = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.uint8): TensorProto.UINT8,
      np.dtype(np.int8): TensorProto.INT8, np.dtype(np.int32): TensorProto.INT32}
CTMS = po.COORDINATE_TRANSFORMATION_MODES


def _model(x, attrs, sizes=None, scales=None, roi=None, axes=None):
    inputs, inits = ["X", "", "", ""], []
    for i, (name, value, dtype) in enumerate(
            [("roi", roi, np.float32), ("scales", scales, np.float32),
             ("sizes", sizes, np.int64)], start=1):
        if value is not None:
            inits.append(numpy_helper.from_array(np.asarray(value, dtype), name))
            inputs[i] = name
    while inputs[-1] == "":
        inputs.pop()
    if axes is not None:
        attrs = {**attrs, "axes": list(axes)}
    node = helper.make_node("Resize", inputs, ["Y"], **attrs)
    graph = helper.make_graph(
        [node], "resize", [helper.make_tensor_value_info("X", DT[x.dtype], list(x.shape))],
        [helper.make_tensor_value_info("Y", DT[x.dtype], None)], initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    m.ir_version = 9  # the newest IR this onnxruntime reads
    return m


def run_ort(x, attrs, **io):
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(_model(x, attrs, **io).SerializeToString(), so,
                                providers=["CPUExecutionProvider"])
    return sess.run(None, {"X": x})[0]


def run_ref(x, attrs, **io):
    return ReferenceEvaluator(_model(x, attrs, **io)).run(None, {"X": x})[0]


def _data(rng, shape, dtype):
    if dtype == np.uint8:
        return rng.integers(0, 256, shape).astype(np.uint8), 255.0
    return rng.random(shape, dtype=np.float32), 1.0


def _io(rng, ctm, trial, x):
    """Sizes or scales (N, C kept), and a crop box for tf_crop_and_resize."""
    io = {}
    n, c, h, w = x.shape
    if trial % 2:
        io["sizes"] = [n, c, int(rng.integers(1, 14)), int(rng.integers(1, 14))]
    else:
        sh = [v for v in (0.3, 0.5, 0.7, 1.3, 1.5, 2.0, 3.0) if h * v >= 1.5]
        sw = [v for v in (0.6, 1.0, 1.7, 2.0, 2.5) if w * v >= 1.5]
        io["scales"] = [1.0, 1.0, float(rng.choice(sh)), float(rng.choice(sw))]
    if ctm == "tf_crop_and_resize":
        lo, hi = rng.uniform(-0.2, 0.45, 2), rng.uniform(0.55, 1.2, 2)
        io["roi"] = [0.0, 0.0, *lo.tolist(), 1.0, 1.0, *hi.tolist()]
    return io


def _compare(got, ref, scale, exact):
    assert got.dtype == ref.dtype and got.shape == ref.shape
    if exact:
        np.testing.assert_array_equal(got, ref)
    else:
        assert np.max(np.abs(got.astype(np.float64) - ref), initial=0) <= TOL * scale


@pytest.mark.parametrize("ctm", CTMS)
def test_nearest_matches_ort(ctm):
    rng = np.random.default_rng(len(ctm))
    for trial in range(16):
        dtype = (np.uint8, np.float32)[trial % 2]
        h, w = (int(v) for v in rng.integers(1, 12, 2))
        x, _ = _data(rng, (1, 2, h, w), dtype)
        attrs = {"mode": "nearest", "coordinate_transformation_mode": ctm,
                 "nearest_mode": po.NEAREST_MODES[(trial // 2) % 4], "extrapolation_value": 7.0}
        io = _io(rng, ctm, trial, x)
        got = po.resize(x, **io, **attrs)
        _compare(got, run_ort(x, attrs, **io), 1.0, exact=True)


def _ramp_cases(rng, ctm, n):
    """One-axis cases (length, sizes or scales, crop box) mixing random and decimal values."""
    decimal = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.1, 1.2, 1.25, 1.3,
               1.5, 1.7, 1.75, 1.9, 2.0, 2.2, 2.5, 3.0, 3.3, 3.5, 4.0)
    for i in range(n):
        n_in = int(rng.integers(1, 40))
        io = {}
        if i % 3 == 0:
            io["sizes"] = [1, int(rng.integers(1, 60))]
        else:
            s = float(rng.choice(decimal)) if i % 3 == 1 else float(rng.uniform(0.1, 4))
            io["scales"] = [1.0, s if np.floor(np.float32(n_in) * np.float32(s)) >= 1 else 1.5]
        if ctm == "tf_crop_and_resize":
            lo, hi = ((float(rng.choice([-0.2, -0.1, 0, 0.1, 0.2, 0.25, 0.3])),
                       float(rng.choice([0.6, 0.7, 0.75, 0.8, 0.9, 1, 1.1, 1.2])))
                      if i % 2 else (rng.uniform(-0.3, 0.45), rng.uniform(0.55, 1.3)))
            io["roi"] = [0.0, float(lo), 1.0, float(hi)]
        yield n_in, io


def _ramp_model(cases, attrs):
    """One graph holding a Resize node per case (one session for many cases)."""
    nodes, inits, ins, outs = [], [], [], []
    for k, (n_in, io) in enumerate(cases):
        inputs = [f"X{k}", "", "", ""]
        for i, (name, dtype) in enumerate((("roi", np.float32), ("scales", np.float32),
                                           ("sizes", np.int64)), start=1):
            if name in io:
                inits.append(numpy_helper.from_array(np.asarray(io[name], dtype), f"{name}{k}"))
                inputs[i] = f"{name}{k}"
        while inputs[-1] == "":
            inputs.pop()
        nodes.append(helper.make_node("Resize", inputs, [f"Y{k}"], **attrs))
        ins.append(helper.make_tensor_value_info(f"X{k}", TensorProto.FLOAT, [1, n_in]))
        outs.append(helper.make_tensor_value_info(f"Y{k}", TensorProto.FLOAT, None))
    graph = helper.make_graph(nodes, "ramps", ins, outs, initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    m.ir_version = 9
    return m


@pytest.mark.parametrize("ctm", CTMS)
def test_nearest_indices_exact_every_mode(ctm):
    # The input is its own index (a float32 ramp), so every output IS the source
    # index onnxruntime (and onnx.reference) chose; -1 marks crop extrapolation.
    # 150 one-axis cases per nearest_mode, many near ties (decimal scales, sizes).
    rng = np.random.default_rng(100 + len(ctm))
    so = ort.SessionOptions()
    so.log_severity_level = 3
    for nearest_mode in po.NEAREST_MODES:
        attrs = {"mode": "nearest", "coordinate_transformation_mode": ctm,
                 "nearest_mode": nearest_mode, "extrapolation_value": -1.0}
        cases = list(_ramp_cases(rng, ctm, 150))
        model = _ramp_model(cases, attrs)
        feeds = {f"X{k}": np.arange(n, dtype=np.float32)[None] for k, (n, _) in enumerate(cases)}
        sess = ort.InferenceSession(model.SerializeToString(), so,
                                    providers=["CPUExecutionProvider"])
        runtimes = [("ort", sess.run(None, feeds), False)]
        if ctm != "tf_half_pixel_for_nn":  # the reference rejects it
            runtimes.append(("reference", ReferenceEvaluator(model).run(None, feeds), True))
        for name, results, ref in runtimes:
            for (n_in, io), want in zip(cases, results, strict=True):
                got = po.resize(np.arange(n_in, dtype=np.float32)[None], **io, **attrs,
                                reference=ref)
                assert got.shape == want.shape, (name, n_in, io)
                np.testing.assert_array_equal(got, want, err_msg=f"{name} {n_in} {io}")


def test_ort_nearest_tie_tolerance():
    # ORT divides in float32, then treats a position within 1e-6 of a half-integer
    # as a tie.  Hand derivation (float32): 20 -> 6 half_pixel, o = 4:
    # 4.5 / f32(0.3) - 0.5 = 14.499999, 9.5e-7 below 14.5 -> tie -> prefer_ceil 15.
    # 30 -> 4 asymmetric, o = 3: 3 / f32(4/30) = 22.499998, 1.9e-6 below 22.5 -> 22.
    # 11 -> 52 asymmetric, o = 26: 26 / f32(52/11) = 5.5000005 -> tie -> prefer_floor 5.
    # floor has no tolerance: 20 -> 6 half_pixel, o = 4 stays 14.
    for n_in, n_out, ctm, nearest_mode, o, pixel in (
            (20, 6, "half_pixel", "round_prefer_ceil", 4, 15),
            (30, 4, "asymmetric", "round_prefer_ceil", 3, 22),
            (11, 52, "asymmetric", "round_prefer_floor", 26, 5),
            (20, 6, "half_pixel", "floor", 4, 14)):
        x = np.arange(n_in, dtype=np.float32)[None]
        attrs = {"mode": "nearest", "coordinate_transformation_mode": ctm,
                 "nearest_mode": nearest_mode}
        got = po.resize(x, sizes=[1, n_out], **attrs)
        assert got[0, o] == pixel
        np.testing.assert_array_equal(got, run_ort(x, attrs, sizes=[1, n_out]))


@pytest.mark.parametrize("mode", po.MODES)
def test_ort_unchanged_length_axis_resampled_when_another_changes(mode):
    # (3, 5), scales (1.3, 2): rows 3 -> floor(3.9) = 3 but scale 1.3, so ORT's
    # nearest/linear/cubic kernels map them through half_pixel_symmetric (offset
    # 1.5 * (1 - 3 / 3.9) = 0.346; row 0 at 0.346 + 0.5 / 1.3 - 0.5 = 0.231, ceil
    # -> 1); with scales (1.3, 1) no length changes and ORT copies the input.
    x = np.arange(15, dtype=np.float32).reshape(3, 5)
    attrs = {"mode": mode, "coordinate_transformation_mode": "half_pixel_symmetric"}
    if mode == "nearest":
        attrs["nearest_mode"] = "ceil"
    got = po.resize(x, scales=[1.3, 2.0], **attrs)
    if mode == "nearest":
        assert got[:, 0].tolist() == [5, 5, 10]
    else:  # rows are blended: not a copy of the input's rows
        assert not np.array_equal(got[:, ::2], x)
    _compare(got, run_ort(x, attrs, scales=[1.3, 2.0]), 15.0, exact=mode == "nearest")
    np.testing.assert_array_equal(po.resize(x, scales=[1.3, 1.0], **attrs), x)
    np.testing.assert_array_equal(run_ort(x, attrs, scales=[1.3, 1.0]), x)


# Which kernel ORT runs decides whether an unchanged-length axis is copied: its
# separable antialias kernel (every antialiased resize, and 4-D channels-last
# cubic) copies it; nearest, linear and NCHW cubic resample it with its scale.
_UNCHANGED_CASES = [
    ((3, 5), (1.3, 2.0)), ((3, 5), (1.3, 0.5)), ((5, 3), (0.5, 1.3)), ((4, 4), (1.2, 0.6)),
    ((1, 1, 3, 5), (1, 1, 1.3, 2.0)), ((1, 1, 3, 5), (1, 1, 1.3, 0.5)),
    ((1, 3, 5, 2), (1, 1.3, 2.0, 1)), ((2, 3, 5), (1, 1.3, 2.0)), ((3, 5, 4), (1.3, 0.5, 1.1)),
]


@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("antialias", [0, 1])
@pytest.mark.parametrize("ctm", ["half_pixel", "asymmetric", "pytorch_half_pixel",
                                 "half_pixel_symmetric", "align_corners"])
def test_ort_unchanged_length_axis_rule(mode, antialias, ctm):
    rng = np.random.default_rng(7)
    attrs = {"mode": mode, "antialias": antialias, "coordinate_transformation_mode": ctm}
    ran = 0
    for shape, scales in _UNCHANGED_CASES:
        x = rng.random(shape, dtype=np.float32)
        try:
            want = run_ort(x, attrs, scales=list(scales))
        except Exception:  # ORT's cubic refuses 3-D input and NHWC downscaling
            continue
        _compare(po.resize(x, scales=list(scales), **attrs), want, 1.0, exact=False)
        ran += 1
    assert ran >= 6


def test_ort_channels_last_cubic_uint8_uses_antialias_kernel():
    # ORT has no 8-bit cubic kernel without antialias except for 4-D channels-last
    # input, which it runs through its antialias kernel (22-bit fixed point): the
    # result is within 1 level of it (see the float32 xfail below), not 11 levels
    # off as a float model truncated like linear would be.
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (2, 6, 5, 3)).astype(np.uint8)
    attrs = {"mode": "cubic", "coordinate_transformation_mode": "align_corners"}
    got = po.resize(x, scales=[1, 1.5, 2.0, 1], **attrs).astype(int)
    want = run_ort(x, attrs, scales=[1, 1.5, 2.0, 1]).astype(int)
    assert np.abs(got - want).max() <= 1


def test_reference_nearest_window_quirk():
    # onnx.reference, 35 -> scale 0.5 (17 outputs), half_pixel_symmetric: the offset
    # 17.5 * (1 - 17 / 17.5) = 0.5 + 2**-52 puts output 0 at x = 1 + 2**-52.  The
    # coefficient (x - floor(x) = 2**-52 <= 0.5) picks the window's left tap, but the
    # window comes from x + 1, which rounds to exactly 2: taps (0, 1) -> pixel 0,
    # where the exact position 1 gives pixel 1 (ORT reads 1).
    x = np.arange(35, dtype=np.float32)[None]
    attrs = {"mode": "nearest", "coordinate_transformation_mode": "half_pixel_symmetric"}
    ref = po.resize(x, scales=[1, 0.5], **attrs, reference=True)
    assert ref[0, :2].tolist() == [0, 3]
    np.testing.assert_array_equal(ref, run_ref(x, attrs, scales=[1, 0.5]))
    got = po.resize(x, scales=[1, 0.5], **attrs)
    assert got[0, :2].tolist() == [1, 3]
    np.testing.assert_array_equal(got, run_ort(x, attrs, scales=[1, 0.5]))


def _attr_grid(mode):
    for excl in (0, 1):
        for aa in (0, 1):
            if mode == "linear" and excl and not aa:
                continue  # ORT refuses exclude_outside=1 for linear without antialias
            for a in ((-0.75, -0.5) if mode == "cubic" else (-0.75,)):
                yield {"mode": mode, "exclude_outside": excl, "antialias": aa,
                       "cubic_coeff_a": a, "extrapolation_value": 7.0}


@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("ctm", CTMS)
def test_linear_cubic_float_matches_ort(mode, ctm):
    rng = np.random.default_rng(len(ctm) + len(mode))
    for attrs in _attr_grid(mode):
        attrs = {**attrs, "coordinate_transformation_mode": ctm}
        for trial in range(3):
            h, w = (int(v) for v in rng.integers(1, 12, 2))
            x, scale = _data(rng, (1, 2, h, w), np.float32)
            io = _io(rng, ctm, trial, x)
            _compare(po.resize(x, **io, **attrs), run_ort(x, attrs, **io), scale, exact=False)


def _uint8_cases(mode, antialias, n, seed):
    rng = np.random.default_rng(seed)
    for trial in range(n):
        h, w = (int(v) for v in rng.integers(2, 12, 2))
        x, _ = _data(rng, (1, 1, h, w), np.uint8)
        attrs = {"mode": mode, "antialias": antialias,
                 "coordinate_transformation_mode": ("half_pixel", "align_corners",
                                                    "asymmetric")[trial % 3]}
        io = _io(rng, "half_pixel", trial, x)
        yield po.resize(x, **io, **attrs), run_ort(x, attrs, **io)


def test_uint8_linear_truncates_like_ort():
    # ORT's own integer arithmetic (float32 corner products, summed in memory order,
    # truncated) is reproduced bit for bit.
    for got, ref in _uint8_cases("linear", 0, 24, 1):
        np.testing.assert_array_equal(got, ref)


def test_integer_linear_float32_corner_products_hand_derived():
    # 2x2 uint8 [[0, 255], [255, 0]] -> 3x3, align_corners: the centre sample has
    # all four float32 weights 0.5 * 0.5 = 0.25, so 0.25 * (0 + 255 + 255 + 0) =
    # 127.5 -> truncated to 127 (rounding would give 128).  Edge midpoints: 127.
    x = np.array([[0, 255], [255, 0]], np.uint8)
    attrs = {"mode": "linear", "coordinate_transformation_mode": "align_corners"}
    got = po.resize(x, sizes=[3, 3], **attrs)
    assert got.tolist() == [[0, 127, 255], [127, 127, 127], [255, 127, 0]]
    np.testing.assert_array_equal(got, run_ort(x, attrs, sizes=[3, 3]))


def _layout_case(rng, layout, dtype):
    sp = [int(v) for v in rng.integers(1, 10, 3)]
    osp = [int(v) for v in rng.integers(1, 13, 3)]
    c, b = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    shape, out = {
        "2d": (sp[:2], osp[:2]), "3d": (sp, osp),
        "nchw": ([b, c, *sp[:2]], [b, c, *osp[:2]]),
        "nhwc": ([b, *sp[:2], c], [b, *osp[:2], c]),
        "5d": ([b, c, *sp], [b, c, *osp])}[layout]
    info = np.iinfo(dtype)
    lo, hi = (info.min, info.max) if dtype != np.int32 else (-10**6, 10**6)
    return rng.integers(lo, hi, shape, endpoint=True).astype(dtype), out


def _layout_io(rng, layout, ctm, trial, rank, out):
    """Sizes (even trials) or scales keeping N, C; a crop box for tf_crop_and_resize."""
    io: dict = {"sizes": out}
    if trial % 2:
        sc = [float(rng.choice([0.3, 0.5, 0.6, 1.0, 1.3, 2.0, 3.0])) for _ in range(rank)]
        keep = {"nchw": (0, 1), "5d": (0, 1), "nhwc": (0, 3)}.get(layout, ())
        io = {"scales": [1.0 if i in keep else v for i, v in enumerate(sc)]}
    if ctm == "tf_crop_and_resize":
        io["roi"] = [float(v) for v in np.r_[rng.uniform(-0.2, 0.5, rank),
                                              rng.uniform(0.5, 1.2, rank)]]
    return io


@pytest.mark.parametrize("layout", ["2d", "3d", "nchw", "nhwc", "5d"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int32])
def test_integer_linear_bit_exact_every_layout(layout, dtype):
    # Bilinear (2-D, NCHW; NHWC 8-bit in 10-bit integer weights) and trilinear
    # (3-D, 5-D) integer kernels, every transform, sizes and scales, crop boxes
    # with an extrapolation value (-3.0 reads 253 in uint8: ORT's cast).
    rng = np.random.default_rng(len(layout) * 10 + np.dtype(dtype).itemsize)
    ran = 0
    for trial in range(28):
        ctm = CTMS[trial % len(CTMS)]
        x, out = _layout_case(rng, layout, dtype)
        attrs = {"mode": "linear", "coordinate_transformation_mode": ctm,
                 "extrapolation_value": (0.0, 7.6, -3.0)[trial % 3]}
        io = _layout_io(rng, layout, ctm, trial, x.ndim, out)
        try:
            got = po.resize(x, **io, **attrs)
        except ValueError as e:  # a scale that empties an axis: refused, ORT returns []
            assert "must be >= 1" in str(e)
            continue
        np.testing.assert_array_equal(got, run_ort(x, attrs, **io),
                                      err_msg=f"{ctm} {x.shape} {io}")
        ran += 1
    assert ran >= 20


def test_ort_integer_extrapolation_value_cast():
    # static_cast<uint8_t>(-3.0f) on x86: -3 as int32, low byte 253; int8 keeps -3.
    for dtype, want in ((np.uint8, 253), (np.int8, -3)):
        x = np.arange(12).reshape(3, 4).astype(dtype)
        for mode in ("nearest", "linear"):
            attrs = {"mode": mode, "coordinate_transformation_mode": "tf_crop_and_resize",
                     "extrapolation_value": -3.0}
            io = {"sizes": [4, 5], "roi": [-0.5, -0.5, 1.5, 1.5]}
            got = po.resize(x, **io, **attrs)
            assert got[0].tolist() == [want] * 5
            np.testing.assert_array_equal(got, run_ort(x, attrs, **io))


@pytest.mark.parametrize("mode", ["linear", "cubic"])
def test_uint8_antialias_fixed_point_like_ort(mode):
    # ORT's own 22-bit weights (float32 filter values, folded edges, float32
    # normalisation, rounded half away from zero), last axis first, clamped between
    # passes: bit-exact.
    for got, ref in _uint8_cases(mode, 1, 16, 2):
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("layout", ["2d", "3d", "nchw", "nhwc", "5d"])
def test_uint8_antialias_bit_exact_every_layout(layout):
    # Every transform (crop boxes with fills), exclude_outside, cubic_coeff_a, sizes
    # and scales; 4-D channels-last cubic also without antialias (the same kernel).
    rng = np.random.default_rng(40 + len(layout))
    ran = 0
    for trial in range(30):
        ctm = CTMS[trial % len(CTMS)]
        mode = "linear" if layout in ("3d", "5d") or trial % 2 else "cubic"
        x, out = _layout_case(rng, layout, np.uint8)
        attrs = {"mode": mode, "antialias": int(layout != "nhwc" or trial % 4 != 0),
                 "coordinate_transformation_mode": ctm, "exclude_outside": trial % 3 == 0,
                 "cubic_coeff_a": (-0.75, -0.5)[trial % 2],
                 "extrapolation_value": (0.0, 7.6, -3.0)[trial % 3]}
        io = _layout_io(rng, layout, ctm, trial, x.ndim, out)
        try:
            want = run_ort(x, attrs, **io)
        except Exception:  # layouts and scale combinations ORT refuses
            continue
        try:
            got = po.resize(x, **io, **attrs)
        except ValueError as e:  # a scale that empties an axis
            assert "must be >= 1" in str(e)
            continue
        np.testing.assert_array_equal(got, want, err_msg=f"{mode} {ctm} {x.shape} {io}")
        ran += 1
    assert ran >= 10


def test_ort_channels_last_antialias_fill_quirk():
    # ORT writes the extrapolation value of a channels-last antialiased resize as
    # if the output were (N*C, H, W).  (1, 4, 4, 2) -> H 8, crop box rows -0.5..1:
    # positions -1.5 + o * 4.5 / 7 put rows 0, 1, 2 outside, so ORT fills "rows"
    # 0..2 of each 8x4 block of the flat output, i.e. flat elements 0..11 and
    # 32..43, which in NHWC are pixels of rows 0-1 and 4-5, both channels.
    x = np.full((1, 4, 4, 2), 10, np.uint8)
    attrs = {"mode": "linear", "antialias": 1, "extrapolation_value": 99.0,
             "coordinate_transformation_mode": "tf_crop_and_resize"}
    io = {"sizes": [1, 8, 4, 2], "roi": [0, -0.5, 0, 0, 1, 1, 1, 1]}
    got = po.resize(x, **io, **attrs)
    np.testing.assert_array_equal(got, run_ort(x, attrs, **io))
    flat = got.reshape(-1)
    filled = np.r_[0:12, 32:44]
    assert (flat[filled] == 99).all() and (np.delete(flat, filled) == 10).all()
    assert (got[0, 2] == 10).all()  # an out-of-box row that keeps its values


def test_uint8_cubic_without_antialias_rounds_like_the_reference():
    # ORT refuses it (tensor type mismatch); the reference rounds half to even.
    x = np.random.default_rng(4).integers(0, 256, (1, 1, 5, 7)).astype(np.uint8)
    attrs = {"mode": "cubic"}
    with pytest.raises(Exception, match="Tensor type mismatch"):
        run_ort(x, attrs, sizes=[1, 1, 9, 4])
    np.testing.assert_array_equal(po.resize(x, sizes=[1, 1, 9, 4], **attrs),
                                  run_ref(x, attrs, sizes=[1, 1, 9, 4]))


@pytest.mark.parametrize("ctm", [c for c in CTMS if c != "tf_half_pixel_for_nn"])
def test_reference_evaluator(ctm):
    rng = np.random.default_rng(7 + len(ctm))
    for mode in po.MODES:
        for trial in range(4):
            h, w = (int(v) for v in rng.integers(1, 10, 2))
            x, scale = _data(rng, (1, 2, h, w), (np.float32, np.uint8)[trial % 2])
            attrs = {"mode": mode, "coordinate_transformation_mode": ctm,
                     "extrapolation_value": 3.0}
            io = _io(rng, ctm, trial, x)
            got = po.resize(x, **io, **attrs, reference=True)
            ref = run_ref(x, attrs, **io)
            if x.dtype == np.uint8 and mode != "nearest":
                # Both round float64 results half to even; a result within float error
                # of a .5 tie can round either way, so allow 1 there.
                assert got.shape == ref.shape
                assert np.max(np.abs(got.astype(int) - ref), initial=0) <= 1
            else:
                _compare(got, ref, scale, exact=mode == "nearest")


def test_ort_and_reference_differences():
    x = np.linspace(0, 30, 4, dtype=np.float32).reshape(1, 4)  # ramp 0, 10, 20, 30
    # align_corners, in 4 * scale 1.7 = 6.8 -> 6 outputs: ORT steps (4-1)/(6-1),
    # the reference (4-1)/(6.8-1).
    attrs = {"mode": "linear", "coordinate_transformation_mode": "align_corners"}
    ort_y = po.resize(x, scales=[1, 1.7], **attrs)
    np.testing.assert_allclose(ort_y.ravel(), [0, 6, 12, 18, 24, 30], atol=1e-5)
    np.testing.assert_allclose(ort_y, run_ort(x, attrs, scales=[1, 1.7]), atol=1e-5)
    ref_y = po.resize(x, scales=[1, 1.7], **attrs, reference=True)
    np.testing.assert_allclose(ref_y.ravel(), np.arange(6) * 30 / 5.8, atol=1e-5)
    np.testing.assert_allclose(ref_y, run_ref(x, attrs, scales=[1, 1.7]), atol=1e-5)
    # pytorch_half_pixel with one output: ORT samples 0, the reference -0.5.
    y = np.random.default_rng(5).random((1, 6), dtype=np.float32)
    attrs = {"mode": "cubic", "coordinate_transformation_mode": "pytorch_half_pixel"}
    a, b = po.resize(y, sizes=[1, 1], **attrs), po.resize(y, sizes=[1, 1], **attrs,
                                                           reference=True)
    np.testing.assert_allclose(a, run_ort(y, attrs, sizes=[1, 1]), atol=1e-6)
    np.testing.assert_allclose(b, run_ref(y, attrs, sizes=[1, 1]), atol=1e-6)
    assert abs(float(a[0, 0]) - float(b[0, 0])) > 1e-3
    # Output size from scales: ORT floor(f32(10 * f32(0.7))) = 7, reference 6.
    z = np.zeros((1, 10), np.float32)
    attrs = {"mode": "nearest"}
    assert po.resize(z, scales=[1, 0.7], **attrs).shape == run_ort(z, attrs, scales=[1, 0.7]).shape
    assert po.resize(z, scales=[1, 0.7], **attrs, reference=True).shape == (1, 6)


def test_t10_round_prefer_ceil_float32_position():
    # USER-NEEDS T10: width 20 -> 6, half_pixel, round_prefer_ceil.  Exact positions
    # 7/6, 9/2, 47/6, 67/6, 29/2, 107/6 give [1, 5, 8, 11, 15, 18].  The reference
    # divides by f32(0.3) = 0.30000001 in float64: 4.5 / 0.30000001 - 0.5 = 14.4999994,
    # pixel 14.  ORT 1.31 divides in float32 too (4.5 / f32(0.3) - 0.5 = 14.499999,
    # 9.5e-7 below 14.5) but counts positions within 1e-6 of a half-integer as ties:
    # pixel 15 (the guide's "14" is the tie-free rounding).
    x = np.arange(20, dtype=np.float32).reshape(1, 20)
    attrs = {"mode": "nearest", "nearest_mode": "round_prefer_ceil"}
    got = po.resize(x, sizes=[1, 6], **attrs)
    assert got.ravel().tolist() == [1, 5, 8, 11, 15, 18]
    np.testing.assert_array_equal(got, run_ort(x, attrs, sizes=[1, 6]))
    ref = po.resize(x, sizes=[1, 6], **attrs, reference=True)
    np.testing.assert_array_equal(ref, run_ref(x, attrs, sizes=[1, 6]))
    ref = po.resize(x, scales=[1, 0.3], **attrs, reference=True)
    assert ref.ravel().tolist() == [1, 4, 8, 11, 14, 18]  # both ties fall below in float64
    np.testing.assert_array_equal(ref, run_ref(x, attrs, scales=[1, 0.3]))


def test_t11_round_prefer_floor():
    # USER-NEEDS T11: arange(9).reshape(3, 3), scale 1.5, half_pixel, round_prefer_floor.
    x = np.arange(9, dtype=np.uint8).reshape(3, 3)
    expected = [[0, 0, 1, 2], [0, 0, 1, 2], [3, 3, 4, 5], [6, 6, 7, 8]]
    assert po.resize(x, scales=[1.5, 1.5]).tolist() == expected
    assert run_ort(x, {"mode": "nearest"}, scales=[1.5, 1.5]).tolist() == expected


def test_t7_half_pixel_symmetric():
    # USER-NEEDS T7: [100, 200], scale 1.3, linear -> floor(2.6) = 2 outputs.  The
    # reference (and the spec) anchor half_pixel at the left edge ([100, 165.38]);
    # half_pixel_symmetric centres it ([111.54, 188.46]).  ORT copies the unchanged axis.
    x = np.array([[100, 200]], np.float32)
    for ctm, expected in (("half_pixel", [100, 165.384615]),
                          ("half_pixel_symmetric", [111.538462, 188.461538])):
        attrs = {"mode": "linear", "coordinate_transformation_mode": ctm}
        got = po.resize(x, scales=[1, 1.3], **attrs, reference=True)
        np.testing.assert_allclose(got.ravel(), expected, atol=1e-4)
        np.testing.assert_allclose(got, run_ref(x, attrs, scales=[1, 1.3]), atol=1e-4)
        np.testing.assert_array_equal(po.resize(x, scales=[1, 1.3], **attrs), x)
        np.testing.assert_array_equal(run_ort(x, attrs, scales=[1, 1.3]), x)


@pytest.mark.parametrize("policy", ["not_larger", "not_smaller"])
def test_keep_aspect_ratio_policy_and_axes(policy):
    x = np.random.default_rng(6).random((1, 4, 6), dtype=np.float32)
    attrs = {"mode": "linear", "keep_aspect_ratio_policy": policy}
    # ORT, sizes for every axis: s = min/max over all axes of sizes/in.
    ref = run_ort(x, attrs, sizes=[1, 3, 7])
    _compare(po.resize(x, sizes=[1, 3, 7], **attrs), ref, 1.0, exact=False)
    # The reference evaluator with axes (ORT 1.31 returned the input unchanged here).
    got = po.resize(x, sizes=[3, 7], axes=[1, 2], **attrs, reference=True)
    _compare(got, run_ref(x, attrs, sizes=[3, 7], axes=[1, 2]), 1.0, exact=False)
    np.testing.assert_array_equal(po.resize(x, sizes=[3, 7], axes=[-2, -1], **attrs,
                                            reference=True), got)
    if policy == "not_larger":
        assert got.shape == (1, 3, 5)  # s = 0.75, 6 * 0.75 = 4.5 rounds half up


def test_bad_inputs():
    x = np.zeros((1, 1, 4, 4), np.float32)
    with pytest.raises(ValueError, match="mode='bilinear' is not valid"):
        po.resize(x, scales=[1, 1, 2, 2], mode="bilinear")
    with pytest.raises(ValueError, match="coordinate_transformation_mode='corners'"):
        po.resize(x, scales=[1, 1, 2, 2], coordinate_transformation_mode="corners")
    with pytest.raises(ValueError, match="nearest_mode='round'"):
        po.resize(x, scales=[1, 1, 2, 2], nearest_mode="round")
    with pytest.raises(ValueError, match="exactly one of scales and sizes"):
        po.resize(x)
    with pytest.raises(ValueError, match="scales has 2 entries; expected 4"):
        po.resize(x, scales=[2, 2])
    with pytest.raises(ValueError, match="needs roi"):
        po.resize(x, scales=[1, 1, 2, 2], coordinate_transformation_mode="tf_crop_and_resize")
    with pytest.raises(ValueError, match="exclude_outside=1 needs mode='cubic'"):
        po.resize(x, scales=[1, 1, 2, 2], mode="linear", exclude_outside=1)
    with pytest.raises(ValueError, match="antialias=2 is not valid"):
        po.resize(x, scales=[1, 1, 2, 2], mode="linear", antialias=2)
    with pytest.raises(ValueError, match=r"onnx\.reference rejects it"):
        po.resize(x, scales=[1, 1, 2, 2], coordinate_transformation_mode="tf_half_pixel_for_nn",
                  reference=True)
    with pytest.raises(ValueError, match=r"axes=.*repeats an axis"):
        po.resize(x, scales=[2, 2], axes=[2, -2])
    with pytest.raises(ValueError, match="keep_aspect_ratio_policy='not_larger' needs sizes"):
        po.resize(x, scales=[1, 1, 2, 2], keep_aspect_ratio_policy="not_larger")


# --- float32 at realistic sizes: every mode x transform x antialias -----------------------
# Thin arrays (2 rows; rows keep scale 1, which ORT reads as x_out itself) of 2000 <-> 5000
# px.  onnxruntime 1.32 computes positions, weights and sums in float32; the declared
# model (compat.onnx: float32 position rules, float32_lerp / float32_keys weights, the
# corner_sum / taps accumulations) reproduces it bit for bit.  Measured before the model:
# up to 8.2e-4 (tf_crop_and_resize cubic), 1.1e-4 (cubic half_pixel).

_BIG_UP = np.random.default_rng(2000).random((2, 2000), dtype=np.float32)
_BIG_DOWN = np.random.default_rng(5000).random((2, 5000), dtype=np.float32)
_BIG_CASES = (
    [dict(mode="nearest", nearest_mode=m) for m in po.NEAREST_MODES]
    + [dict(mode="linear"), dict(mode="cubic"),
       dict(mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1)]
    + [dict(mode="linear", antialias=1), dict(mode="cubic", antialias=1),
       dict(mode="cubic", antialias=1, exclude_outside=1)])


@pytest.mark.parametrize("ctm", CTMS)
@pytest.mark.parametrize("attrs", _BIG_CASES, ids=lambda a: "-".join(map(str, a.values())))
def test_float32_5000px_bit_exact(ctm, attrs):
    attrs = {**attrs, "coordinate_transformation_mode": ctm, "extrapolation_value": -2.0}
    pairs = [(_BIG_DOWN, [1.0, 0.4])] + ([] if attrs.get("antialias") else
                                          [(_BIG_UP, [1.0, 2.5])])
    for x, sc in pairs:
        io = {"scales": sc}
        if ctm == "tf_crop_and_resize":  # a box reaching outside the input on both sides
            io["roi"] = [0.0, -0.03, 1.0, 1.02]
        want = run_ort(x, attrs, **io)
        got = po.resize(x, **io, **attrs)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("ctm", CTMS)
@pytest.mark.parametrize("layout", ["2d", "nchw", "nhwc", "3d", "5d"])
def test_float32_linear_and_antialias_bit_exact_every_layout(ctm, layout):
    """ORT's non-separable bilinear/trilinear corner sums, and its separable antialias."""
    rng = np.random.default_rng(hash((ctm, layout)) % 2**32)
    shape, sc = {"2d": ((37, 53), [2.7, 0.55]), "nchw": ((2, 3, 37, 53), [1, 1, 0.7, 1.9]),
                 "nhwc": ((2, 37, 53, 3), [1, 0.7, 1.9, 1]),
                 "3d": ((9, 11, 13), [1.6, 0.7, 2.2]),
                 "5d": ((1, 2, 9, 11, 13), [1, 1, 1.6, 0.7, 2.2])}[layout]
    x = rng.random(shape, dtype=np.float32)
    io = {"scales": sc}
    if ctm == "tf_crop_and_resize":
        io["roi"] = [0 if s == 1 else 0.1 for s in sc] + [1 if s == 1 else 0.95 for s in sc]
    for extra in ({}, {"antialias": 1}):
        if extra and layout in ("3d", "5d"):
            continue
        attrs = dict(mode="linear", coordinate_transformation_mode=ctm,
                     extrapolation_value=-3.0, **extra)
        np.testing.assert_array_equal(po.resize(x, **io, **attrs), run_ort(x, attrs, **io))


@pytest.mark.parametrize("ctm", CTMS)
def test_float32_cubic_2d(ctm):
    """2-D cubic: bit-exact, except exclude_outside=1 with both axes resized.

    There ORT divides each vertical product by the coefficient sum,
    ``(h * c) / sum``, where the plans hold ``c / sum``: one or two float32 ulps
    (measured 1.8e-7 on 37 x 53 -> 100 x 29).
    """
    rng = np.random.default_rng(len(ctm))
    x = rng.random((37, 53), dtype=np.float32)
    io = {"scales": [2.7, 0.55]}
    if ctm == "tf_crop_and_resize":
        io["roi"] = [0.1, 0.1, 0.95, 0.95]
    for a, excl in [(-0.75, 0), (-0.5, 1)]:
        attrs = dict(mode="cubic", coordinate_transformation_mode=ctm, cubic_coeff_a=a,
                     exclude_outside=excl, extrapolation_value=-3.0)
        got, want = po.resize(x, **io, **attrs), run_ort(x, attrs, **io)
        if excl:
            np.testing.assert_allclose(got, want, rtol=0, atol=4e-7)
        else:
            np.testing.assert_array_equal(got, want)


# --- findings of the differential fuzz (each against real onnxruntime) ---------------------


@pytest.mark.parametrize("mode", ["linear", "cubic"])
def test_int8_antialias_clamps_to_0_255_and_wraps(mode):
    # ORT stores every pass through its uint8 clip table ([0, 255]) and casts to int8:
    # negative results become 0, results of 128..255 wrap to -128..-1 (ORT's bug).
    x = np.random.default_rng(8).integers(-128, 128, (5, 37)).astype(np.int8)
    attrs = dict(mode=mode, antialias=1)
    want = run_ort(x, attrs, scales=[0.7, 0.45])
    np.testing.assert_array_equal(po.resize(x, scales=[0.7, 0.45], **attrs), want)
    edge = np.array([[-100, -50, 120, 127, 127, 0, -128, 127, 127, 127, -128, -128]], np.int8)
    got = po.resize(edge, scales=[1.0, 0.7], **attrs)
    np.testing.assert_array_equal(got, run_ort(edge, attrs, scales=[1.0, 0.7]))
    # cubic overshoots 127 next to the -128 -> 127 step and wraps (ORT: -108 and -128)
    assert (got < 0).any() == (mode == "cubic")


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint8])
def test_channels_last_cubic_integers_like_ort(dtype):
    # 4-D channels-last cubic runs ORT's antialias kernel: 8-bit clamps to [0, 255]
    # (int8 wraps), int32 rounds half away from zero after each pass (was truncated:
    # up to 54 levels off).
    rng = np.random.default_rng(4)
    lo, hi = (-128, 128) if dtype == np.int8 else (0, 256) if dtype == np.uint8 else (-1000,
                                                                                      1000)
    x = rng.integers(lo, hi, (1, 6, 7, 3)).astype(dtype)
    attrs = dict(mode="cubic")
    want = run_ort(x, attrs, scales=[1, 1.7, 2.3, 1])
    np.testing.assert_array_equal(po.resize(x, scales=[1, 1.7, 2.3, 1], **attrs), want)


@pytest.mark.parametrize("mode", ["linear", "cubic"])
def test_int32_antialias_rounds_each_pass(mode):
    x = np.random.default_rng(32).integers(-1000, 1000, (3, 40)).astype(np.int32)
    attrs = dict(mode=mode, antialias=1)
    want = run_ort(x, attrs, scales=[0.7, 0.45])
    np.testing.assert_array_equal(po.resize(x, scales=[0.7, 0.45], **attrs), want)


def test_crop_extrapolation_decided_at_the_float32_position():
    # 14 -> 4, box [0.014450492, 1]: the exact last position is 13 (inside), ORT's
    # float32 one 13.00000095 (outside): ORT writes the extrapolation value there.
    lo = float(np.float32(0.014450492337346077))
    x = np.random.default_rng(14).random((2, 14), dtype=np.float32)
    for mode in po.MODES:
        attrs = dict(mode=mode, coordinate_transformation_mode="tf_crop_and_resize",
                     extrapolation_value=-7.0)
        io = {"sizes": [2, 4], "roi": [0, lo, 1, 1.0]}
        want = run_ort(x, attrs, **io)
        assert np.all(want[:, -1] == -7.0)
        np.testing.assert_array_equal(po.resize(x, **io, **attrs), want)


@pytest.mark.parametrize("policy", ["not_larger", "not_smaller"])
def test_negative_axes_with_keep_aspect_policy_return_the_input(policy):
    # onnxruntime 1.32 returns X unchanged here (its bug, reproduced); axes [2, 3]
    # resize as usual (onnx.reference raises with negative axes and a policy).
    x = np.random.default_rng(6).random((1, 1, 6, 8), dtype=np.float32)
    attrs = dict(mode="linear", keep_aspect_ratio_policy=policy)
    want = run_ort(x, attrs, sizes=[9, 13], axes=[-2, -1])
    assert want.shape == x.shape
    np.testing.assert_array_equal(po.resize(x, sizes=[9, 13], axes=[-2, -1], **attrs), want)
    got = po.resize(x, sizes=[9, 13], axes=[2, 3], **attrs)
    np.testing.assert_array_equal(got, run_ort(x, attrs, sizes=[9, 13], axes=[2, 3]))


@pytest.mark.parametrize("roi", [[0, -0.4, 1, 1.0], [0, 0.0, 1, 1.4], [0, -0.03, 1, 1.02]])
def test_uint8_cubic_antialias_crop_box_outside_the_input(roi):
    # Windows wholly outside the input (box from -0.4) raised IndexError; ORT reads no
    # tap there and writes the extrapolation value.
    x = np.random.default_rng(3).integers(0, 256, (4, 300)).astype(np.uint8)
    attrs = dict(mode="cubic", antialias=1, coordinate_transformation_mode="tf_crop_and_resize",
                 extrapolation_value=9.0)
    want = run_ort(x, attrs, scales=[1, 0.3], roi=roi)
    np.testing.assert_array_equal(po.resize(x, scales=[1, 0.3], roi=roi, **attrs), want)


def test_antialias_is_a_declared_model():
    """ORT's antialias table is plan data (window/weights "float32_pillow"), not compat code.

    Hand derivation, linear, 4 -> 2 (scale 0.5, half_pixel): positions 0.5 and 2.5,
    centres 1 and 3, support 2, distances (j - c + 1/2) / 2 = -0.75, -0.25, 0.25, 0.75
    for j = c - 2 .. c + 1: triangle 0.25, 0.75, 0.75, 0.25, sum 2.  Row 0 reads
    j = -1, folded into pixel 0 (0.75 + 0.25 = 1); row 1 reads j = 4, folded into
    pixel 3; times f32(1 / 2): [0.5, 0.375, 0.125, 0] and [0, 0.125, 0.375, 0.5].
    """
    from pixelgrid._arithmetic import Arithmetic

    [(_, p)] = po.onnx_plans((1, 4), scales=[1, 0.5], mode="linear", antialias=1)
    a = p.arithmetic
    assert (a.window, a.weights, a.reciprocal, a.accumulate) == (
        "float32_pillow", "float32_pillow", True, "taps")
    dense = np.zeros((2, 4))
    np.add.at(dense, (np.repeat([0, 1], p.taps), p.index.ravel()), p.weight.ravel())
    assert dense.tolist() == [[0.5, 0.375, 0.125, 0.0], [0.0, 0.125, 0.375, 0.5]]
    x = np.array([[0, 8, 16, 64]], np.float32)
    got = po.resize(x, scales=[1, 0.5], mode="linear", antialias=1)
    assert got.tolist() == [[5.0, 39.0]]  # 0.5*0 + 0.375*8 + 0.125*16; 1 + 6 + 32
    np.testing.assert_array_equal(got, run_ort(x, {"mode": "linear", "antialias": 1},
                                                scales=[1, 0.5]))
    # integer data: the same plan with ORT's integer arithmetic declared on it
    p8 = po._ort_aa_for_dtype(p, np.dtype(np.int8))
    assert p8.fixed is not None and p8.fixed.bits == 22
    assert (p8.arithmetic.store, p8.arithmetic.accumulate) == ("clip8_wrap", "float64_per_axis")
    assert po._ort_aa_for_dtype(p, np.dtype(np.int32)).arithmetic.accumulate == "taps_per_axis"
    with pytest.raises(ValueError, match="store"):
        Arithmetic(store="clip8")
    with pytest.raises(ValueError, match="window"):
        Arithmetic(window="pillow32")


@pytest.mark.parametrize("n_in, n_out", [(5000, 2000), (2000, 5000)])
def test_antialias_crop_extrapolation_at_realistic_sizes(n_in, n_out):
    # The antialias kernel tests [0, n - 1] at f32(f32(x + 0.5) - 0.5)
    # (_plan.outside_valid under window="float32_pillow"); a box reaching past both
    # edges puts thousands of positions outside, some within an ulp of the edges.
    x = np.random.default_rng(n_in).random((2, n_in), dtype=np.float32)
    for mode in ("linear", "cubic"):
        attrs = dict(mode=mode, antialias=1, coordinate_transformation_mode="tf_crop_and_resize",
                     extrapolation_value=-5.0)
        io = {"sizes": [2, n_out], "roi": [0, -0.05, 1, 1.07]}
        want = run_ort(x, attrs, **io)
        assert np.sum(want == -5.0) > 100
        np.testing.assert_array_equal(po.resize(x, **io, **attrs), want)


@pytest.mark.parametrize("ctm", ["pytorch_half_pixel", "half_pixel"])
def test_uint8_linear_nchw_small_sizes_bit_exact(ctm):
    # Issue 14: NCHW uint8 linear at 2-200 px (e.g. (1, 3, 55, 66) -> [1, 3, 44, 53]),
    # outputs of 1 px included (pytorch_half_pixel's position 0): bit-exact (measured:
    # 150 + 60 random calls, 0 differ).
    rng = np.random.default_rng([14, len(ctm)])
    attrs = {"mode": "linear", "coordinate_transformation_mode": ctm}
    shapes = [((1, 3, 55, 66), [1, 3, 44, 53]), ((1, 1, 7, 5), [1, 1, 1, 9])]
    for _ in range(30):
        c = int(rng.choice([1, 3, 4]))
        h, w = (int(v) for v in rng.integers(2, 201, 2))
        shapes.append(((1, c, h, w), [1, c, *(int(v) for v in rng.integers(1, 201, 2))]))
    for shape, sizes in shapes:
        x = rng.integers(0, 256, shape, dtype=np.uint8)
        sz = np.asarray(sizes, np.int64)
        np.testing.assert_array_equal(po.resize(x, sizes=sz, **attrs),
                                      run_ort(x, attrs, sizes=sz), err_msg=str((shape, sizes)))


def test_uint8_linear_pytorch_half_pixel_2000_px_bit_exact():
    rng = np.random.default_rng(5)
    attrs = {"mode": "linear", "coordinate_transformation_mode": "pytorch_half_pixel"}
    for shape, sizes in (((1, 3, 2, 2000), [1, 3, 3, 5003]), ((1, 1, 3, 5000), [1, 1, 2, 2011])):
        x = rng.integers(0, 256, shape, dtype=np.uint8)
        sz = np.asarray(sizes, np.int64)
        np.testing.assert_array_equal(po.resize(x, sizes=sz, **attrs),
                                      run_ort(x, attrs, sizes=sz))
