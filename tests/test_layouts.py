"""Layouts: no default choice of axes silently resamples channels (issue 12 item 1).

numpy arrays are resampled along their leading axes, torch tensors along their
trailing ones.  When that default would resample a channel-like axis (at most 4
long) while a longer axis is left alone, the call is refused with a ValueError
naming ``axes=`` and the axes the caller most likely meant; an explicit ``axes=``
is always obeyed.  The expected axes below are read off the shapes by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import pixelgrid as pg

CHW = np.random.default_rng(0).random((3, 40, 60)).astype(np.float32)
HWC = np.ascontiguousarray(np.moveaxis(CHW, 0, -1))  # (40, 60, 3)
NCHW = np.stack([CHW, CHW])  # (2, 3, 40, 60)
NHWC = np.stack([HWC, HWC])  # (2, 40, 60, 3)


@pytest.mark.parametrize(
    ("x", "kwargs", "match"),
    [
        # a channels-first image: the leading (3, 40) would be resized, 60 left alone
        (CHW, {"size": (20, 30)}, r"axis 0 has length 3, which looks like channels.*"
                                  r"Pass axes=\(1, 2\)"),
        # an NCHW batch: the leading (2, 3); this was "needs about 107 GiB" at full size
        (NCHW, {"size": (20, 30)}, r"axis 0 has length 2.*Pass axes=\(2, 3\)"),
        (NCHW, {"scale": (0.5, 0.5)}, r"scale=\(0.5, 0.5\) would resample axes \(0, 1\).*"
                                      r"Pass axes=\(2, 3\)"),
        # an NHWC batch: (2, 40) resized, 60 left alone
        (NHWC, {"size": (20, 30)}, r"axis 0 has length 2.*Pass axes=\(1, 2\)"),
    ],
)
def test_numpy_channels_first_is_refused(x: Any, kwargs: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        pg.resize(x, **kwargs)


def test_the_error_states_the_order_of_sizes() -> None:
    with pytest.raises(ValueError, match=r"\(H, W\), rows first"):
        pg.resize(CHW, (20, 30))


def test_explicit_axes_are_obeyed() -> None:
    y = pg.resize(CHW, (20, 30), axes=(1, 2))
    assert y.shape == (3, 20, 30)
    # the same numbers as resizing the HWC image along its leading axes (to float32
    # rounding: the compiled engine sums float32 in float32, in a layout-dependent order)
    np.testing.assert_allclose(np.moveaxis(y, 0, -1), pg.resize(HWC, (20, 30)), rtol=0,
                               atol=2e-7)
    assert pg.resize(NCHW, (20, 30), axes=(2, 3)).shape == (2, 3, 20, 30)
    # the user says axis 0 (length 3) is spatial: it is resized
    assert pg.resize(CHW, (6, 30), axes=(0, 1)).shape == (6, 30, 60)


def test_usual_layouts_pass() -> None:
    assert pg.resize(HWC, (20, 30)).shape == (20, 30, 3)
    assert pg.resize(HWC[..., :1], (20, 30)).shape == (20, 30, 1)
    assert pg.resize(np.zeros((40, 60, 4)), (20, 30)).shape == (20, 30, 4)  # RGBA
    assert pg.resize(np.zeros((40, 60)), (20, 30)).shape == (20, 30)
    assert pg.resize(np.zeros(40), 20).shape == (20,)
    assert pg.resize(np.zeros((4, 4, 3)), (8, 8)).shape == (8, 8, 3)  # a tiny image
    # a short axis whose length does not change resamples nothing: allowed
    assert pg.resize(CHW, (3, 20)).shape == (3, 20, 60)
    # every axis left alone is channel-like itself: nothing spatial is skipped
    assert pg.resize(np.zeros((1, 3)), (2,)).shape == (2, 3)


def test_torch_hwc_is_refused_and_nchw_passes() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"torch tensor of shape \(40, 60, 3\).*axis 2 has "
                                         r"length 3.*Pass axes=\(0, 1\)"):
        pg.resize(torch.from_numpy(HWC), (20, 30))
    assert tuple(pg.resize(torch.from_numpy(NCHW), (20, 30)).shape) == (2, 3, 20, 30)
    assert tuple(pg.resize(torch.from_numpy(CHW), (20, 30)).shape) == (3, 20, 30)
    y = pg.resize(torch.from_numpy(HWC), (20, 30), axes=(0, 1))
    assert tuple(y.shape) == (20, 30, 3)


def test_resize_labels_follows_the_same_rule() -> None:
    lab = (CHW * 4).astype(np.uint8)
    with pytest.raises(ValueError, match=r"Pass axes=\(1, 2\)"):
        pg.resize_labels(lab, (20, 30))
    assert pg.resize_labels(lab, (20, 30), axes=(1, 2)).shape == (3, 20, 30)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"Pass axes=\(0, 1\)"):
        pg.resize_labels(torch.from_numpy(np.moveaxis(lab, 0, -1).copy()), (20, 30))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: pg.warp_affine(CHW, pg.rotation(10)), r"warp_affine would resample axes "
                                                       r"\(0, 1\).*Pass axes=\(1, 2\)"),
        (lambda: pg.sample(CHW, np.array([[1.0, 2.0]])), r"sample with 2 coordinates per "
                                                         r"point.*Pass axes=\(1, 2\)"),
        (lambda: pg.resample_region(CHW, [(0, 4), (0, 4)], (3, 3)),
         r"resample_region with a box of 2 axes.*Pass axes=\(1, 2\)"),
    ],
)
def test_warps_follow_the_same_rule(call: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_warps_with_explicit_axes() -> None:
    m = pg.rotation(90, pg.image_center((40, 60)))
    y = pg.warp_affine(CHW, m, axes=(1, 2))
    np.testing.assert_array_equal(np.moveaxis(y, 0, -1), pg.warp_affine(HWC, m))
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"Pass axes=\(0, 1\)"):
        pg.warp_affine(torch.from_numpy(HWC), m)
    assert tuple(pg.warp_affine(torch.from_numpy(CHW), m).shape) == (3, 40, 60)


def test_resize_flow_hints_at_channels_first() -> None:
    with pytest.raises(ValueError, match=r"channels-first \(2, H, W\) flow"):
        pg.resize_flow(np.zeros((2, 40, 60), np.float32), (20, 30))


def test_compat_modules_keep_their_library_layout() -> None:
    """A compat call reproduces its library, layout mistakes included (no extra refusal)."""
    cv2 = pytest.importorskip("cv2")
    from pixelgrid.compat import opencv

    # cv2 reads (3, 40, 60) as a 3x40 image with 60 channels, and so does the emulation
    ref = cv2.resize(CHW, (30, 20), interpolation=cv2.INTER_LINEAR)
    got = opencv.resize(CHW, (30, 20))
    assert got.shape == ref.shape == (20, 30, 60)
