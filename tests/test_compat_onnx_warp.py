"""pixelgrid.compat ONNX GridSample-22 / AffineGrid-20 against onnxruntime and onnx.reference."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from pixelgrid.compat._onnx_warp import affine_grid, grid_sample

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

RNG = np.random.default_rng(11)
PADDINGS = ["zeros", "border", "reflection"]


def _model(op: str, inputs: list[tuple[str, int, tuple[int, ...]]], **attrs: Any) -> Any:
    vis = [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs]
    out = helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)
    node = helper.make_node(op, [n for n, _, _ in inputs], ["Y"], **attrs)
    m = helper.make_model(helper.make_graph([node], "g", vis, [out]),
                          opset_imports=[helper.make_opsetid("", 22)])
    m.ir_version = 10  # what onnxruntime 1.31 accepts
    return m


def _run_ort(model: Any, feeds: dict[str, np.ndarray]) -> np.ndarray:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(sess.run(None, feeds)[0])


def _run_ref(model: Any, feeds: dict[str, np.ndarray]) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(ReferenceEvaluator(model).run(None, feeds)[0])


def _case(dim: int, ac: int, exact: bool, min_size: int = 1) -> tuple[np.ndarray, np.ndarray]:
    spatial = tuple(int(v) for v in RNG.integers(min_size, 7, dim))
    out = tuple(int(v) for v in RNG.integers(1, 5, dim))
    x = RNG.standard_normal((2, 2, *spatial)).astype(np.float32)
    g = RNG.uniform(-1.6, 1.6, (2, *out, dim))
    if exact:  # multiples of half a pixel: centres, edges, nearest ties
        for i in range(dim):
            n = spatial[dim - 1 - i]
            k = RNG.integers(-2 * n - 2, 2 * n + 3, g[..., i].shape)
            g[..., i] = (k / (n - 1) - 1 if n > 1 else 0.0) if ac else k / n - 1
    return x, g.astype(np.float32)


def _grid_model(x: np.ndarray, g: np.ndarray, mode: str, padding: str, ac: int) -> Any:
    return _model("GridSample", [("X", TensorProto.FLOAT, x.shape),
                                 ("G", TensorProto.FLOAT, g.shape)],
                  mode=mode, padding_mode=padding, align_corners=ac)


# onnxruntime 1.31 implements 4-D (every mode) and 5-D linear / nearest.
ORT_CASES = [(2, m) for m in ("linear", "nearest", "cubic")] + [(3, "linear"), (3, "nearest")]


@pytest.mark.parametrize("ac", [0, 1])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize(("dim", "mode"), ORT_CASES)
def test_grid_sample_matches_onnxruntime(dim: int, mode: str, padding: str, ac: int) -> None:
    for trial in range(6):
        x, g = _case(dim, ac, exact=trial % 2 == 1)
        ref = _run_ort(_grid_model(x, g, mode, padding, ac), {"X": x, "G": g})
        got = grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=ac)
        assert got.shape == ref.shape and got.dtype == ref.dtype
        if mode == "nearest":
            np.testing.assert_array_equal(got, ref)
        else:
            np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5)


REF_CASES = [(1, "linear"), (1, "nearest"), (1, "cubic"), (2, "cubic"), (3, "cubic")]


@pytest.mark.parametrize("ac", [0, 1])
@pytest.mark.parametrize("padding", ["zeros", "reflection"])
@pytest.mark.parametrize(("dim", "mode"), REF_CASES)
def test_grid_sample_matches_onnx_reference(dim: int, mode: str, padding: str, ac: int) -> None:
    # onnx.reference covers every rank; it overflows on length-1 axes with reflection,
    # so those sizes are left out.
    for trial in range(3):
        x, g = _case(dim, ac, exact=trial == 1, min_size=2)
        ref = _run_ref(_grid_model(x, g, mode, padding, ac), {"X": x, "G": g})
        got = grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=ac)
        if mode == "nearest":
            np.testing.assert_array_equal(got, ref)
        else:
            np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5)


@pytest.mark.xfail(strict=True, reason=(
    "onnx.reference disagrees with onnxruntime and PyTorch for cubic+border at some points "
    "outside a 2-D/3-D image (measured up to 0.46 on random grids; 1-D agrees): the guide "
    "attributes it to clamping the continuous coordinate instead of each tap.  This module "
    "follows onnxruntime and PyTorch"))
def test_grid_sample_cubic_border_onnx_reference() -> None:
    # y = -1.2 is pixel -0.9 on a height-4 axis: ORT and PyTorch give 0.0619444 here, the
    # reference 0.0723438 (measured; ORT is also compared in test_grid_sample_matches_onnxruntime)
    x = ((np.arange(4.0)[:, None] * 10 + np.arange(5.0)) ** 2 / 100).astype(np.float32)
    x = x.reshape(1, 1, 4, 5)
    g = np.array([[[[0.3, -1.2]]]], dtype=np.float32)
    ort_value = _run_ort(_grid_model(x, g, "cubic", "border", 0), {"X": x, "G": g})
    np.testing.assert_allclose(grid_sample(x, g, mode="cubic", padding_mode="border"),
                               ort_value, atol=1e-6)
    ref = _run_ref(_grid_model(x, g, "cubic", "border", 0), {"X": x, "G": g})
    np.testing.assert_allclose(grid_sample(x, g, mode="cubic", padding_mode="border"), ref,
                               atol=1e-5)


def test_grid_sample_nearest_rounds_before_padding() -> None:
    # Hand derivation: width 4, align_corners=0, reflection; pixel x = -2.5 (a tie).
    # ONNX: rint(-2.5) = -2, mirrored about -0.5 -> pixel 1.  PyTorch mirrors first
    # (-2.5 -> 1.5) and rounds to 2.
    x = np.arange(4, dtype=np.float32).reshape(1, 1, 4)
    g = np.array([[[(2 * -2.5 + 1) / 4 - 1]]], dtype=np.float32)
    got = grid_sample(x, g, mode="nearest", padding_mode="reflection")
    assert got.ravel().tolist() == [1.0]
    ref = _run_ref(_grid_model(x, g, "nearest", "reflection", 0), {"X": x, "G": g})
    assert ref.ravel().tolist() == [1.0]


@pytest.mark.parametrize("ac", [0, 1])
def test_affine_grid_matches_onnxruntime_and_reference(ac: int) -> None:
    for trial in range(10):
        dim = 2 if trial % 2 else 3
        size = np.array([2, 3, *(int(v) for v in RNG.integers(2, 7, dim))], dtype=np.int64)
        theta = RNG.standard_normal((2, dim, dim + 1)).astype(np.float32)
        model = _model("AffineGrid", [("T", TensorProto.FLOAT, theta.shape),
                                      ("S", TensorProto.INT64, size.shape)], align_corners=ac)
        feeds = {"T": theta, "S": size}
        got = affine_grid(theta, size, align_corners=ac)
        np.testing.assert_allclose(got, _run_ort(model, feeds), rtol=0, atol=1e-5)
        np.testing.assert_allclose(got, _run_ref(model, feeds), rtol=0, atol=1e-5)


def test_onnx_errors() -> None:
    x = np.zeros((1, 1, 3, 3), np.float32)
    g = np.zeros((1, 2, 2, 2), np.float32)
    with pytest.raises(ValueError, match="mode='bilinear' is not valid"):
        grid_sample(x, g, mode="bilinear")  # the opset-16 name
    with pytest.raises(ValueError, match="padding_mode='edge' is not valid"):
        grid_sample(x, g, padding_mode="edge")
    with pytest.raises(ValueError, match="align_corners=2 is not valid"):
        grid_sample(x, g, align_corners=2)
    with pytest.raises(ValueError, match="grid has shape"):
        grid_sample(x, np.zeros((1, 2, 2, 1), np.float32))
    with pytest.raises(ValueError, match="non-finite"):
        grid_sample(x, np.full((1, 2, 2, 2), np.inf, np.float32))
    with pytest.raises(TypeError, match="numpy array"):
        grid_sample([[1.0]], g)
    with pytest.raises(ValueError, match="integer vector"):
        affine_grid(np.zeros((1, 2, 3), np.float32), np.array([1.0, 1, 2, 2]))
    with pytest.raises(ValueError, match=r"must be \(1, 2, 3\)"):
        affine_grid(np.zeros((1, 3, 4), np.float32), np.array([1, 1, 2, 2]))
    # N-D: a 1-D GridSample (3-D X) works, which PyTorch does not offer
    y = grid_sample(np.array([[[0.0, 10.0]]], np.float32), np.array([[[0.0]]], np.float32))
    assert y.tolist() == [[[5.0]]]


# --- realistic sizes: a 4 x 5000 image at 4 x 5000 random points (thin, fast) -------------
# Measured with onnxruntime 1.32.0: nearest bit-identical, linear 1.2e-7, cubic 1.4e-6,
# the same as on a 2500-px image (the difference does not grow with size).


@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("ac", [0, 1])
def test_grid_sample_5000px(mode, padding, ac):
    rng = np.random.default_rng(5000)
    x = rng.random((1, 1, 4, 5000), dtype=np.float32)
    g = rng.uniform(-1.1, 1.1, (1, 4, 5000, 2)).astype(np.float32)
    want = _run_ort(_grid_model(x, g, mode, padding, ac), {"X": x, "G": g})
    got = grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=ac)
    if mode == "nearest":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)


@pytest.mark.parametrize("ac", [0, 1])
def test_affine_grid_5000px(ac):
    th = np.random.default_rng(20).uniform(-1, 1, (1, 2, 3)).astype(np.float32)
    size = np.array([1, 1, 4, 5000], np.int64)  # a 5000-px axis, kept thin
    m = _model("AffineGrid", [("T", TensorProto.FLOAT, th.shape),
                              ("S", TensorProto.INT64, (4,))], align_corners=ac)
    want = _run_ort(m, {"T": th, "S": size})
    np.testing.assert_allclose(affine_grid(th, size, align_corners=ac), want, rtol=0, atol=2e-6)
