"""pixelgrid.resize: API, dtypes, axes, per-axis options and errors."""

import numpy as np
import pytest

import pixelgrid as pg

SEED_INPUT = np.array([[1, 2, 0], [3, 4, 0], [0, 0, 0]], dtype=np.float64)


def test_seed_thread_bilinear_tables():
    # nn.Upsample(scale_factor=2, mode="bilinear") as printed in the forum thread.
    half = [[1.0, 1.25, 1.75, 1.5, 0.5, 0.0],
            [1.5, 1.75, 2.25, 1.875, 0.625, 0.0],
            [2.5, 2.75, 3.25, 2.625, 0.875, 0.0],
            [2.25, 2.4375, 2.8125, 2.25, 0.75, 0.0],
            [0.75, 0.8125, 0.9375, 0.75, 0.25, 0.0],
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
    corners = [[1.0, 1.4, 1.8, 1.6, 0.8, 0.0],
               [1.8, 2.2, 2.6, 2.24, 1.12, 0.0],
               [2.6, 3.0, 3.4, 2.88, 1.44, 0.0],
               [2.4, 2.72, 3.04, 2.56, 1.28, 0.0],
               [1.2, 1.36, 1.52, 1.28, 0.64, 0.0],
               [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
    np.testing.assert_allclose(pg.resize(SEED_INPUT, (6, 6)), half, atol=1e-12)
    np.testing.assert_allclose(pg.resize(SEED_INPUT, (6, 6), align_corners=True), corners,
                               atol=1e-12)


def test_seed_thread_bicubic_tables():
    z = np.array([[1, 2], [3, 4]], dtype=np.float64)
    k = pg.kernels.cubic(-0.75)
    corners = [[1.0000, 1.3148, 1.6852, 2.0000], [1.6296, 1.9444, 2.3148, 2.6296],
               [2.3704, 2.6852, 3.0556, 3.3704], [3.0000, 3.3148, 3.6852, 4.0000]]
    half = [[0.6836, 1.0156, 1.5625, 1.8945], [1.3477, 1.6797, 2.2266, 2.5586],
            [2.4414, 2.7734, 3.3203, 3.6523], [3.1055, 3.4375, 3.9844, 4.3164]]
    got = pg.resize(z, (4, 4), kernel=k, boundary="clamp", align_corners=True)
    np.testing.assert_allclose(got, corners, atol=5e-5)
    np.testing.assert_allclose(pg.resize(z, (4, 4), kernel=k, boundary="clamp"), half, atol=5e-5)


def test_user_needs_t4_t5():
    # T4: [[6,7],[11,12]] -> 4x4 bilinear, centres and corners
    x = np.array([[6, 7], [11, 12]], dtype=float)
    np.testing.assert_allclose(pg.resize(x, (4, 4))[1], [7.25, 7.5, 8, 8.25])
    np.testing.assert_allclose(pg.resize(x, (4, 4), align_corners=True)[1],
                               [7 + 2 / 3, 8, 8 + 1 / 3, 8 + 2 / 3])
    # T5: [[1,2],[3,4]] -> 5x5 centres: first row [1, 1.1, 1.5, 1.9, 2]
    np.testing.assert_allclose(pg.resize(np.array([[1.0, 2], [3, 4]]), (5, 5))[0],
                               [1, 1.1, 1.5, 1.9, 2])


def test_user_needs_t1_antialias_vs_block_mean():
    # T1: arange(100).reshape(10,10) -> 5x5. Antialiased bilinear (Pillow/torch) row 0 is
    # [7.857143, 9.642858, ...]; without antialias, bilinear at x = 2o + 0.5 is the block mean.
    x = np.arange(100, dtype=np.float64).reshape(10, 10)
    np.testing.assert_allclose(pg.resize(x, (5, 5))[0, :2], [7.857143, 9.642857], atol=1e-6)
    block_means = [5.5, 7.5, 9.5, 11.5, 13.5]
    np.testing.assert_allclose(pg.resize(x, (5, 5), antialias=False)[0], block_means)
    np.testing.assert_allclose(pg.resize(x, (5, 5), kernel="area")[0], block_means)


def test_user_needs_t3_boundaries():
    # T3: [[1,2],[3,4]] -> 4x4 -> 2x2 antialiased: renormalize (PIL/torch) vs symmetric (MATLAB)
    up = pg.resize(np.array([[1.0, 2], [3, 4]]), (4, 4))
    np.testing.assert_allclose(up[0], [1, 1.25, 1.75, 2])
    np.testing.assert_allclose(pg.resize(up, (2, 2)), [[1.642857, 2.214286], [2.785714, 3.357143]],
                               atol=1e-6)
    np.testing.assert_allclose(pg.resize(up, (2, 2), boundary="symmetric"),
                               [[1.5625, 2.1875], [2.8125, 3.4375]])
    np.testing.assert_allclose(pg.resize(up, (2, 2), antialias=False),
                               [[1.375, 2.125], [2.875, 3.625]])


def test_axes_defaults_and_per_axis_options():
    img = np.random.default_rng(0).random((6, 8, 3))
    assert pg.resize(img, (3, 4)).shape == (3, 4, 3)  # leading axes: (H, W) of HWC
    assert pg.resize(img, (5,), axes=[-1]).shape == (6, 8, 5)
    y = pg.resize(img, (12, 4), kernel=["nearest", "linear"], antialias=[False, True])
    # axis 0 nearest x2 repeats rows
    z = pg.resize(img, 4, axes=1)
    np.testing.assert_array_equal(y[0], y[1])
    np.testing.assert_allclose(y[::2], pg.resize(z, 6, axes=0, kernel="nearest"))
    assert pg.resize(np.arange(4.0), scale=2).shape == (8,)
    assert pg.resize(np.ones((3, 4)), scale=0.5).shape == (1, 2)


def test_scale_rounding_and_coordinate_scale():
    x = np.arange(5, dtype=float)
    assert pg.resize(x, scale=1.3).shape == (6,)
    assert pg.resize(x, scale=1.3, size_rounding="round").shape == (7,)
    # with the factor, x_in = (o + 0.5)/1.3 - 0.5; with the size ratio, (o + 0.5)*5/6 - 0.5
    f = pg.resize(x, scale=1.3, coordinate_scale="factor", antialias=False)
    s = pg.resize(x, scale=1.3, antialias=False)
    np.testing.assert_allclose(f[1:], np.clip((np.arange(1, 6) + 0.5) / 1.3 - 0.5, 0, 4))
    np.testing.assert_allclose(s[1:5], (np.arange(1, 5) + 0.5) * 5 / 6 - 0.5)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16", "int32", "uint32",
                                   "float16", "float32", "float64"])
def test_dtypes_preserved_and_close_to_float(dtype):
    rng = np.random.default_rng(1)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    lo, hi = (max(info.min, -1000), min(info.max, 1000)) if info else (-1.0, 1.0)
    x = rng.uniform(lo, hi, (9, 7)).astype(dtype)
    for kernel in ["linear", "cubic", "lanczos3", "area"]:
        y = pg.resize(x, (5, 11), kernel=kernel)
        assert y.dtype == x.dtype
        ref = pg.resize(x.astype(np.float64), (5, 11), kernel=kernel)
        if info:
            ref = np.clip(ref, info.min, info.max)
            # 8/16-bit: the wide model rounds once (within 0.51 level); int32/uint32:
            # float64, rounded once
            assert np.max(np.abs(y.astype(np.float64) - ref)) <= 0.51
        else:
            tol = 2e-3 if dtype == "float16" else 1e-6
            np.testing.assert_allclose(y.astype(np.float64), ref, atol=tol * (hi - lo))


def test_integer_rounding_model():
    # uint8 [0, 255] -> 4 samples at x = [-0.25, 0.25, 0.75, 1.25]: values 0, 63.75, 191.25, 255;
    # round half up after the fixed-point accumulation gives 64 and 191.
    y = pg.resize(np.array([0, 255], np.uint8), 4)
    assert y.tolist() == [0, 64, 191, 255]
    # overshoot is clamped: cubic on a step overshoots below 0 and above 255
    step = np.array([0, 0, 255, 255], np.uint8)
    yc = pg.resize(step, 7, kernel=pg.kernels.cubic(-0.75), boundary="clamp")
    assert yc.min() == 0 and yc.max() == 255
    f = pg.resize(step.astype(float), 7, kernel=pg.kernels.cubic(-0.75), boundary="clamp")
    assert f.min() < 0 and f.max() > 255


def test_integer_resize_rounds_once():
    # 2x2 -> 4x4 bilinear (half-pixel): the weights are 1 or 0.75/0.25 along each axis,
    # exact in fixed point.  Row 0 of x = [[0, 2], [0, 0]] resized along W is exactly
    # [0, 0.5, 1.5, 2]; output row 1 is 0.75 of it (0.25 of row 1, which is 0):
    # [0, 0.375, 1.125, 1.5].  Rounded once, half up: [0, 0, 1, 2].  Rounding the first
    # pass to integers ([0, 1, 2, 2]) would give 0.75 * that = [0, 0.75, 1.5, 1.5]
    # -> [0, 1, 2, 2].
    x = np.array([[0, 2], [0, 0]], np.uint8)
    y = pg.resize(x, (4, 4))
    assert y[0].tolist() == [0, 1, 2, 2]
    assert y[1].tolist() == [0, 0, 1, 2]
    assert pg.resize(x, (4, 4), engine="reference").tolist() == y.tolist()


def _worst_vs_float(x, size, kernel, antialias):
    y = pg.resize(x, size, kernel=kernel, antialias=antialias)
    info = np.iinfo(x.dtype)
    ref = np.clip(pg.resize(x.astype(np.float64), size, kernel=kernel, antialias=antialias),
                  info.min, info.max)
    return float(np.abs(y - ref).max())


@pytest.mark.parametrize("kernel", ["linear", "cubic", "lanczos3", "area", "box", "mitchell",
                                    "gaussian"])
def test_integer_resize_within_051_of_float64(kernel):
    # pixelgrid's own 8/16-bit resize is correctly rounded: within 0.51 level of the
    # same resize done in float64 (clipped to the range, not rounded), on random data
    # (the worst case for the weights' rounding) and, where scikit-image is installed,
    # on a photo; up and down, with and without antialiasing.
    rng = np.random.default_rng(41)
    images = [rng.integers(0, 256, (150, 211, 3), dtype=np.uint8),
              rng.integers(-128, 128, (97, 130), dtype=np.int8)]
    try:
        from skimage import data
        images.append(data.chelsea())
    except ImportError:  # pragma: no cover - optional
        pass
    for x in images:
        h, w = x.shape[:2]
        for size, aa in (((int(h * 1.7), int(w * 1.7)), True), ((h // 3, w // 3), True),
                         ((h // 2, w // 2), False), ((2 * h, w // 2), True)):
            if kernel == "area" and not aa:
                continue
            assert _worst_vs_float(x, size, kernel, aa) <= 0.51, (x.shape, size, aa)
    x16 = rng.integers(0, 65536, (60, 70), dtype=np.uint16)
    assert _worst_vs_float(x16, (101, 23), kernel, True) <= 0.5 + 1e-3


def test_output_dtype_option():
    x = np.array([0, 255], np.uint8)
    assert pg.resize(x, 4, dtype=np.float32).tolist() == [0, 63.75, 191.25, 255]
    assert pg.resize(np.array([0.0, 1.0]), 4, dtype=np.uint8).tolist() == [0, 0, 1, 1]


def test_bool_and_labels_nearest_only():
    m = np.array([[True, False], [False, True]])
    y = pg.resize(m, (4, 4), kernel="nearest")
    assert y.dtype == bool and y.sum() == 8
    lab = np.array([[1, 2], [3, 2**40]], dtype=np.int64)
    assert set(np.unique(pg.resize(lab, (3, 5), kernel="nearest"))) <= {1, 2, 3, 2**40}
    with pytest.raises(TypeError, match="dtype bool can only be resized with kernel='nearest'"):
        pg.resize(m, (4, 4))


def test_identity_same_size():
    x = np.random.default_rng(3).random((5, 6))
    for kernel in ["linear", "cubic", "lanczos3", "nearest", "area", "box"]:
        np.testing.assert_allclose(pg.resize(x, (5, 6), kernel=kernel), x, atol=1e-14)


def test_reference_and_auto_engines_agree():
    rng = np.random.default_rng(5)
    x = (rng.random((13, 9, 3)) * 255).astype(np.uint8)
    a = pg.resize(x, (7, 20), kernel="cubic", engine="reference")
    b = pg.resize(x, (7, 20), kernel="cubic", engine="auto")
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({}, ValueError, "give exactly one of size= and scale="),
        ({"size": 4, "scale": 2}, ValueError, "give exactly one of size= and scale="),
        ({"size": (0, 3)}, ValueError, "size=0 must be >= 1"),
        ({"size": (-2, 3)}, ValueError, "size=-2 must be >= 1"),
        ({"size": (2.5, 3)}, TypeError, "size=2.5 must be an integer"),
        ({"scale": float("nan")}, ValueError, "scale=nan must be finite and > 0"),
        ({"scale": float("inf")}, ValueError, "scale=inf must be finite and > 0"),
        ({"scale": -1.0}, ValueError, "scale=-1.0 must be finite and > 0"),
        ({"size": (3, 3), "kernel": "bicubical"}, ValueError, "kernel='bicubical' is not valid"),
        ({"size": (3, 3), "grid": "corner"}, ValueError, "grid='corner' is not valid"),
        ({"size": (3, 3), "boundary": "edge"}, ValueError, "boundary='edge' is not valid"),
        ({"size": (3, 3), "engine": "gpu"}, ValueError, "engine='gpu' is not valid"),
        ({"size": (3, 3), "size_rounding": "up"}, ValueError, "size_rounding='up' is not valid"),
        ({"size": (3, 3), "axes": (0, 5)}, ValueError, "axis 5 is out of range"),
        ({"size": (3, 3), "axes": (1, 1)}, ValueError, "repeats an axis"),
        ({"size": (3, 3, 3, 3)}, ValueError, "4 sizes/scales given but the array has only 2"),
        ({"size": (3, 3), "kernel": ["linear"]}, ValueError, "kernel has 1 entries but 2 axes"),
        ({"size": (3, 3), "align_corners": True, "grid": "asymmetric"}, ValueError,
         "give grid= or align_corners=, not both"),
        ({"size": (3, 3), "dtype": np.complex64}, TypeError, "dtype=<class 'numpy.complex64'>"),
    ],
)
def test_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        pg.resize(np.ones((4, 4)), **kwargs)


def test_array_errors():
    with pytest.raises(ValueError, match="x is empty"):
        pg.resize(np.ones((0, 4)), (2, 2))
    with pytest.raises(ValueError, match="0-dimensional"):
        pg.resize(np.float64(3.0), 2)
    with pytest.raises(TypeError, match="x has dtype complex128, which is not supported"):
        pg.resize(np.ones((2, 2), complex), (3, 3))
    with pytest.raises(TypeError, match="x must be a numpy array or torch tensor, got str"):
        pg.resize("image", (3, 3))
    with pytest.raises(ValueError, match="single number but the array has 3 dimensions"):
        pg.resize(np.ones((2, 2, 3)), 4)


@pytest.mark.parametrize("size", [(2**31, 2**31), (2**40, 4), (2**31, 4)])
def test_huge_sizes_are_refused_before_allocating(size):
    # Without the check numpy allocates lazily and the kernel's OOM killer ends the process.
    with pytest.raises(ValueError, match=r"needs about .* GiB, more than this machine's"):
        pg.resize(np.ones((4, 4)), size)
    with pytest.raises(ValueError, match=r"out_size=\d+ needs about"):
        pg.plan(4, 2**40)


def test_huge_sizes_in_compat_are_refused():
    from pixelgrid.compat import torch as pt

    with pytest.raises(ValueError, match="more than this machine's"):
        pt.interpolate(np.ones((1, 1, 4, 4), np.float32), size=(2**31, 2**31))


# --- clear errors for bad settings (issue: a new user never gets a silent wrong answer) ---


@pytest.mark.parametrize("threads", [0, 5000, 2**63])
def test_threads_out_of_range_is_a_clear_error(threads):
    x = np.zeros((8, 8), np.float32)
    with pytest.raises(ValueError, match=rf"threads={threads} is out of range: expected 1\.\.1024"):
        pg.resize(x, (4, 4), threads=threads)


def test_fixed_point_bits_are_checked_first():
    p = pg.plan(4, 8)
    with pytest.raises(ValueError, match=r"bits=-1 is out of range: expected 1\.\.30"):
        pg.fixed_point(p, -1)
    with pytest.raises(TypeError, match=r"bits=2\.5 must be an int"):
        pg.fixed_point(p, 2.5)


def test_pixelgrid_engine_variable(monkeypatch):
    x = np.arange(16, dtype=np.float32).reshape(4, 4)
    monkeypatch.setenv("PIXELGRID_ENGINE", "bogus")
    with pytest.raises(ValueError, match=r"PIXELGRID_ENGINE='bogus' is not valid; expected one"):
        pg.resize(x, (2, 8))
    # an explicit engine= wins over the variable, which only chooses for engine="auto"
    ref = pg.resize(x, (2, 8), engine="reference")
    np.testing.assert_array_equal(pg.resize(x, (2, 8), engine="reference"), ref)
    monkeypatch.setenv("PIXELGRID_ENGINE", "reference")
    np.testing.assert_array_equal(pg.resize(x, (2, 8)), ref)
