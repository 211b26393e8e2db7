"""Grid conventions: hand-derived coordinates and exact output sizes."""

from fractions import Fraction

import numpy as np
import pytest

import pixelgrid
from pixelgrid import grid, output_size


def test_seed_thread_1d_coordinates():
    # The forum thread: resizing [0, 1] to 4 samples reads the source at
    # (x_out + 0.5) / 2 - 0.5 = [-0.25, 0.25, 0.75, 1.25] with align_corners=False
    # and at x_out * (2 - 1) / (4 - 1) = [0, 1/3, 2/3, 1] with align_corners=True.
    assert grid.half_pixel(2, 4).coords(4).tolist() == [-0.25, 0.25, 0.75, 1.25]
    exact = [grid.align_corners(2, 4).exact(o) for o in range(4)]
    assert exact == [Fraction(0), Fraction(1, 3), Fraction(2, 3), Fraction(1)]


def test_factor_versus_size_scale():
    # in=5, out=floor(5 * 1.3) = 6.  With the size ratio a = 5/6; with the factor
    # a = 1/1.3 = 10/13 (PyTorch/OpenCV/ONNX when a factor is given).
    assert grid.half_pixel(5, 6).a == Fraction(5, 6)
    assert grid.half_pixel(5, 6, scale=1.3).a == Fraction(10, 13)
    # align_corners ignores a factor
    assert grid.align_corners(5, 6, scale=1.3).a == Fraction(4, 5)


def test_asymmetric_and_tf_half_pixel_for_nn():
    # x = o / s and x = (o + 0.5) / s, s = 4/2 = 2
    assert grid.asymmetric(2, 4).coords(4).tolist() == [0.0, 0.5, 1.0, 1.5]
    assert grid.tf_half_pixel_for_nn(2, 4).coords(4).tolist() == [0.25, 0.75, 1.25, 1.75]


def test_pytorch_half_pixel_length_one():
    # ONNX spec: a length-1 output reads coordinate 0; otherwise half_pixel.
    assert grid.pytorch_half_pixel(6, 1).coords(1).tolist() == [0.0]
    assert grid.pytorch_half_pixel(6, 3).coords(3).tolist() == [0.5, 2.5, 4.5]


def test_half_pixel_symmetric_onnx_t7():
    # USER-NEEDS T7: input [100, 200], scale 1.3, out = floor(2.6) = 2.
    # half_pixel: x = (o + .5)/1.3 - .5 = [-0.11538, 0.65385] -> linear [100, 165.3846]
    # symmetric: adj = 2/2.6, off = 1 * (1 - adj) = 0.23077 -> x = [0.11538, 0.88462]
    x = grid.half_pixel_symmetric(2, 2, scale=1.3).coords(2)
    off = 1 - 2 / 2.6
    np.testing.assert_allclose(x, [0.5 / 1.3 - 0.5 + off, 1.5 / 1.3 - 0.5 + off])
    # flip symmetry: x(o) + x(n-1-o) == in - 1
    for n_in, n_out, s in [(7, 9, 1.3), (10, 3, 0.37), (5, 5, 1.1)]:
        aff = grid.half_pixel_symmetric(n_in, n_out, scale=s)
        assert all(aff.exact(o) + aff.exact(n_out - 1 - o) == n_in - 1 for o in range(n_out))


def test_tf_crop_and_resize():
    # box (0.25, 0.75) of a 5-pixel axis, 3 samples: start*(in-1) = 1, step = 0.5*4/2 = 1
    aff = grid.tf_crop_and_resize(5, 3, roi=(0.25, 0.75))
    assert aff.coords(3).tolist() == [1.0, 2.0, 3.0]
    assert aff.valid == (0, 4)
    # a single sample reads the box centre
    assert grid.tf_crop_and_resize(5, 1, roi=(0, 0.5)).coords(1).tolist() == [1.0]


def test_scale_translate_jax_convention():
    # x = (o + 0.5 - t) / s - 0.5 with s = 1, t = 1 -> o - 1
    assert grid.scale_translate(4, 4, scale=1, translate=1).coords(4).tolist() == [-1, 0, 1, 2]


@pytest.mark.parametrize(
    ("n", "scale", "rounding", "expected"),
    [
        (88, 120 / 88, "floor", 120),  # a float product gives 119.99999999999999
        (32, 0.1234, "floor", 3),  # USER-NEEDS T8: torch 3, cv2/skimage 4
        (32, 0.1234, "round", 4),
        (32, 0.9999, "floor", 31),
        (32, 0.9999, "round", 32),
        (32, 1.8, "floor", 57),
        (32, 1.8, "round", 58),
        (10, 0.35, "ceil", 4),
        (3, Fraction(1, 3), "floor", 1),
    ],
)
def test_output_size_exact(n, scale, rounding, expected):
    assert output_size(n, scale, rounding) == expected


def test_output_size_errors():
    with pytest.raises(ValueError, match="rounding='up' is not valid"):
        output_size(4, 2.0, "up")
    with pytest.raises(ValueError, match="empty output"):
        output_size(4, 0.1)
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="scale="):
            output_size(4, bad)
    with pytest.raises(TypeError, match="scale='2' must be a real number"):
        output_size(4, "2")


def test_convention_errors():
    with pytest.raises(ValueError, match="name='corners' is not valid; expected one of"):
        grid.convention("corners", 3, 4)
    with pytest.raises(ValueError, match="grid='corners' is not valid; expected one of"):
        pixelgrid.plan(3, 4, grid="corners")  # plan() names its own parameter
    with pytest.raises(ValueError, match="in_size=0 must be >= 1"):
        grid.half_pixel(0, 4)
    with pytest.raises(TypeError, match=r"out_size=2\.5 must be an integer"):
        grid.half_pixel(3, 2.5)
    with pytest.raises(ValueError, match=r"roi=.* must be finite"):
        grid.tf_crop_and_resize(4, 3, roi=(0, float("nan")))


def test_exact_floor_with_huge_denominators():
    # A float scale with no short fraction is taken at its exact binary value;
    # floor/ceil stay exact through Python integers.
    s = 1 / 3 + 1e-12
    aff = grid.asymmetric(1000, 333, scale=s)
    exact = [int((Fraction(o) * aff.a + aff.offset) // 1) for o in range(333)]
    assert aff.floor(333).tolist() == exact


def test_describe():
    assert grid.half_pixel(2, 4).describe() == "x_in = 0.5 * x_out - 0.25"
