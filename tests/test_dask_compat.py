"""Compat calls on Dask arrays: lazy Dask out, bit-identical to the in-memory compat call.

One place makes this work for every library: ``check_array`` passes a Dask array on
and ``run_plans`` applies its plans block by block (``pixelgrid._dask``; a library's
ordered model runs whole along the resampled axes and the axes after them).  The
expected values are the in-memory compat call on the same numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pixelgrid.compat import jax as cjax  # noqa: E402
from pixelgrid.compat import matlab, onnx, opencv, pillow, scipy, skimage  # noqa: E402
from pixelgrid.compat import tensorflow as ctf  # noqa: E402
from pixelgrid.compat import torch as ctorch  # noqa: E402
from test_dask_warp import _data, _same  # noqa: E402  (random data, bit-identity check)

Call = Callable[[Any], Any]

# (name, call on an (N, H, W, C) or (H, W, C) array, layout): "hwc" calls get x[0]
CALLS: list[tuple[str, Call, str]] = [
    ("opencv.area", lambda x: opencv.resize(x, (23, 17), interpolation=opencv.INTER_AREA),
     "hwc"),
    ("opencv.linear", lambda x: opencv.resize(x, (61, 29), interpolation=opencv.INTER_LINEAR),
     "hwc"),
    ("opencv.cubic", lambda x: opencv.resize(x, (70, 50), interpolation=opencv.INTER_CUBIC),
     "hwc"),
    ("opencv.lanczos4", lambda x: opencv.resize(x, (30, 25),
                                                interpolation=opencv.INTER_LANCZOS4), "hwc"),
    ("pillow.bicubic", lambda x: pillow.resize(x if x.dtype == np.uint8 else x[..., 0],
                                               (23, 17), pillow.BICUBIC), "hwc"),
    ("pillow.lanczos", lambda x: pillow.resize(x if x.dtype == np.uint8 else x[..., 0],
                                               (55, 47), pillow.LANCZOS), "hwc"),
    ("torch.bilinear_aa", lambda x: ctorch.interpolate(
        x.transpose(0, 3, 1, 2), size=(17, 23), mode="bilinear", antialias=True), "nhwc"),
    ("torch.bicubic", lambda x: ctorch.interpolate(
        x.transpose(0, 3, 1, 2), scale_factor=1.5, mode="bicubic", align_corners=True),
     "nhwc"),
    ("tensorflow.lanczos3", lambda x: ctf.resize(x, (17, 23), "lanczos3", antialias=True),
     "nhwc"),
    ("tensorflow.area", lambda x: ctf.resize(x, (13, 11), "area"), "nhwc"),
    ("jax.cubic", lambda x: cjax.resize(x, (x.shape[0], 17, 50, x.shape[3]), "cubic"),
     "nhwc"),
    ("onnx.cubic", lambda x: onnx.resize(x.transpose(0, 3, 1, 2),
                                         sizes=[x.shape[0], x.shape[3], 17, 50],
                                         mode="cubic"), "nhwc"),
    ("onnx.linear_aa", lambda x: onnx.resize(x, sizes=[x.shape[0], 17, 23, x.shape[3]],
                                             mode="linear", antialias=1), "nhwc"),
    ("onnx.crop_and_resize", lambda x: onnx.resize(
        x.transpose(0, 3, 1, 2), sizes=[x.shape[0], x.shape[3], 20, 30], mode="cubic",
        coordinate_transformation_mode="tf_crop_and_resize",
        roi=[0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3], extrapolation_value=5.0), "nhwc"),
    ("skimage.resize_aa", lambda x: skimage.resize(x, (17, 23), order=1,
                                                   anti_aliasing=True), "hwc"),
    ("skimage.rescale", lambda x: skimage.rescale(x, 1.7, order=3, channel_axis=2), "hwc"),
    ("scipy.zoom", lambda x: scipy.zoom(x, (1, 0.6, 1.4, 1), order=3), "nhwc"),
    ("matlab.imresize", lambda x: matlab.imresize(x, (17, 23)), "hwc"),
    ("matlab.lanczos3", lambda x: matlab.imresize(x, 1.6, "lanczos3"), "hwc"),
]



@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize(("name", "call", "layout"), CALLS, ids=[c[0] for c in CALLS])
@settings(max_examples=int(os.environ.get("PIXELGRID_DASK_EXAMPLES", "10")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compat_call_on_dask_is_lazy_and_bit_identical(
        data: st.DataObject, dtype: str, name: str, call: Call, layout: str) -> None:
    shape = (data.draw(st.integers(1, 3)), data.draw(st.integers(20, 45)),
             data.draw(st.integers(20, 45)), 3)
    chunks = tuple(data.draw(st.integers(min(n, 6), n)) for n in shape)
    x = _data(np.random.default_rng(data.draw(st.integers(0, 2**31))), shape, dtype)
    xd = da.from_array(x, chunks=chunks)
    if layout == "hwc":
        x, xd = x[0], xd[0]
    try:
        expected = call(x)
    except (TypeError, ValueError) as e:  # refused in memory (ORT's 8-bit crop cubic): too
        with pytest.raises(type(e)):
            call(xd).compute(scheduler="sync")
        return
    y = call(xd)
    assert isinstance(y, da.Array), type(y)
    got = y.compute(scheduler="sync")
    assert _same(got, expected), (got.dtype, expected.dtype, got.shape, expected.shape)


def test_thin_float32_emulation_at_5000_px() -> None:
    # a realistic axis length (5000 -> 2000) through a library model, chunked on a batch
    # axis: still the in-memory call's bits
    x = np.random.default_rng(7).random((4, 2, 5000, 1), dtype=np.float32)
    xd = da.from_array(x, chunks=(1, 2, 1000, 1))
    expected = ctf.resize(x, (2, 2000), "lanczos3", antialias=True)
    got = ctf.resize(xd, (2, 2000), "lanczos3", antialias=True)
    assert isinstance(got, da.Array)
    assert got.chunks[0] == (1, 1, 1, 1)  # the batch axis stays chunked
    assert _same(got.compute(scheduler="sync"), expected)
