"""The compiled point sampler against the numpy oracle, and NaN/inf semantics of point sampling.

* Differential: ``engine="native"`` (csrc/sampler*.cpp) must equal ``engine="reference"``
  (pixelgrid._sampling, the oracle) bit for bit, for every dtype, kernel, boundary,
  tie rule, layout, rank and the float32 FMA order of the ``grid_sample`` emulation.
* NaN/inf: a non-finite input reaches exactly the outputs that give it non-zero weight
  (hand derivations and ``np.rot90``); the compat ``grid_sample`` paths follow PyTorch and
  onnxruntime (checked against them); ``nan_policy="omit"``.
"""

from __future__ import annotations

import numpy as np
import pytest

import pixelgrid as pg
from pixelgrid import kernels as K
from pixelgrid._engines import native_sampler
from pixelgrid._sampling import sample_points
from pixelgrid.warp import image_center, rotation, sample, warp_affine

pytestmark = pytest.mark.skipif(not native_sampler.supported(),
                                reason="compiled sampler not built")

BOUNDARIES = ("constant", "renormalize", "clamp", "reflect", "symmetric", "wrap")
KERNELS = {
    "nearest": "nearest",
    "nearest_floor": K.nearest("round_prefer_floor"),
    "linear": "linear",
    "cubic": "cubic",
    "cubic075": K.cubic(-0.75),
    "cubic_table": K.cubic(-0.5, table=16),
    "cubic_pillow": K.cubic(-0.5, variant="pillow"),
    "lanczos3": "lanczos3",  # taps from the oracle, summed natively
    "gaussian": K.gaussian(0.8),
}


def _same(a: np.ndarray, b: np.ndarray) -> None:
    """Equal dtype, shape and values (NaN where NaN; +0/-0 compare equal)."""
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b, strict=True)


def _data(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return (rng.random(shape) * 200 - 50).astype(dt)
    if dt == np.bool_:
        return rng.random(shape) < 0.5
    info = np.iinfo(dt)
    return rng.integers(max(info.min, -1000), min(info.max, 1000), shape).astype(dt)


@pytest.mark.parametrize("kernel", list(KERNELS))
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_warp_affine_native_equals_reference(kernel: str, boundary: str) -> None:
    rng = np.random.default_rng(1)
    x = _data(rng, (23, 31, 3), "float64")
    m = rotation(33, image_center(x.shape), 0.8)
    kw = {"kernel": KERNELS[kernel], "boundary": boundary,
          "fill_value": 2.5 if boundary == "constant" else 0.0}
    _same(warp_affine(x, m, (29, 37), engine="native", **kw),
          warp_affine(x, m, (29, 37), engine="reference", **kw))


@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16", "uint32", "int32",
                                   "float16", "float32", "float64"])
@pytest.mark.parametrize("kernel", ["nearest", "linear", "cubic075"])
def test_sample_dtypes(dtype: str, kernel: str) -> None:
    rng = np.random.default_rng(2)
    x = _data(rng, (17, 13, 2), dtype)
    pts = rng.random((500, 2)) * 22 - 3
    for b in ("constant", "reflect"):
        kw = {"kernel": KERNELS[kernel], "boundary": b, "fill_value": 7.0}
        ref = sample(x, pts, engine="reference", **kw)
        _same(sample(x, pts, engine="auto", **kw), ref)
        if dtype != "float16" or kernel == "nearest":  # float16 sums: the oracle
            _same(sample(x, pts, engine="native", **kw), ref)


@pytest.mark.parametrize("dtype", ["bool", "int64", "uint64"])
def test_gather_only_dtypes(dtype: str) -> None:
    rng = np.random.default_rng(3)
    x = _data(rng, (9, 11), dtype)
    pts = rng.random((300, 2)) * 14 - 2
    for tie in ("round_half_even", "floor", "ceil", "round_prefer_floor", None):
        kw = {"kernel": "nearest", "tie": tie, "fill_value": 1.0}
        _same(sample(x, pts, engine="native", **kw), sample(x, pts, engine="reference", **kw))


def test_ties_exact_positions() -> None:
    # half-integer coordinates exercise every tie rule of the nearest kernel
    x = np.arange(6.0)
    pts = (np.arange(-4, 16) / 2.0)[:, None]
    for tie in ("round_half_even", "floor", "ceil", "round_prefer_floor",
                "round_prefer_ceil"):
        _same(sample(x, pts, kernel="nearest", tie=tie, boundary="clamp", engine="native"),
              sample(x, pts, kernel="nearest", tie=tie, boundary="clamp",
                     engine="reference"))


@pytest.mark.parametrize("k", [1, 3])
def test_other_ranks_and_axes(k: int) -> None:
    rng = np.random.default_rng(4)
    x = rng.random((2, 3, 7, 8, 9)[: 2 + k]).astype(np.float32)  # N, C, spatial...
    axes = list(range(2, 2 + k))
    pts = rng.random((40, k)) * 10 - 1
    for kern in ("linear", "cubic", "nearest"):
        kw = {"kernel": kern, "axes": axes, "boundary": "symmetric"}
        _same(sample(x, pts, engine="native", **kw), sample(x, pts, engine="reference", **kw))


def test_torch_tensor_nchw() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = torch.from_numpy(rng.random((2, 3, 20, 24)).astype(np.float32))
    m = rotation(20, (11.5, 9.5))
    a = warp_affine(x, m, engine="native")
    b = warp_affine(x, m, engine="reference")
    assert isinstance(a, torch.Tensor)
    _same(a.numpy(), b.numpy())


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grid_sample_native_equals_reference(mode: str, padding: str, dtype: type,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from pixelgrid.compat import torch as ptorch

    rng = np.random.default_rng(6)
    x = rng.random((2, 3, 9, 11)).astype(dtype)
    g = (rng.random((2, 7, 5, 2)) * 2.4 - 1.2).astype(dtype)
    x[0, 1, 4, 5] = np.nan
    for ac in (False, True):
        a = ptorch.grid_sample(x, g, mode, padding, ac)
        monkeypatch.setenv("PIXELGRID_ENGINE", "reference")
        b = ptorch.grid_sample(x, g, mode, padding, ac)
        monkeypatch.delenv("PIXELGRID_ENGINE")
        _same(a, b)


def test_regions_native_equals_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    x = rng.random((1, 3, 30, 40)).astype(np.float32)
    boxes = np.array([[0, 2.5, 3.0, 20.2, 25.0], [0, -3, -2, 45, 33]])
    img = rng.random((1, 30, 40, 3)).astype(np.float32)
    cboxes = np.array([[0.1, 0.2, 0.7, 0.9], [-0.1, 0.0, 1.2, 0.5]], np.float32)
    u8 = (rng.random((30, 40, 3)) * 255).astype(np.uint8)
    res = []
    for eng in ("native", "reference"):
        monkeypatch.setenv("PIXELGRID_ENGINE", eng)
        res.append((pg.warp.roi_align(x, boxes, 5, sampling_ratio=2, aligned=True),
                    pg.warp.crop_and_resize(img, cboxes, [0, 0], (6, 7)),
                    pg.warp.crop_and_resize(img, cboxes, [0, 0], (6, 7), "nearest"),
                    pg.warp.resample_region(u8, [(2.2, 20.7), (1.0, 30.5)], (9, 8),
                                            kernel="cubic", sampling_ratio=2)))
    for a, b in zip(*res, strict=True):
        _same(a, b)


def test_float32_fma_and_floor_window_directly() -> None:
    rng = np.random.default_rng(8)
    xm = rng.random((12, 10, 3)).astype(np.float32)
    xm[5, 5, 1] = np.inf
    pts = rng.random((400, 2)) * 14 - 2
    pts[:20] = np.round(pts[:20])  # exact pixel positions: zero-weight taps
    lin = K.linear()
    for window in ("support", "floor"):
        for arith in ("float64", "float32_fma"):
            args = (xm, pts, [lin, lin], ["constant"] * 2, 0.5, None, arith, window)
            _same(sample_points(*args, engine="native"),
                  sample_points(*args, engine="reference"))


# --------------------------------------------------------------------------------------
# NaN / inf placement
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["native", "reference"])
def test_nan_reaches_only_nonzero_weights_1d(engine: str) -> None:
    # Hand derivation (linear, index convention): a sample at 1.5 weighs pixels 1 and 2
    # by 1/2 each, so it is NaN; at 2.0 and 0.0 the NaN pixel 1 has weight 0 (taps
    # {1, 2} with weights {0, 1} and {-1, 0}), so those samples are exact.
    x = np.array([10.0, np.nan, 30.0, 40.0])
    y = sample(x, [[0.0], [0.5], [1.5], [2.0], [3.0]], engine=engine)
    np.testing.assert_array_equal(y, [10.0, np.nan, np.nan, 30.0, 40.0])
    x[1] = np.inf
    y = sample(x, [[0.0], [1.0], [2.0], [2.5]], engine=engine)
    np.testing.assert_array_equal(y, [10.0, np.inf, 30.0, 35.0])
    # cubic: at an integer position only the centre tap has weight (Keys: w(1) = w(2) = 0)
    x = np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    y = sample(x, [[0.0], [1.0], [3.0], [4.0], [3.5]], kernel="cubic", engine=engine)
    np.testing.assert_array_equal(y[:4], [1.0, 2.0, 4.0, 5.0])
    assert np.isnan(y[4])  # 3.5 weighs pixel 2 by -1/16


@pytest.mark.parametrize("engine", ["native", "reference"])
@pytest.mark.parametrize("kernel", ["linear", "cubic", "nearest", "cubic075"])
@pytest.mark.parametrize("n", [5, 6])
def test_rot90_moves_nan_and_inf_like_numpy(engine: str, kernel: str, n: int) -> None:
    # Before: linear rot90 gave 4 NaN for one NaN pixel and 3 NaN for one inf pixel.
    x = np.arange(n * n, dtype=np.float64).reshape(n, n)
    x[1, 3] = np.nan
    x[n - 1, 0] = np.inf
    x[2, 2] = -np.inf
    y = warp_affine(x, rotation(90, image_center(x.shape)), kernel=KERNELS[kernel],
                    engine=engine)
    np.testing.assert_array_equal(y, np.rot90(x))
    assert int(np.isnan(y).sum()) == 1 and int(np.isinf(y).sum()) == 2


def test_rot90_uint8_and_float32_channels() -> None:
    rng = np.random.default_rng(9)
    x = rng.random((8, 8, 3)).astype(np.float32)
    x[3, 4, 1] = np.nan
    y = warp_affine(x, rotation(90, image_center(x.shape)))
    np.testing.assert_array_equal(y, np.rot90(x))


def test_grid_sample_nan_like_torch() -> None:
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    from pixelgrid.compat import torch as ptorch

    for dt in (torch.float32, torch.float64):
        for val in (float("nan"), float("inf")):
            x = torch.zeros(1, 2, 5, 6, dtype=dt)
            x[0, 1, 2, 3] = val
            x[0, 0, 4, 0] = val
            th = torch.tensor([[[1.0, 0, 0], [0, 1, 0]]], dtype=dt)
            for ac in (True, False):
                g = F.affine_grid(th, (1, 2, 5, 6), align_corners=ac)
                g2 = g * 1.1 + 0.03
                for mode in ("bilinear", "bicubic", "nearest"):
                    for pad in ("zeros", "border", "reflection"):
                        for grid in (g, g2):
                            want = F.grid_sample(x, grid, mode, pad, ac).numpy()
                            got = ptorch.grid_sample(x, grid, mode, pad, ac).numpy()
                            np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
                            np.testing.assert_array_equal(np.isinf(got), np.isinf(want))


def test_onnx_grid_sample_nan_like_onnxruntime() -> None:
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    from pixelgrid.compat import onnx as ponnx

    rng = np.random.default_rng(10)
    x = np.zeros((1, 1, 5, 6), np.float32)
    x[0, 0, 2, 3] = np.nan
    x[0, 0, 0, 5] = np.inf
    lin = np.linspace(-1, 1, 6, dtype=np.float32)
    gy, gx = np.meshgrid(np.linspace(-1, 1, 5, dtype=np.float32), lin, indexing="ij")
    grids = [np.stack([gx, gy], -1)[None].astype(np.float32),
             (rng.random((1, 7, 8, 2)) * 2.2 - 1.1).astype(np.float32)]
    for mode in ("linear", "cubic", "nearest"):
        for pad in ("zeros", "border", "reflection"):
            for ac in (0, 1):
                node = helper.make_node("GridSample", ["X", "G"], ["Y"], mode=mode,
                                        padding_mode=pad, align_corners=ac)
                graph = helper.make_graph(
                    [node], "g",
                    [helper.make_tensor_value_info("X", TensorProto.FLOAT, None),
                     helper.make_tensor_value_info("G", TensorProto.FLOAT, None)],
                    [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
                model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
                sess = ort.InferenceSession(model.SerializeToString(),
                                            providers=["CPUExecutionProvider"])
                for g in grids:
                    want = sess.run(None, {"X": x, "G": g})[0]
                    got = ponnx.grid_sample(x, g, mode=mode, padding_mode=pad,
                                            align_corners=ac)
                    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
                    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))


# --------------------------------------------------------------------------------------
# nan_policy
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["native", "reference"])
def test_nan_policy_omit_hand_derived(engine: str) -> None:
    x = np.array([1.0, np.nan, 3.0, 5.0])
    pts = [[0.25], [1.0], [2.5], [1.5], [0.5]]
    y = sample(x, pts, nan_policy="omit", engine=engine)
    # 0.25: taps 0 (w 3/4, value 1) and 1 (NaN, dropped) -> 0.75 * 1 / 0.75 = 1
    # 1.0: only the NaN tap has weight -> none left -> NaN
    # 2.5: both taps finite -> unchanged 4; 1.5: tap 2 alone -> 3; 0.5: tap 0 alone -> 1
    np.testing.assert_array_equal(y, [1.0, np.nan, 4.0, 3.0, 1.0])
    x = np.array([np.inf, 2.0, 4.0])
    # -0.5 with constant fill 10: the outside tap's weight 1/2 reads the fill, the inf
    # tap is dropped -> (0.5 * 10) / 0.5 = 10
    y = sample(x, [[-0.5], [0.5]], boundary="constant", fill_value=10.0,
               nan_policy="omit", engine=engine)
    np.testing.assert_array_equal(y, [10.0, 2.0])
    y = sample(x, [[0.0], [1.0]], kernel="nearest", nan_policy="omit", engine=engine)
    np.testing.assert_array_equal(y, [np.nan, 2.0])  # a nearest tap that is inf: none left


def test_nan_policy_omit_2d_and_warp() -> None:
    rng = np.random.default_rng(11)
    x = rng.random((16, 18, 2)).astype(np.float32)
    x[rng.random(x.shape) < 0.1] = np.nan
    x[3, 3, 0] = np.inf
    pts = rng.random((600, 2)) * 18 - 1
    for kern in ("linear", "cubic", "lanczos3"):
        a = sample(x, pts, kernel=kern, nan_policy="omit", engine="native")
        b = sample(x, pts, kernel=kern, nan_policy="omit", engine="reference")
        _same(a, b)
        p = sample(x, pts, kernel=kern, engine="native")
        fin = np.isfinite(p)
        np.testing.assert_array_equal(a[fin], p[fin])  # unchanged where nothing dropped
        assert np.isnan(a).sum() < np.isnan(p).sum()
    m = rotation(17, image_center(x.shape))
    _same(warp_affine(x, m, nan_policy="omit", engine="native"),
          warp_affine(x, m, nan_policy="omit", engine="reference"))
    xi = (rng.random((6, 7)) * 100).astype(np.uint8)  # integers: a no-op
    _same(warp_affine(xi, m, nan_policy="omit"), warp_affine(xi, m))


@pytest.mark.parametrize("bad", ["drop", "OMIT", None, 1])
def test_nan_policy_bad_values(bad: object) -> None:
    x = np.zeros((4, 4))
    with pytest.raises(ValueError, match=r"nan_policy=.*'propagate', 'omit'"):
        sample(x, [[1.0, 1.0]], nan_policy=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="nan_policy"):
        warp_affine(x, np.eye(3), nan_policy=bad)  # type: ignore[arg-type]


def test_bad_engine() -> None:
    with pytest.raises(ValueError, match="engine"):
        sample(np.zeros(4), [[1.0]], engine="gpu")


# --------------------------------------------------------------------------------------
# Nearest resize: the compiled multi-axis gather
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["bool", "uint8", "int16", "int32", "int64", "uint64",
                                   "float16", "float32", "float64"])
@pytest.mark.parametrize("shape", [(37,), (37, 41), (37, 41, 3), (4, 37, 41, 2)])
def test_nearest_resize_gather_equals_reference(dtype: str, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(12)
    x = _data(rng, shape, dtype)
    sizes = [(50, 20), (13, 90), (80, 41), (37, 100)]
    axes = (1, 2) if len(shape) == 4 else None  # (N, H, W, C)
    for size in sizes:
        sz = size[: min(len(shape), 2)]
        for kern in ("nearest", K.nearest("round_prefer_floor"), K.nearest("floor")):
            ref = pg.resize(x, sz, kernel=kern, engine="reference", axes=axes)
            _same(pg.resize(x, sz, kernel=kern, axes=axes), ref)
            tie = getattr(kern, "tie", "round_prefer_ceil")
            _same(pg.resize_labels(x, sz, tie=tie, axes=axes),
                  pg.resize(x, sz, kernel=K.nearest(tie), engine="reference", axes=axes))


def test_nearest_gather_layouts_and_bits() -> None:
    rng = np.random.default_rng(13)
    x = rng.random((3, 40, 50)).astype(np.float32).transpose(1, 2, 0)  # not contiguous
    x[5, 7, 1] = -0.0
    x[9, 9, 2] = np.float32(np.nan)
    for axes, size in (((0, 1), (61, 23)), ((1,), (77,)), ((0, 2), (20, 5))):
        _same(pg.resize(x, size, kernel="nearest", axes=axes),
              pg.resize(x, size, kernel="nearest", axes=axes, engine="reference"))
    y = pg.resize_labels(x, (80, 100))  # -0.0 and NaN keep their bits
    assert np.signbit(y[10:12, 14:16, 1]).all() and np.isnan(y[18:20, 18:20, 2]).all()


def test_sampler_boundary_is_named_and_checked() -> None:
    # The compiled sampler receives named objects (SampleAxis, GivenTaps, SampleGrid), not
    # positional rows: an axis whose kernel needs given taps but gets none, or an entry
    # count that does not match the axes, is a ValueError naming what is wrong.
    ext = native_sampler._ext
    if ext is None:
        pytest.skip("extension not built")
    ax = ext.SampleAxis(kernel=2, boundary=2, tie=0, table=0.0, a=0.0, radius=1.0, margin=3.0)
    assert (ax.kernel, ax.boundary, ax.radius, ax.margin) == (2, 2, 1.0, 3.0)
    given_ax = ext.SampleAxis(kernel=0, boundary=2, tie=0, table=0.0, a=0.0, radius=1.0,
                              margin=0.0)
    src = np.zeros((5, 1))
    dst = np.empty((2, 1))
    pts = np.array([[1.5], [2.0]])
    kw = dict(src=src, dst=dst, dtype=7, out=0, gather=0, pts=pts, affine=None, fill=0.0,
              fill_bytes=None, window=0, omit=0, sums=0, threads=1)
    ext.sample_points(axes=[ax], given=[None], **kw)  # linear along one axis: runs
    np.testing.assert_array_equal(dst, 0.0)
    with pytest.raises(ValueError, match="given taps missing"):
        ext.sample_points(axes=[given_ax], given=[None], **kw)
    with pytest.raises(ValueError, match="one given entry per axis"):
        ext.sample_points(axes=[ax], given=[], **kw)
    taps = ext.GivenTaps(index=np.array([[1, 2], [2, 3]]), weight=np.array([[0.5, 0.5],
                                                                            [1.0, 0.0]]))
    src[:, 0] = np.arange(5.0)
    ext.sample_points(axes=[given_ax], given=[taps], **kw)
    np.testing.assert_array_equal(dst[:, 0], [1.5, 2.0])  # 0.5*1 + 0.5*2; 1.0*2
