"""explain(): its text and numbers come from the plans; figures; the like= registry."""

from __future__ import annotations

import re
import sys
from fractions import Fraction

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import pixelgrid
from pixelgrid import make_plans
from pixelgrid._explain import (
    LIKE,
    explain,
    like_plans,
    plot_grids_side_by_side,
    register_like,
)

CASES = [
    ((4,), (8,), {"align_corners": True}),
    ((4,), (8,), {"align_corners": False}),
    ((40,), (13,), {"kernel": "cubic"}),
    ((5, 7), (3, 11), {"kernel": "lanczos3", "boundary": "reflect"}),
    ((9,), (4,), {"kernel": "nearest", "antialias": False}),
    ((6,), (6,), {"kernel": "linear", "grid": "asymmetric"}),
]


def _table(text: str, axis: int) -> list[tuple[int, float, list[tuple[int, float]]]]:
    """Parse the printed table of one axis back into numbers."""
    block = text.split(f"axis {axis}: ")[1].split("\naxis ")[0]
    rows = []
    for line in block.splitlines():
        m = re.match(r"\s+(\d+)\s+(\S+)\s{3}(.*)$", line)
        if m and ":" in m.group(3):
            taps = [(int(j), float(w)) for j, w in re.findall(r"(\d+): ([-0-9.e+]+)",
                                                              m.group(3))]
            rows.append((int(m.group(1)), float(m.group(2)), taps))
    return rows


@pytest.mark.parametrize(("shape", "size", "opts"), CASES)
def test_numbers_are_the_plans(shape, size, opts):
    e = explain(shape, size, **opts)
    plans = make_plans(shape, size, **opts)
    assert [ax for ax, _ in e.plans] == [ax for ax, _ in plans]
    text = str(e)
    for (ax, p), (_, q) in zip(e.plans, plans, strict=True):
        np.testing.assert_array_equal(p.coord, q.coord)
        rows = e.rows(ax)
        assert [r.coord for r in rows] == q.coord.tolist()
        for r in rows:
            want = [(int(j), float(w)) for j, w in zip(q.index[r.out], q.weight[r.out],
                                                        strict=True) if w != 0]
            assert list(r.taps) == want
        aff = q.info["affine"]
        assert e.affine(ax) == aff
        assert aff.describe() in text
        assert f"exact: a = {aff.a}, b = {aff.offset}" in text
        # the printed table (6 significant digits) is the plan's numbers
        printed = _table(text, ax)
        assert printed, text
        for o, c, taps in printed:
            assert c == pytest.approx(q.coord[o], rel=1e-5, abs=1e-6)
            for j, w in taps:
                k = list(q.index[o]).index(j)
                assert w == pytest.approx(q.weight[o, k], rel=1e-5, abs=1e-6)


def test_forum_coordinates_by_hand():
    # Forum thread: [0, 1] -> 4 samples.  align_corners=False: x = (o + 0.5) / 2 - 0.5
    # -> [-0.25, 0.25, 0.75, 1.25]; True: x = o * (2 - 1) / (4 - 1) -> [0, 1/3, 2/3, 1].
    e = explain(2, 4, align_corners=False)
    assert [r.coord for r in e.rows()] == [-0.25, 0.25, 0.75, 1.25]
    assert e.affine().a == Fraction(1, 2) and e.affine().offset == Fraction(-1, 4)
    e = explain(2, 4, align_corners=True)
    assert e.affine().a == Fraction(1, 3) and e.affine().offset == 0
    assert "x_in = 1/3 (~0.333333) * x_out + 0" in str(e)


def test_long_table_is_truncated():
    e = explain(200, 50, kernel="linear")
    text = str(e)
    assert "row(s) not shown" in text
    assert len(_table(text, 0)) == e.max_rows


def test_size_rule_from_scale():
    e = explain(88, scale=120 / 88, antialias=False)
    assert "floor(88 * " in str(e) and e.out_shape == (120,)


def test_like_torch_matches_torch_plans_and_torch():
    torch = pytest.importorskip("torch")
    e = explain((4, 4), (8, 8), like="torch", mode="bilinear", align_corners=True)
    # 3/7 input pixels per output pixel; the plan holds it as torch does: f32(3/7) where
    # torch computes positions in float32
    assert np.float32(float(e.affine(0).a)) == np.float32(3 / 7)
    assert "boundary        clamp" in str(e)
    # the explained matrices, applied by hand, give what torch gives
    x = np.random.default_rng(0).random((4, 4))
    my = e.plan(0).matrix() @ x @ e.plan(1).matrix().T
    ref = torch.nn.functional.interpolate(torch.from_numpy(x)[None, None], size=(8, 8),
                                          mode="bilinear", align_corners=True)[0, 0].numpy()
    np.testing.assert_allclose(my, ref, atol=2e-6)  # float32 positions vs torch's float64


def test_like_registry():
    register_like("double", lambda shape, size=None, **kw: make_plans(shape, size, **kw))
    try:
        e = explain((3,), (6,), like="double", antialias=False)
        assert e.out_shape == (6,)
        assert like_plans("double", (3,), (6,))[0][1].out_size == 6
    finally:
        del LIKE["double"]


@pytest.mark.parametrize(("kwargs", "err", "match"), [
    ({"like": "nosuchlib"}, ValueError, r"like='nosuchlib' is not valid; expected one of"),
    ({"like": 3}, TypeError, r"like=3 must be a library name"),
    ({"kernel": "bogus"}, ValueError, r"kernel='bogus' is not valid"),
])
def test_bad_input(kwargs, err, match):
    with pytest.raises(err, match=match):
        explain(4, 8, **kwargs)


def test_bad_shape_and_axis():
    with pytest.raises(TypeError, match=r"shape=-3 must be a positive integer"):
        explain(-3, 4)
    with pytest.raises(ValueError, match=r"axis=5 is not resampled"):
        explain((4, 4), (8, 8)).plan(5)


def _pixels(path):
    from matplotlib.image import imread

    return imread(str(path))


def test_figures_written_and_differ(tmp_path):
    t = explain((4, 4), (8, 8), align_corners=True)
    f = explain((4, 4), (8, 8), align_corners=False)
    paths = {}
    for name, e in (("true", t), ("false", f)):
        for kind in ("grids", "sampling", "matrix"):
            p = tmp_path / f"{kind}_{name}.png"
            getattr(e, f"plot_{kind}")(p)
            assert p.stat().st_size > 1000
            paths[kind, name] = p
    for kind in ("grids", "sampling", "matrix"):
        a, b = _pixels(paths[kind, "true"]), _pixels(paths[kind, "false"])
        assert a.shape != b.shape or np.any(a != b), kind
    side = tmp_path / "side.png"
    plot_grids_side_by_side([f, t], side, titles=["False", "True"])
    assert side.stat().st_size > 1000
    explain(4, 8, align_corners=True).plot_grids(tmp_path / "one_d.png")
    assert (tmp_path / "one_d.png").exists()


def test_plot_errors(tmp_path):
    e = explain(10, 4)
    with pytest.raises(ValueError, match=r"outputs=\[9\]: index 9 is outside 0..3"):
        e.plot_sampling(outputs=[9])
    with pytest.raises(ValueError, match="explanations is empty"):
        plot_grids_side_by_side([])


def test_missing_matplotlib_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'pixelgrid\[plot\]'"):
        explain(4, 8).plot_grids()


# -- every library: like_plans == the real library, and explain prints those plans ----------
#
# Each case: (like name, spatial shape, output size, library keywords).  ``_real`` runs the
# real library on the probe; the plans, applied by the reference engine in float64, must
# give its output (float32 libraries: within 1e-5 of the [0, 1) probe range).

def _real(like, x, size, kw):
    """The real library's float output for ``x`` (float64, or float32 where it computes so)."""
    h, w = size if len(size) == 2 else (None, None)
    if like == "torch":
        torch = pytest.importorskip("torch")
        t = torch.from_numpy(x)[None, None]
        return torch.nn.functional.interpolate(t, size=size, **kw)[0, 0].numpy()
    if like == "opencv":
        cv2 = pytest.importorskip("cv2")
        flag = kw.get("interpolation", "INTER_LINEAR")
        flag = getattr(cv2, flag) if isinstance(flag, str) else flag
        return cv2.resize(x, (w, h), interpolation=flag)
    if like == "pillow":
        image = pytest.importorskip("PIL.Image")
        r = getattr(image.Resampling, kw.get("resample", "BICUBIC"))
        img = image.fromarray(x.astype(np.float32), mode="F")
        return np.asarray(img.resize((w, h), r, box=kw.get("box"),
                                     reducing_gap=kw.get("reducing_gap")))
    if like == "tensorflow":
        tf = pytest.importorskip("tensorflow")
        return tf.image.resize(x[None, :, :, None].astype(np.float32), size,
                               **kw).numpy()[0, :, :, 0]
    if like == "tensorflow.v1":
        tf = pytest.importorskip("tensorflow")
        op = kw["op"]
        fn = getattr(tf.compat.v1.image,
                     "resize_nearest_neighbor" if op == "nearest" else f"resize_{op}")
        rest = {k: v for k, v in kw.items() if k != "op"}
        return fn(x[None, :, :, None].astype(np.float32), size, **rest).numpy()[0, :, :, 0]
    if like == "jax":
        jax = pytest.importorskip("jax")
        return np.asarray(jax.image.resize(x.astype(np.float32), size, kw["method"],
                                           antialias=kw.get("antialias", True)))
    if like == "onnx":
        return _run_onnxruntime(x.astype(np.float32), size, kw)
    if like == "scipy":
        ndi = pytest.importorskip("scipy.ndimage")
        zoom = [o / n for o, n in zip(size, x.shape, strict=True)]
        return ndi.zoom(x, zoom, **kw)
    if like == "skimage":
        transform = pytest.importorskip("skimage.transform")
        return transform.resize(x, size, **kw)
    if like == "matlab":
        # MATLAB is not available: resize-right with pad_mode='symmetric' implements
        # MATLAB's published imresize algorithm (cross-checked in test_compat_matlab).
        rr = pytest.importorskip("resize_right")
        im = pytest.importorskip("resize_right.interp_methods")
        kernel = {"bicubic": im.cubic, "bilinear": im.linear, "lanczos2": im.lanczos2,
                  "lanczos3": im.lanczos3, "box": im.box}[kw.get("method", "bicubic")]
        return rr.resize(x, out_shape=size, interp_method=kernel, pad_mode="symmetric",
                         antialiasing=kw.get("antialiasing", True))
    raise AssertionError(like)


def _run_onnxruntime(x, size, attrs):
    ort = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    sizes = numpy_helper.from_array(np.asarray(size, np.int64), "sizes")
    node = helper.make_node("Resize", ["X", "", "", "sizes"], ["Y"], **attrs)
    graph = helper.make_graph(
        [node], "resize", [helper.make_tensor_value_info("X", TensorProto.FLOAT, x.shape)],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], initializer=[sizes])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    del onnx
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])
    return sess.run(None, {"X": x})[0]


LIBRARY_CASES = [
    ("torch", (7, 9), (12, 5), {"mode": "bicubic", "align_corners": False}),
    ("torch", (16, 20), (5, 7), {"mode": "bilinear", "antialias": True}),
    ("opencv", (7, 9), (12, 5), {"interpolation": "INTER_CUBIC"}),
    ("opencv", (12, 10), (5, 4), {"interpolation": "INTER_AREA"}),
    ("opencv", (8, 8), (4, 4), {"interpolation": "INTER_LINEAR"}),  # 2x: runs INTER_AREA
    ("opencv", (5, 6), (11, 13), {"interpolation": "INTER_NEAREST"}),
    ("opencv", (6, 7), (13, 9), {"interpolation": "INTER_LANCZOS4"}),
    ("pillow", (16, 20), (5, 7), {"resample": "BILINEAR"}),
    ("pillow", (9, 11), (14, 6), {"resample": "LANCZOS", "box": (1.5, 0.25, 9.0, 8.5)}),
    ("pillow", (40, 36), (7, 5), {"resample": "BICUBIC", "reducing_gap": 2.0}),
    ("tensorflow", (16, 20), (5, 7), {"method": "lanczos3", "antialias": True}),
    ("tensorflow.v1", (7, 9), (12, 5), {"op": "bicubic", "align_corners": False}),
    ("tensorflow.v1", (7, 9), (12, 5), {"op": "bilinear", "align_corners": True}),
    ("tensorflow.v1", (12, 9), (5, 4), {"op": "area"}),
    ("jax", (16, 20), (5, 7), {"method": "cubic", "antialias": True}),
    ("onnx", (7, 9), (12, 5), {"mode": "cubic", "coordinate_transformation_mode":
                               "pytorch_half_pixel", "cubic_coeff_a": -0.5,
                               "exclude_outside": 1}),
    ("onnx", (16, 20), (5, 7), {"mode": "linear", "antialias": 1}),
    ("scipy", (7, 9), (12, 5), {"order": 3, "mode": "mirror"}),
    ("scipy", (7, 9), (12, 5), {"order": 2, "mode": "grid-constant", "grid_mode": True}),
    ("skimage", (16, 20), (5, 7), {"order": 1}),  # Gaussian anti-aliasing, then the zoom
    ("skimage", (7, 9), (12, 5), {"order": 3, "mode": "edge", "clip": False}),
    ("matlab", (12, 10), (6, 5), {"method": "bicubic"}),
    ("matlab", (9, 7), (27, 14), {"method": "lanczos3"}),
]
# libraries that compute in float32: compare within 1e-5 of the probe's [0, 1) range
FLOAT32_LIBS = {"opencv", "pillow", "tensorflow", "tensorflow.v1", "jax", "onnx", "torch"}



@pytest.mark.parametrize(("like", "shape", "size", "kw"), LIBRARY_CASES)
def test_like_plans_equal_the_real_library(like, shape, size, kw):
    x = np.random.default_rng(7).random(shape)
    want = _real(like, x, size, kw)
    plans = like_plans(like, shape, size, **kw)
    from pixelgrid._engines.reference import apply_plans

    probe = x.astype(np.float32).astype(np.float64) if like in FLOAT32_LIBS else x
    got = apply_plans(probe, plans)
    assert got.shape == tuple(size)
    # matlab via resize-right: its lanczos uses float32 eps (test_compat_matlab)
    atol = 1e-5 if like in FLOAT32_LIBS or kw.get("method") == "lanczos3" else 1e-12
    np.testing.assert_allclose(got, np.asarray(want, dtype=np.float64), rtol=0, atol=atol)


@pytest.mark.parametrize(("like", "shape", "size", "kw"), LIBRARY_CASES)
def test_explain_like_prints_the_plans(like, shape, size, kw):
    e = explain(shape, size, like=like, **kw)
    plans = like_plans(like, shape, size, **kw)
    assert [ax for ax, _ in e.plans] == [ax for ax, _ in plans]
    assert e.out_shape == tuple(size)
    text = str(e)
    for ax, q in plans:
        rows = e.rows(ax)
        assert [r.coord for r in rows] == q.coord.tolist()
        for r in rows:
            assert list(r.taps) == [(int(j), float(w)) for j, w in
                                    zip(q.index[r.out], q.weight[r.out], strict=True) if w != 0]
        for o, c, taps in _table(text, ax):
            assert c == pytest.approx(q.coord[o], rel=1e-5, abs=1e-6)
            want = [(int(j), float(w)) for j, w in zip(q.index[o], q.weight[o], strict=True)
                    if w != 0][:8]
            assert [j for j, _ in taps] == [j for j, _ in want]
            for (_, w), (_, v) in zip(taps, want, strict=True):
                assert w == pytest.approx(v, rel=1e-5, abs=1e-6)
    if like in ("opencv", "pillow", "onnx", "matlab") and (
            like != "opencv" or kw["interpolation"] != "INTER_NEAREST"):
        # the library's integer arithmetic is named, not folded into the float weights
        assert "integer model" in text
    if like in ("torch", "tensorflow", "tensorflow.v1", "jax", "scipy", "skimage"):
        assert "integer model" not in text


def test_opencv_two_times_linear_is_area_quirk_printed():
    # OpenCV runs INTER_AREA for INTER_LINEAR with an exact 2x downscale on both axes
    # (checked against cv2 in test_like_plans_equal_the_real_library).
    text = str(explain((8, 8), (4, 4), like="opencv", interpolation="INTER_LINEAR"))
    assert "INTER_LINEAR with an exact 2x downscale runs INTER_AREA" in text
    assert "kernel          area" in text


def test_skimage_clip_is_named():
    text = str(explain((7, 9), (12, 5), like="skimage", order=3))
    assert "clip=True: the result is clipped" in text
    assert "clip=True" not in str(explain((7, 9), (12, 5), like="skimage", order=3,
                                          clip=False))


def test_like_aliases_and_v1_names():
    a = like_plans("tf.v1", (4, 4), (8, 8), op="resize_nearest_neighbor")
    b = like_plans("tensorflow.v1", (4, 4), (8, 8), op="nearest")
    assert [p.index.tolist() for _, p in a] == [p.index.tolist() for _, p in b]
    c = like_plans("cv2", (4, 4), (8, 8), interpolation=2)
    d = like_plans("opencv", (4, 4), dsize=(8, 8), interpolation="cubic")
    assert [p.weight.tolist() for _, p in c] == [p.weight.tolist() for _, p in d]


@pytest.mark.parametrize(("like", "kwargs", "err", "match"), [
    ("opencv", {"interpolation": "INTER_FOO"}, ValueError,
     r"interpolation='INTER_FOO' is not valid; expected one of"),
    ("opencv", {"dsize": (8, 8)}, ValueError, r"give size=.* or dsize=.*not both"),
    ("pillow", {"resample": "SHARP"}, ValueError, r"resample='SHARP' is not a Pillow filter"),
    ("pillow", {"reducing_gap": 0.5}, ValueError, r"reducing_gap=0.5 must be 1.0 or greater"),
    ("tensorflow.v1", {"op": "lanczos"}, ValueError, r"op='lanczos' is not valid"),
    ("tensorflow.v1", {"op": "area", "half_pixel_centers": True}, ValueError,
     r"resize_area has no half_pixel_centers"),
    ("onnx", {"sizes": [8, 8]}, ValueError, r"give size=.* or sizes=.*not both"),
    ("scipy", {"zoom": 2}, ValueError, r"give size=.* or zoom=.*not both"),
    ("skimage", {"mode": "bogus"}, ValueError, r"mode='bogus' is not valid"),
    ("matlab", {"scale": 2}, TypeError, r"give size=\[rows, cols\] or scale="),
])
def test_like_bad_input(like, kwargs, err, match):
    with pytest.raises(err, match=match):
        explain((4, 4), (8, 8), like=like, **kwargs)


def test_like_needs_two_dimensions():
    for like in ("opencv", "pillow", "tensorflow.v1"):
        with pytest.raises(ValueError, match=r"2-D images; got spatial shape \(4,\)"):
            like_plans(like, (4,), (8,))


# -- the arithmetic model, read from the plans -----------------------------------------------

def test_explain_prints_pixelgrid_own_arithmetic():
    text = str(explain(4, 8, kernel="linear", antialias=False))
    assert "arithmetic      float32: positions exact; weights float64, normalised" in text
    # 8-bit data: the most bits whose weights fit int16 with room for the exact-sum fix-up:
    # the largest weight is 1 (output 0 at x = -0.25 reads pixel 0 only), and
    # floor(2**b + 0.5) + 2 taps < 2**15 holds up to b = 14; the int32 accumulator
    # (255 * 2**14 + 2**14 < 2**31) does not limit it.  Rows sum exactly to 2**14, the
    # shift rounds half up ((acc + 2**13) >> 14).  One pass: no intermediate.
    assert "uint8: 14-bit weights, rows summing exactly to 2**14; store round half up" in text


def test_explain_own_integer_lines_are_the_plans_the_engines_run():
    # two weighted passes: pixelgrid's own model keeps a wide intermediate; each axis's
    # line states the bits of the fixed-point plan run_plans attaches (own_fixed)
    from pixelgrid._arrays import own_fixed

    for shape, size in (((4, 6), (8, 3)), ((5, 5), (9, 9))):
        e = explain(shape, size, kernel="cubic")
        ran = dict(own_fixed(e.plans, np.dtype(np.uint8)))
        for ax, _ in e.plans:
            line = e.arithmetic(ax, "uint8")
            fp = ran[ax].fixed
            assert line.startswith(f"uint8: {fp.bits}-bit weights"), line
            assert ("intermediate wide" in line) == (ran[ax].arithmetic.intermediate == "wide")
            # the line is also what pixelgrid.resize computes with: same bits, same result
            x = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
            from pixelgrid._engines.reference import apply_plans
            np.testing.assert_array_equal(apply_plans(x, list(ran.items())),
                                          pixelgrid.resize(x, size, kernel="cubic"))


def test_explain_arithmetic_bits_follow_the_weights():
    # 6 -> 3 antialiased linear: output 0 sits at x = 0.5 with the triangle stretched x2,
    # taps -1..2 at distances 1.5, 0.5, 0.5, 1.5 -> 0.25, 0.75, 0.75, 0.25; pixel -1 is
    # dropped and the rest renormalised: 3/7, 3/7, 1/7.  floor(3/7 * 2**b + 0.5) + taps
    # < 2**15 holds up to b = 16 (2**17 * 3/7 = 56173 is too big).
    e = explain(6, 3, kernel="linear", antialias=True)
    assert e.arithmetic(dtype="uint8").startswith("uint8: 16-bit weights")
    # 16-bit data: 30 bits (65535 * 1 * 2**30 + 2**30 < 2**62, the int64 accumulator)
    assert e.arithmetic(dtype="uint16").startswith("uint16: 30-bit weights")
    assert e.arithmetic(dtype="float64") == (
        "float64: positions exact; weights float64, normalised")


def test_explain_integer_lines_say_what_is_not_declared(monkeypatch):
    # a library plan with the default record and no fixed-point weights declares no integer
    # model; pixelgrid's own int32 path computes in float64 and rounds once (half to even)
    monkeypatch.setitem(LIKE, "plain_lib", lambda shape, size=None, **kw: [
        (0, pixelgrid.plan(shape[0], size))])
    assert explain(4, 8, like="plain_lib").arithmetic(dtype="uint8") == (
        "uint8: no integer arithmetic declared on the plans")
    assert explain(4, 8).arithmetic(dtype="int32") == (
        "int32: computed in float64 over every axis, stored once, round half even")


def test_explain_dtype_option_and_nearest():
    e = explain(4, 8, kernel="nearest", dtype="uint16")
    text = str(e)
    assert "uint16: copies of input pixels (no arithmetic)" in text
    assert "float32:" not in text
    with pytest.raises(TypeError, match="dtype="):
        explain(4, 8, dtype="bool")
    with pytest.raises(TypeError, match="dtype="):
        explain(4, 8, dtype="not a dtype")


def test_explain_like_shows_the_library_model(monkeypatch):
    # A library declaring float32 positions (one fused multiply-add), float32 weights
    # applied as given, and for uint8 11-bit weights rounded down: explain prints exactly that.
    arith = pixelgrid.Arithmetic("float32_fma", "float32", normalize=False, store="half_away")

    def fake(shape, size=None, **kw):
        p = pixelgrid.plan(shape[0], size if isinstance(size, int) else size[0],
                           arithmetic=arith)
        q = pixelgrid.fixed_point(p, 11, exact_sum=False, offset=0) if kw.get("fixed") else p
        return [(0, q)]

    monkeypatch.setitem(LIKE, "fake_lib", fake)
    text = str(explain(5, 9, like="fake_lib"))
    assert ("arithmetic      float32: positions float32 (fused multiply-add); weights float32, "
            "applied as given") in text
    # no fixed-point weights on the plan: the record's own integer fields
    assert ("uint8: float arithmetic as above; intermediate rounded to the dtype per axis; "
            "store half away") in text
    text = str(explain(5, 9, like="fake_lib", fixed=True))
    line = next(t for t in text.splitlines() if "uint8:" in t)
    # offset 0: (acc + 0) >> 11 floors; one pass, so no intermediate
    assert "uint8: 11-bit weights" in line and line.endswith("store round down")
    assert "intermediate" not in line


@pytest.mark.parametrize(("like", "shape", "size", "kw"), LIBRARY_CASES)
def test_explain_like_prints_each_plans_arithmetic(like, shape, size, kw):
    e = explain(shape, size, like=like, **kw)
    text = str(e)
    for ax, p in e.plans:
        assert f"float32: {p.arithmetic.describe('float32')}" in e.describe_axis(ax)
    assert text.count("  arithmetic      float32: ") == len(e.plans)
