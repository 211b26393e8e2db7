"""Plans kept per call (compat.opencv.resize, compat.torch.interpolate): same results.

The compat modules keep the plans of recent calls, keyed on the call's arguments (with
their types), instead of rebuilding them each call.  Expected values come from the real
libraries; the properties checked: a repeated call, calls interleaved with other sizes,
``like_plans`` annotating its own plans, the thread-dependent torch route and invalid
arguments (still raising after a valid call of the same values was cached).
"""

from __future__ import annotations

import numpy as np
import pytest


def test_opencv_repeated_and_interleaved_calls() -> None:
    cv2 = pytest.importorskip("cv2")
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(1)
    x8 = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    xf = rng.random((37, 53), dtype=np.float32)
    calls = [(x8, (29, 17), cv2.INTER_LINEAR), (x8, (29, 17), cv2.INTER_AREA),
             (x8, (90, 61), cv2.INTER_CUBIC), (xf, (29, 17), cv2.INTER_LINEAR),
             (x8, (29, 17), cv2.INTER_NEAREST), (x8, (26, 18), cv2.INTER_LINEAR_EXACT)]
    for _ in range(2):
        for x, dsize, interp in calls:
            # like_plans annotates the plans it returns: never the ones resize keeps
            cvc.like_plans(x.shape[:2], dsize=dsize, interpolation=interp, dtype=x.dtype)
            want = cv2.resize(x, dsize, interpolation=interp)
            got = cvc.resize(x, dsize, interpolation=interp)
            assert got.dtype == want.dtype and np.array_equal(got, want)
    # fx/fy routes (an IPP warp for cubic) are keyed apart from dsize ones
    for fx in (0.7, 1.3):
        want = cv2.resize(x8, None, fx=fx, fy=fx, interpolation=cv2.INTER_CUBIC)
        assert np.array_equal(cvc.resize(x8, None, fx=fx, fy=fx, interpolation=cv2.INTER_CUBIC),
                              want)


def test_opencv_invalid_after_valid() -> None:
    from pixelgrid.compat import opencv as cvc

    x = np.zeros((8, 8), np.int32)
    with pytest.raises(TypeError, match="dtype"):
        cvc.resize(x, (4, 4), interpolation=cvc.INTER_CUBIC)
    cvc.resize(x.astype(np.uint8), (4, 4), interpolation=cvc.INTER_CUBIC)
    with pytest.raises(TypeError, match="dtype"):
        cvc.resize(x, (4, 4), interpolation=cvc.INTER_CUBIC)


def test_torch_repeated_calls_and_thread_setting() -> None:
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    from pixelgrid.compat import torch as pgt

    g = torch.Generator().manual_seed(3)
    tf = torch.rand(1, 3, 23, 31, generator=g)
    t8 = (torch.rand(1, 3, 64, 48, generator=g) * 255).to(torch.uint8) \
        .contiguous(memory_format=torch.channels_last)
    old = torch.get_num_threads()
    try:
        for threads in (1, 2, 1):  # 3-channel float bilinear routes by torch's threads
            torch.set_num_threads(threads)
            for t, kw in ((tf, dict(size=(40, 17), mode="bilinear", align_corners=False)),
                          (tf, dict(scale_factor=1.7, mode="bicubic", align_corners=True)),
                          (t8, dict(size=(20, 30), mode="bilinear", antialias=True)),
                          (t8, dict(size=[20, 30], mode="bilinear", antialias=True)),
                          (tf, dict(size=(9, 11), mode="nearest"))):
                want = F.interpolate(t, **kw)
                got = pgt.interpolate(t, **kw)
                assert got.dtype == want.dtype and got.shape == want.shape
                if t.dtype == torch.uint8:
                    assert torch.equal(got, want)
                else:
                    assert float((got - want).abs().max()) <= 1e-6
    finally:
        torch.set_num_threads(old)


def test_torch_invalid_after_valid() -> None:
    torch = pytest.importorskip("torch")
    from pixelgrid.compat import torch as pgt

    t = torch.zeros(1, 3, 8, 8)
    pgt.interpolate(t, size=(5, 5), mode="bilinear")
    for bad in ((5.0, 5.0), (5, 5.0)):  # equal to (5, 5), but not integers
        with pytest.raises(TypeError, match="size"):
            pgt.interpolate(t, size=bad, mode="bilinear")
    assert pgt.interpolate(t, size=(5, 5), mode="bilinear").shape == (1, 3, 5, 5)


def test_pillow_repeated_and_interleaved_calls() -> None:
    Image = pytest.importorskip("PIL.Image")
    from pixelgrid.compat import pillow as pc

    rng = np.random.default_rng(4)
    x = rng.integers(0, 256, (41, 57, 3), dtype=np.uint8)
    img = Image.fromarray(x)
    calls = [((20, 13), Image.Resampling.NEAREST, None), ((20, 13), Image.Resampling.BILINEAR,
                                                          None),
             ((90, 70), Image.Resampling.NEAREST, (3.5, 2.0, 50.25, 40.0)),
             ((20, 13), Image.Resampling.NEAREST, (0.0, 0.0, 57.0, 41.0))]
    for _ in range(2):
        for size, f, box in calls:
            want = np.asarray(img.resize(size, f, box=box))
            assert np.array_equal(pc.resize(x, size, f, box=box), want)


def test_onnx_repeated_calls_and_keys() -> None:
    from pixelgrid.compat import onnx as po

    x = np.arange(30, dtype=np.float32).reshape(1, 1, 5, 6)
    # the same call with its vectors as a list, a tuple and int64/float32 arrays
    want = po.resize(x, sizes=[1, 1, 8, 9], mode="nearest")
    for sizes in ([1, 1, 8, 9], (1, 1, 8, 9), np.array([1, 1, 8, 9])):
        assert np.array_equal(po.resize(x, sizes=sizes, mode="nearest"), want)
    # the fill is part of the key: outside the crop box each call writes its own
    kw = dict(scales=[1, 1, 1.5, 1.5], roi=[0, 0, 0.5, 0.5, 1, 1, 1.5, 1.5], mode="linear",
              coordinate_transformation_mode="tf_crop_and_resize")
    zero = po.resize(x, extrapolation_value=0.0, **kw)
    seven = po.resize(x, extrapolation_value=7.0, **kw)
    outside = zero != seven
    assert outside.any() and (zero[outside] == 0).all() and (seven[outside] == 7).all()
    # floats are keyed by their bits (-0.0 and 0.0 are equal, not the same argument)
    assert po._call_key((-0.0,)) != po._call_key((0.0,))
    assert po._call_key((1,)) != po._call_key((1.0,)) != po._call_key((True,))
    # an invalid call still raises after its valid neighbour was kept
    with pytest.raises(ValueError, match="mode"):
        po.resize(x, sizes=[1, 1, 8, 9], mode="area")
    assert po._call_key((np.zeros((2, 2)),)) is None  # 2-D: planned afresh, not keyed
