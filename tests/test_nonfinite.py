"""NaN and inf data (issue 12 item 2): where non-finite values go, float32 overflow, nan_policy.

pixelgrid's model (docs/model.md, "Non-finite values"): a NaN or inf input reaches
exactly the outputs that give it a non-zero weight.  Expected placements are derived
here by hand from the grid formula, the kernel's formula and the boundary rule, in
exact rational arithmetic (no pixelgrid plan is read); the compat emulations are
compared with the real libraries on NaN/inf data.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pixelgrid as pg

ENGINES = ["reference", "native"]
HALF = Fraction(1, 2)


# --- hand derivation -------------------------------------------------------------------

def _k(name: str, t: Fraction) -> float:
    """The kernel's formula at the exact argument ``t`` (0 outside its support)."""
    a = abs(t)
    if name == "linear":
        return float(1 - a) if a <= 1 else 0.0
    if name == "cubic":  # Keys a = -1/2
        if a < 1:
            return float(Fraction(3, 2) * a**3 - Fraction(5, 2) * a**2 + 1)
        if a < 2:
            return float(-HALF * a**3 + Fraction(5, 2) * a**2 - 4 * a + 2)
        return 0.0
    if name == "lanczos3":  # sinc(t) sinc(t / 3), zero at the non-zero integers
        if a >= 3:
            return 0.0
        if t == 0:
            return 1.0
        if t.denominator == 1:
            return 0.0
        x = float(t)
        return (math.sin(math.pi * x) / (math.pi * x)
                * math.sin(math.pi * x / 3) / (math.pi * x / 3))
    if name == "box":
        return 1.0 if -HALF < t <= HALF else 0.0
    raise AssertionError(name)


RADIUS = {"linear": 1, "cubic": 2, "lanczos3": 3, "box": 1}


def _map(j: int, n: int, boundary: str) -> int | None:
    """The input pixel tap ``j`` reads (None: dropped, or the constant)."""
    if 0 <= j < n:
        return j
    if boundary in ("renormalize", "constant"):
        return None
    if boundary == "clamp":
        return min(max(j, 0), n - 1)
    if boundary == "wrap":
        return j % n
    if boundary == "reflect":
        if n == 1:
            return 0
        m = j % (2 * n - 2)
        return m if m < n else 2 * n - 2 - m
    m = j % (2 * n)  # symmetric
    return m if m < n else 2 * n - 1 - m


def _weights(n: int, m: int, kernel: str, grid: str, boundary: str,
             antialias: bool) -> np.ndarray:
    """Hand-made ``(m, n)`` weight matrix: row ``o`` sums the kernel over the taps reading
    each pixel, normalised to sum 1 (``constant``: with the fill's share included)."""
    w = np.zeros((m, n))
    # the grid's step a (x = a o + b) is the footprint the kernel is stretched by
    a = Fraction(n, m) if grid == "half_pixel" else Fraction(n - 1, max(m - 1, 1))
    s = a if antialias and a > 1 else Fraction(1)
    for o in range(m):
        x = (o + HALF) * a - HALF if grid == "half_pixel" else o * a
        reach = RADIUS[kernel] * s
        total = 0.0
        for j in range(math.floor(x - reach), math.ceil(x + reach) + 1):
            v = _k(kernel, (j - x) / s)
            p = _map(j, n, boundary)
            if p is None and boundary == "renormalize":
                continue
            total += v
            if p is not None:
                w[o, p] += v
        w[o] /= total
    return w


CASES = [(8, 15), (8, 16), (12, 5), (7, 3), (5, 9)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("boundary", ["renormalize", "clamp", "reflect", "symmetric", "wrap",
                                      "constant"])
@pytest.mark.parametrize("grid", ["half_pixel", "align_corners"])
@pytest.mark.parametrize("kernel", ["linear", "cubic", "lanczos3", "box"])
def test_placement_1d_matches_hand_derivation(kernel, grid, boundary, antialias, engine):
    for n, m in CASES:
        w = _weights(n, m, kernel, grid, boundary, antialias)
        base = np.linspace(0.25, 0.75, n)
        for p in range(n):
            for bad in (np.nan, np.inf, -np.inf):
                x = base.copy()
                x[p] = bad
                y = pg.resize(x, m, kernel=kernel, grid=grid, boundary=boundary,
                              antialias=antialias, engine=engine)
                reached = w[:, p] != 0
                msg = f"{n}->{m} pixel {p} = {bad}"
                if np.isnan(bad):
                    np.testing.assert_array_equal(np.isnan(y), reached, err_msg=msg)
                else:  # the infinity times the sign of the weight it gets
                    want = np.zeros(m)
                    want[reached] = np.sign(w[reached, p]) * bad
                    np.testing.assert_array_equal(np.where(np.isinf(y), y, 0.0), want,
                                                  err_msg=msg)
                    assert not np.isnan(y).any(), msg
                # and every output it does not reach is the resize of the data without it
                clean = base.copy()
                clean[p] = 0.0
                z = pg.resize(clean, m, kernel=kernel, grid=grid, boundary=boundary,
                              antialias=antialias, engine=engine)
                np.testing.assert_array_equal(y[~reached], z[~reached], err_msg=msg)


def test_issue_case_align_corners_8_to_15():
    # The issue's case: one NaN, 8x8 -> 15x15 align_corners linear.  x = o / 2: outputs
    # 5, 6, 7 weigh pixel 3 (x = 2.5, 3, 3.5) and 7, 8, 9 weigh pixel 4: 3 x 3 = 9 NaN
    # (it was 12 on the compiled engine and 16 on the reference engine).
    x = np.zeros((8, 8))
    x[3, 4] = np.nan
    for engine in ENGINES:
        y = pg.resize(x, (15, 15), align_corners=True, engine=engine)
        want = np.zeros((15, 15), bool)
        want[5:8, 7:10] = True
        np.testing.assert_array_equal(np.isnan(y), want)
        x2 = x.copy()
        x2[3, 4] = np.inf
        y = pg.resize(x2, (15, 15), align_corners=True, engine=engine)
        np.testing.assert_array_equal(np.isposinf(y), want)
        assert not np.isnan(y).any()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel,antialias", [("linear", True), ("cubic", False),
                                              ("cubic", True), ("lanczos3", True)])
@pytest.mark.parametrize("shape,size", [((8, 9), (15, 16)), ((12, 10), (5, 4)),
                                        ((7, 6), (13, 3))])
def test_placement_2d_is_the_product_of_the_axes(shape, size, kernel, antialias, dtype,
                                                 engine):
    # A separable resize weighs input (i, j) by u[o, i] v[q, j]: non-zero exactly when
    # both factors are, with the sign of their product.
    u = _weights(shape[0], size[0], kernel, "half_pixel", "renormalize", antialias)
    v = _weights(shape[1], size[1], kernel, "half_pixel", "renormalize", antialias)
    rng = np.random.default_rng(sum(shape))
    for i, j in [(0, 0), (shape[0] // 2, shape[1] - 1), (3, 2)]:
        for bad in (np.nan, np.inf):
            x = rng.random(shape).astype(dtype)
            x[i, j] = bad
            y = pg.resize(x, size, kernel=kernel, antialias=antialias, engine=engine)
            wt = np.outer(u[:, i], v[:, j])
            if np.isnan(bad):
                np.testing.assert_array_equal(np.isnan(y), wt != 0)
            else:
                np.testing.assert_array_equal(np.where(np.isinf(y), y, 0),
                                              np.sign(wt) * np.where(wt != 0, np.inf, 0))
            assert np.isfinite(y[wt == 0]).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_opposite_infinities_meet_as_nan(engine):
    # pixels 3 (+inf) and 4 (-inf), 8 -> 16 linear: x = o / 2 - 1/4; pixel 3 is weighed
    # where |3 - x| < 1 (outputs 5..8), pixel 4 by outputs 7..10: 7 and 8 read both (NaN),
    # 5 and 6 only +inf, 9 and 10 only -inf.
    x = np.zeros(8)
    x[3], x[4] = np.inf, -np.inf
    y = pg.resize(x, 16, engine=engine)
    assert np.isposinf(y[5:7]).all() and np.isneginf(y[9:11]).all()
    assert np.isnan(y[7:9]).all()
    assert np.isfinite(np.delete(y, range(5, 11))).all()


def test_exact_hits_copy_their_pixel_bitwise():
    # lanczos3 used to weigh integer distances by sin(pi k) / (pi k) ~ 3e-17: an exact hit
    # (align_corners 8 -> 15: even outputs sit on pixels) did not reproduce the pixel.
    x = np.random.default_rng(1).random((8, 8))
    for kernel in ("linear", "cubic", "lanczos3"):
        y = pg.resize(x, (15, 15), kernel=kernel, align_corners=True)
        np.testing.assert_array_equal(y[::2, ::2], x)


def test_plans_hold_no_tiny_weights_at_kernel_zeros():
    # With antialias the float argument (j - x) / stretch misses an exact integer by an
    # ulp: 1840 weights of about 1e-16 in 2100 plans before; the zeros are now exact.
    for kernel in ("linear", "cubic", "lanczos3"):
        for n in range(5, 30):
            for m in range(2, n):
                w = pg.plan(n, m, kernel=kernel, antialias=True).weight
                assert not np.any((w != 0) & (np.abs(w) < 1e-12)), (kernel, n, m)


# --- float32 overflow (item 2d) -----------------------------------------------------------

@pytest.mark.parametrize("kernel", ["cubic", "lanczos3"])
@pytest.mark.parametrize("shape,size", [((2, 5000), (2, 2000)), ((2, 2000), (2, 5000)),
                                        ((40, 40), (90, 70))])
def test_float32_near_max_does_not_overflow(kernel, shape, size):
    # A cubic's positive lobes sum to more than 1: in float32 the partial sums of data
    # near 3.4e38 overflowed on the compiled engine (inf, 1998 of 2000 outputs for
    # lanczos3 5000 -> 2000), where the model (float64 sums, one rounding) is finite.
    rng = np.random.default_rng(0)
    x = (3.0e38 + 3e37 * rng.random(shape)).astype(np.float32)
    want = pg.resize(x.astype(np.float64), size, kernel=kernel).astype(np.float32)
    assert np.isfinite(want).all()
    for engine in ENGINES:
        y = pg.resize(x, size, kernel=kernel, engine=engine)
        np.testing.assert_array_equal(y, want)


def test_true_overflow_stays_inf():
    # an exact result above float32's range is inf on every engine (cubic overshoot)
    x = np.zeros((1, 8), np.float32)
    x[0, 4:] = np.float32(3.4e38)
    for engine in ENGINES:
        y = pg.resize(x, (1, 16), kernel="cubic", engine=engine)
        with np.errstate(over="ignore"):
            ref = pg.resize(x.astype(np.float64), (1, 16), kernel="cubic").astype(np.float32)
        assert np.isposinf(ref).any()
        np.testing.assert_array_equal(y, ref)


# --- kernel values (item 2, "a custom Kernel returning NaN") --------------------------------

@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_custom_kernel_returning_nonfinite_is_refused(value):
    k = pg.Kernel("mine", Fraction(1), lambda d: np.full_like(d, value))
    with pytest.raises(ValueError, match="kernel 'mine' returned non-finite weights"):
        pg.resize(np.zeros((4, 4), np.uint8), (8, 8), kernel=k)
    with pytest.raises(ValueError, match="kernel 'mine'"):
        pg.plan(4, 8, kernel=k)


# --- nan_policy ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["raise", "OMIT", None, 1])
def test_nan_policy_is_validated(bad):
    with pytest.raises(ValueError, match=r"nan_policy=.* is not valid; expected one of "
                                         r"\['propagate', 'omit'\]"):
        pg.resize(np.zeros((4, 4)), (2, 2), nan_policy=bad)


def _omit_by_hand(x: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """sum(w x) / sum(w) over the finite pixels, with the 2-D weights u[o, i] v[q, j]."""
    out = np.empty((u.shape[0], v.shape[0]))
    fin = np.isfinite(x)
    for o in range(u.shape[0]):
        for q in range(v.shape[0]):
            wt = np.outer(u[o], v[q])
            wt = np.where(fin, wt, 0.0)
            s = wt.sum()
            out[o, q] = (wt * np.where(fin, x, 0.0)).sum() / s if np.any(wt != 0) else np.nan
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kernel,antialias", [("linear", False), ("linear", True),
                                              ("cubic", False), ("lanczos3", True)])
@pytest.mark.parametrize("shape,size", [((6, 7), (11, 13)), ((12, 10), (5, 4)),
                                        ((9, 9), (9, 4))])
def test_omit_is_the_2d_renormalisation(shape, size, kernel, antialias, engine):
    rng = np.random.default_rng(3)
    x = rng.random(shape)
    x[rng.random(shape) < 0.25] = np.nan
    x[1, 1] = np.inf
    x[:3, :3] = np.nan  # a hole wider than linear's support: NaN where nothing is finite
    u = _weights(shape[0], size[0], kernel, "half_pixel", "renormalize", antialias)
    v = _weights(shape[1], size[1], kernel, "half_pixel", "renormalize", antialias)
    want = _omit_by_hand(x, u, v)
    y = pg.resize(x, size, kernel=kernel, antialias=antialias, nan_policy="omit",
                  engine=engine)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(want))
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)
    y32 = pg.resize(x.astype(np.float32), size, kernel=kernel, antialias=antialias,
                    nan_policy="omit", engine=engine)
    np.testing.assert_array_equal(np.isnan(y32), np.isnan(want))
    np.testing.assert_allclose(y32, want, rtol=2e-6, atol=2e-6)


def test_omit_constant_boundary_counts_the_fill():
    # 1-D, 4 -> 8 linear, constant boundary fill 10, x = o / 2 - 1/4: output 0 reads the
    # fill (weight 1/4) and pixel 0 (3/4); pixel 0 is NaN, so only the fill remains: 10.
    # Outputs 1 and 2 read pixels 0 and 1 only: pixel 1's value, 2.  The rest do not
    # weigh pixel 0: the plain resize.
    x = np.array([np.nan, 2.0, 4.0, 6.0])
    y = pg.resize(x, 8, boundary="constant", fill_value=10.0, nan_policy="omit")
    assert y[:3].tolist() == [10.0, 2.0, 2.0]
    np.testing.assert_array_equal(y[3:], pg.resize(np.array([0.0, 2, 4, 6]), 8,
                                                   boundary="constant", fill_value=10.0)[3:])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 12), st.integers(1, 12),
       st.sampled_from(["linear", "cubic", "lanczos3", "area", "nearest"]), st.booleans(),
       st.integers(0, 2**31))
def test_omit_on_finite_data_is_propagate(h, w, oh, ow, kernel, float32, seed):
    x = np.random.default_rng(seed).random((h, w))
    if float32:
        x = x.astype(np.float32)
    np.testing.assert_array_equal(pg.resize(x, (oh, ow), kernel=kernel, nan_policy="omit"),
                                  pg.resize(x, (oh, ow), kernel=kernel))


def test_omit_is_a_noop_on_integers_and_keeps_far_outputs():
    x = np.random.default_rng(2).integers(0, 256, (9, 11)).astype(np.uint8)
    np.testing.assert_array_equal(pg.resize(x, (5, 7), nan_policy="omit"),
                                  pg.resize(x, (5, 7)))
    # outputs no NaN reaches keep the propagate result bit for bit
    f = np.random.default_rng(2).random((40, 40))
    f[5, 5] = np.nan
    a = pg.resize(f, (17, 23), kernel="cubic", nan_policy="omit")
    b = pg.resize(f, (17, 23), kernel="cubic")
    np.testing.assert_array_equal(a[~np.isnan(b)], b[~np.isnan(b)])
    assert np.isfinite(a).all()


def test_omit_on_torch_tensors_matches_numpy():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).random((1, 2, 9, 10))
    x[0, 0, 2:4, 3] = np.nan
    t = torch.from_numpy(x)
    y = pg.resize(t, (13, 7), kernel="cubic", nan_policy="omit")
    want = pg.resize(x, (13, 7), axes=(2, 3), kernel="cubic", nan_policy="omit")
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-12, atol=1e-12)
    assert not torch.isnan(y).any()


# --- compat emulations vs the real libraries, NaN/inf data ----------------------------------
#
# Each library's zero_taps rule was measured (docs/model.md, "Non-finite values"): the
# emulation must put NaN, +inf and -inf where the library does, and agree on the rest.

def _bad_image(n: int, bad: float, where: tuple[int, int], seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).random((n, n)).astype(np.float32)
    x[where] = bad
    return x


def _same(got: np.ndarray, want: np.ndarray, atol: float = 0.0) -> None:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    for test in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(test(got), test(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=0, atol=atol)


BADS = [np.nan, np.inf, -np.inf]
SIZES = [(8, 15), (8, 16), (8, 24), (12, 5), (9, 3), (7, 21)]


@pytest.mark.parametrize("bad", BADS)
@pytest.mark.parametrize("name", ["NEAREST", "BOX", "BILINEAR", "HAMMING", "BICUBIC", "LANCZOS",
                                  "MKS2013", "MKS2021"])
def test_pillow_f_mode_zero_taps_window(name, bad):
    # Pillow multiplies exactly its window's taps, weight 0 included (exact hits: 0 * inf):
    # zero_taps="window", bit for bit
    image = pytest.importorskip("PIL.Image")
    from pixelgrid.compat import pillow as pp

    for n, m in SIZES:
        for where in [(0, 1), (3, 4)]:
            x = _bad_image(n, bad, where)
            want = np.asarray(image.fromarray(x, "F").resize((m, m), getattr(pp, name)))
            got = pp.resize(x, (m, m), getattr(pp, name))
            assert np.array_equal(got, want, equal_nan=True), (n, m, where)


def test_pillow_f_mode_non_finite_at_5000_px():
    image = pytest.importorskip("PIL.Image")
    from pixelgrid.compat import pillow as pp

    x = np.random.default_rng(5).random((3, 2000)).astype(np.float32)
    x[0, 10], x[1, 1000], x[2, 1999], x[2, 500] = np.nan, np.inf, -np.inf, np.nan
    for size in [(5000, 3), (777, 3)]:
        for f in (pp.BICUBIC, pp.LANCZOS, pp.BILINEAR):
            want = np.asarray(image.fromarray(x, "F").resize(size, f))
            assert np.array_equal(pp.resize(x, size, f), want, equal_nan=True), (size, f)


@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "nearest"])
def test_jax_dense_matrix_spreads_along_lines(method, antialias):
    # jax.image.resize contracts with a dense weight matrix: a NaN reaches its whole row and
    # column, 0 * inf is NaN (zero_taps="dense")
    jax = pytest.importorskip("jax")
    from pixelgrid.compat import jax as pj

    for n, m in [(8, 15), (8, 16), (12, 5)]:
        for bad in BADS:
            x = _bad_image(n, bad, (3, 4))
            want = np.asarray(jax.image.resize(x, (m, m), method=method, antialias=antialias))
            _same(pj.resize(x, (m, m), method=method, antialias=antialias), want, 2e-6)


@pytest.mark.parametrize("antialias", [False, True])
def test_tensorflow_area_reads_its_box(antialias):
    tf = pytest.importorskip("tensorflow")
    from pixelgrid.compat import tensorflow as ptf

    for n, m in [(8, 15), (8, 16), (12, 5)]:
        for bad in BADS:
            x = _bad_image(n, bad, (3, 4))[:, :, None]
            want = tf.image.resize(x, (m, m), method="area", antialias=antialias).numpy()
            _same(ptf.resize(x, (m, m), method="area", antialias=antialias), want, 2e-6)


TORCH_MATCHING = [("bilinear", False, False), ("bilinear", True, False),
                  ("bicubic", False, False), ("bicubic", False, True),
                  ("nearest", None, False), ("area", None, False)]


@pytest.mark.parametrize("mode,align_corners,antialias", TORCH_MATCHING)
def test_torch_non_finite_placement(mode, align_corners, antialias):
    torch = pytest.importorskip("torch")
    from pixelgrid.compat import torch as pt

    kw = {} if align_corners is None else {"align_corners": align_corners}
    for n, m in [(8, 15), (8, 16), (12, 5)]:
        if antialias and m > n:
            continue
        for bad in BADS:
            x = _bad_image(n, bad, (3, 4))[None, None]
            want = torch.nn.functional.interpolate(torch.from_numpy(x), size=(m, m), mode=mode,
                                                   antialias=antialias, **kw).numpy()
            _same(pt.interpolate(x, size=(m, m), mode=mode, antialias=antialias, **kw), want,
                  2e-6)


@pytest.mark.parametrize("interp", ["INTER_CUBIC", "INTER_LANCZOS4", "INTER_NEAREST"])
def test_opencv_non_finite_placement(interp):
    cv2 = pytest.importorskip("cv2")
    from pixelgrid.compat import opencv as pc

    for n, m in [(8, 15), (8, 16), (12, 5), (12, 6)]:
        for bad in BADS:
            x = _bad_image(n, bad, (3, 4))
            want = cv2.resize(x, (m, m), interpolation=getattr(cv2, interp))
            _same(pc.resize(x, (m, m), interpolation=getattr(pc, interp)), want, 2e-6)


def _ort(x: np.ndarray, sizes: list[int], **attrs: object) -> np.ndarray:
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    node = helper.make_node("Resize", ["X", "", "", "S"], ["Y"], **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, x.shape),
                      helper.make_tensor_value_info("S", TensorProto.INT64, [4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"X": x, "S": np.array(sizes, np.int64)})[0]


@pytest.mark.parametrize("mode,ctm,antialias", [("linear", "half_pixel", 0),
                                                ("linear", "align_corners", 0),
                                                ("cubic", "half_pixel", 0),
                                                ("linear", "half_pixel", 1),
                                                ("nearest", "half_pixel", 0)])
def test_onnxruntime_non_finite_placement(mode, ctm, antialias):
    pytest.importorskip("onnx")
    from pixelgrid.compat import onnx as po

    for n, m in [(8, 15), (8, 16), (12, 5)]:
        for bad in BADS:
            x = _bad_image(n, bad, (3, 4))[None, None]
            want = _ort(x, [1, 1, m, m], mode=mode, coordinate_transformation_mode=ctm,
                        antialias=antialias)
            got = po.resize(x, sizes=[1, 1, m, m], mode=mode,
                            coordinate_transformation_mode=ctm, antialias=antialias)
            _same(got, want, 2e-6)


def _library_vs_emulation(lib: str, x: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """One call each of the known mismatches below: (library, emulation)."""
    if lib == "torch_bicubic_align_corners":
        torch = pytest.importorskip("torch")
        from pixelgrid.compat import torch as pt

        t = x[None, None]
        kw = {"size": (m, m), "mode": "bicubic", "align_corners": True}
        return (torch.nn.functional.interpolate(torch.from_numpy(t), **kw).numpy(),
                pt.interpolate(t, **kw))
    if lib == "opencv_linear_inf":
        cv2 = pytest.importorskip("cv2")
        from pixelgrid.compat import opencv as pc

        return cv2.resize(x, (m, m)), pc.resize(x, (m, m))
    if lib == "tensorflow_bicubic":
        tf = pytest.importorskip("tensorflow")
        from pixelgrid.compat import tensorflow as ptf

        return (tf.image.resize(x[:, :, None], (m, m), method="bicubic").numpy(),
                ptf.resize(x[:, :, None], (m, m), method="bicubic"))
    if lib == "onnxruntime_cubic_align_corners":
        pytest.importorskip("onnx")
        from pixelgrid.compat import onnx as po

        kw = {"mode": "cubic", "coordinate_transformation_mode": "align_corners"}
        return (_ort(x[None, None], [1, 1, m, m], **kw),
                po.resize(x[None, None], sizes=[1, 1, m, m], **kw))
    ndimage = pytest.importorskip("scipy.ndimage")
    from pixelgrid.compat import scipy as psc

    return ndimage.zoom(x.astype(np.float64), m / x.shape[0], order=3), \
        psc.zoom(x.astype(np.float64), m / x.shape[0], order=3)


@pytest.mark.parametrize("lib,bad", [
    pytest.param("torch_bicubic_align_corners", np.nan, marks=pytest.mark.xfail(
        strict=True, reason="torch reads the 4 taps from floor(x) - 1; the plan's window "
        "(|j - x| <= 2) holds 5 at exact hits: NaN reaches 2 more outputs per axis")),
    # cv2's float INTER_LINEAR (IPP) turns an inf into NaN in 7 of the 9 outputs that weigh
    # it (8 -> 15): IPP's lerp fma(t, b - a, a) has inf - inf; compat.opencv declares it
    pytest.param("opencv_linear_inf", np.inf),
    pytest.param("tensorflow_bicubic", np.nan, marks=pytest.mark.xfail(
        strict=True, reason="TF's ResizeBicubic reads 4 clamped taps from floor(x) - 1; the "
        "plan's taps differ at the borders and exact hits")),
    pytest.param("onnxruntime_cubic_align_corners", np.nan, marks=pytest.mark.xfail(
        strict=True, reason="as torch: ORT reads 4 taps from floor(x) - 1")),
    pytest.param("scipy_order3_inf", np.inf, marks=pytest.mark.xfail(
        strict=True, reason="SciPy's spline prefilter runs a recursion over the whole line "
        "(inf - inf: every output NaN); the plan is the truncated product")),
])
def test_known_non_finite_mismatches(lib, bad):
    # zero_taps="read" multiplies the plan's taps; where a library's window is not the
    # plan's, NaN/inf land elsewhere (finite data is unaffected).  Documented in
    # docs/model.md; reproducing each window would need the compat module to declare it.
    x = _bad_image(8, bad, (3, 4))
    want, got = _library_vs_emulation(lib, x, 15)
    _same(got, want, 1e-5)


def test_compiled_scan_finds_every_bad_value() -> None:
    # the scan _suspect runs on the input: finite and below the limit, or not, wherever
    # the bad value sits (first block, a later thread's block, the tail)
    from pixelgrid._engines import native

    if not hasattr(native._ext, "all_below"):
        pytest.skip("compiled engine not built")
    x = np.random.default_rng(0).random(300_001, dtype=np.float32)
    assert native._ext.all_below(x, 2.0**108, 2)
    assert not native._ext.all_below(x, 0.5, 2)
    for at in (0, 150_000, 300_000):
        for bad in (np.nan, np.inf, -np.inf, -2.0**109):
            y = x.copy()
            y[at] = bad
            assert not native._ext.all_below(y, 2.0**108, 2), (at, bad)
            assert not native._ext.all_below(y.astype(np.float64), 2.0**108, 1), (at, bad)
    with pytest.raises(ValueError, match="float32 or float64"):
        native._ext.all_below(x.astype(np.float16), 1.0, 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_scan_agrees_with_numpy_at_the_limit(dtype: type) -> None:
    # the float32 scan decides on the bits (|v| as an unsigned integer against the
    # limit's bits); the decision must be numpy's all(|v| < lim) for every kind of value:
    # the limit itself and its neighbours, both signs, zeros, subnormals, inf, NaNs with
    # any payload or sign, and limits that are zero, negative, tiny or beyond the dtype
    from pixelgrid._engines import native

    if not hasattr(native._ext, "all_below"):
        pytest.skip("compiled engine not built")
    info = np.finfo(dtype)
    nan_bits = np.array([0x7FC00000, 0xFFC00001, 0x7F800001, 0xFFFFFFFF], np.uint32)
    nans = nan_bits.view(np.float32).astype(dtype) if dtype == np.float32 else \
        np.array([np.nan, -np.nan], dtype)
    for limit in (2.0**108, 1.0, 3.5, 0.0, -1.0, float(info.tiny), 1e300, float(info.max)):
        lim = dtype(min(limit, float(info.max)))
        with np.errstate(over="ignore"):  # the neighbour above the largest float is inf
            up = np.nextafter(lim, dtype(np.inf))
        specials = [lim, np.nextafter(lim, dtype(0)), up, -lim, dtype(0), dtype(-0.0),
                    info.smallest_subnormal, info.max, dtype(np.inf), dtype(-np.inf), *nans]
        for v in specials:
            y = np.full(5000, dtype(0.25) if lim > 0.25 else dtype(0), dtype)
            y[4321] = v
            want = bool(np.all(np.abs(y) < lim)) if not np.isnan(lim) else False
            with np.errstate(invalid="ignore"):
                got = native._ext.all_below(y, limit, 1)
            assert got == want, (limit, v)
