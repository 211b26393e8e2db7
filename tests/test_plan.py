"""Plans: hand-derived taps and weights, boundary rules, nearest ties, fixed point."""

from fractions import Fraction

import numpy as np
import pytest

import pixelgrid as pg
from pixelgrid._plan import map_boundary


def test_linear_upsample_weights():
    # 2 -> 4 half-pixel: x = [-0.25, 0.25, 0.75, 1.25]; x=-0.25 reads taps -1 (0.25), 0 (0.75);
    # renormalize drops tap -1 -> weight 1 on pixel 0.
    p = pg.plan(2, 4, kernel="linear")
    np.testing.assert_allclose(p.matrix(), [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]])


def test_antialias_weights_t2():
    # USER-NEEDS T2 (pytorch PR #145526): width 20 -> 10, bilinear, antialias: the triangle is
    # stretched to radius 2. Output 0 sits at x = 0.5: taps -1..2 at distances -1.5,-.5,.5,1.5
    # -> 0.25, 0.75, 0.75, 0.25; tap -1 is outside -> [0.75, 0.75, 0.25] / 1.75.
    p = pg.plan(20, 10, kernel="linear", antialias=True)
    m = p.matrix()
    np.testing.assert_allclose(m[0, :3], [3 / 7, 3 / 7, 1 / 7])
    np.testing.assert_allclose(m[1, 1:5], [0.125, 0.375, 0.375, 0.125])
    # no antialias: 2-tap interpolation at x = 2o + 0.5
    np.testing.assert_allclose(pg.plan(20, 10, kernel="linear").matrix()[1, 2:4], [0.5, 0.5])


def test_area_plan_is_box_overlap():
    # 10 -> 3: footprint 10/3; output 0 covers [0, 10/3): pixels 0,1,2 fully, pixel 3 by 1/3.
    p = pg.plan(10, 3, kernel="area")
    np.testing.assert_allclose(p.matrix()[0, :4] * 10 / 3, [1, 1, 1, 1 / 3])


def test_adaptive_pool_windows():
    # torch adaptive pooling 5 -> 3: windows [0,2), [1,4), [3,5)
    m = pg.plan(5, 3, kernel="adaptive_pool").matrix()
    third = 1 / 3
    expected = [[0.5, 0.5, 0, 0, 0], [0, third, third, third, 0], [0, 0, 0, 0.5, 0.5]]
    np.testing.assert_allclose(m, expected)


@pytest.mark.parametrize(
    ("tie", "expected"),
    [("round_prefer_ceil", [1, 3]), ("round_prefer_floor", [0, 2]), ("floor", [0, 2]),
     ("ceil", [1, 3])],
)
def test_nearest_ties_exact(tie, expected):
    # 4 -> 2 half-pixel: x = 2o + 0.5, an exact tie for every output
    p = pg.plan(4, 2, kernel=pg.kernels.nearest(tie))
    assert p.index[:, 0].tolist() == expected


def test_nearest_ties_128_to_160_t9():
    # USER-NEEDS T9: src = floor((2i+1) * 128 / (2 * 160)) exactly, 32 ties at i = 2 mod 5.
    p = pg.plan(128, 160, kernel="nearest")
    expected = [((2 * i + 1) * 128) // 320 for i in range(160)]
    assert p.index[:, 0].tolist() == expected


def test_nearest_t10_round_prefer_ceil():
    # USER-NEEDS T10: 20 -> 6 half_pixel, exact coordinates [7/6, 9/2, 47/6, 67/6, 29/2, 107/6]
    p = pg.plan(20, 6, kernel=pg.kernels.nearest("round_prefer_ceil"), scale=0.3)
    assert [Fraction(c).limit_denominator(100) for c in p.coord] == [
        Fraction(7, 6), Fraction(9, 2), Fraction(47, 6), Fraction(67, 6), Fraction(29, 2),
        Fraction(107, 6)]
    assert p.index[:, 0].tolist() == [1, 5, 8, 11, 15, 18]


def test_boundary_maps():
    j = np.arange(-4, 7)
    assert map_boundary(j, 3, "clamp").tolist() == [0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2]
    assert map_boundary(j, 3, "reflect").tolist() == [0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2]
    assert map_boundary(j, 3, "symmetric").tolist() == [2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0]
    assert map_boundary(j, 3, "wrap").tolist() == [2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
    assert map_boundary(j, 1, "reflect").tolist() == [0] * 11


def test_boundary_rules_on_cubic_edge():
    # cubic a=-0.5 at x = -0.25 (2 -> 4): distances from taps -2..1 are -1.75,-0.75,0.25,1.25
    k = pg.kernels.cubic(-0.5)
    w = k(np.array([-2, -1, 0, 1]) + 0.25)  # weights of taps -2, -1, 0, 1
    x = np.array([10.0, 20.0])
    row = lambda boundary, **kw: pg.plan(2, 4, kernel=k, boundary=boundary, **kw).matrix()[0]  # noqa: E731
    np.testing.assert_allclose(row("clamp"), [w[0] + w[1] + w[2], w[3]])
    np.testing.assert_allclose(row("renormalize"), [w[2], w[3]] / (w[2] + w[3]))
    # reflect on 2 pixels: tap -1 -> 1, -2 -> 0; symmetric: -1 -> 0, -2 -> 1
    np.testing.assert_allclose(row("reflect"), [w[2] + w[0], w[1] + w[3]])
    np.testing.assert_allclose(row("symmetric"), [w[2] + w[1], w[3] + w[0]])
    p = pg.plan(2, 4, kernel=k, boundary="constant", fill_value=7.0)
    np.testing.assert_allclose(p.matrix()[0], [w[2], w[3]])
    assert p.fill[0] == pytest.approx(w[0] + w[1])
    y = pg.resize(x, 4, kernel=k, boundary="constant", fill_value=7.0)
    assert y[0] == pytest.approx(w[2] * 10 + w[3] * 20 + (w[0] + w[1]) * 7)


def test_wrap_keeps_gather_form():
    p = pg.plan(8, 4, kernel="cubic", boundary="wrap")
    m = p.matrix()
    # output 0 at x = 0.5 reads pixels -1..2 -> -1 wraps to 7
    assert m[0, 7] != 0 and m[0, 0] != 0
    np.testing.assert_allclose(m.sum(axis=1), 1.0)


def test_contiguous_layout():
    p = pg.plan(10, 7, kernel="cubic", boundary="clamp")
    assert np.all(np.diff(p.index, axis=1) == 1)
    assert p.index.min() >= 0 and p.index.max() < 10


def test_crop_box_extrapolation():
    p = pg.plan(4, 5, kernel="linear", grid="tf_crop_and_resize", roi=(-0.5, 1.0), fill_value=9)
    # x = -1.5 + o * 4.5*... : samples with x < 0 read the fill value only
    outside = p.coord < 0
    assert outside.any()
    assert np.all(p.fill[outside] == 1) and np.all(p.weight[outside] == 0)


def test_fixed_point_exact_sum_and_rounding():
    p = pg.fixed_point(pg.plan(7, 3, kernel="lanczos3", antialias=True), 14)
    assert p.fixed is not None
    assert p.fixed.weights.sum(axis=1).tolist() == [1 << 14] * 3
    raw = pg.fixed_point(pg.plan(7, 3, kernel="lanczos3", antialias=True), 14, exact_sum=False)
    # round half away from zero of w * 2**14, computed independently
    w = raw.weight * 2**14
    expected = np.sign(w) * np.floor(np.abs(w) + 0.5)
    np.testing.assert_array_equal(raw.fixed.weights, expected)


def test_plan_errors():
    with pytest.raises(ValueError, match="boundary='mirror' is not valid; expected one of"):
        pg.plan(3, 4, boundary="mirror")
    with pytest.raises(ValueError, match="arithmetic='float16' is not valid"):
        pg.plan(3, 4, arithmetic="float16")
    with pytest.raises(TypeError, match="antialias='yes' must be True or False"):
        pg.plan(3, 4, antialias="yes")
    with pytest.raises(ValueError, match="fill_value=nan must be finite"):
        pg.plan(3, 4, fill_value=float("nan"))


def test_plan_cache_keys_fresh_kernels_by_value() -> None:
    # Compat modules build a new Kernel object per call (an unhashable dataclass): the
    # cache must still hit for an equal kernel, and must tell kernels of the same
    # code with other parameters apart (their closures hold the parameter).
    from pixelgrid._kernels import cubic, nearest

    p1 = pg.plan(7, 11, kernel=cubic(-0.5))
    assert pg.plan(7, 11, kernel=cubic(-0.5)) is p1
    p2 = pg.plan(7, 11, kernel=cubic(-0.75))
    assert p2 is not p1 and not np.array_equal(p1.weight, p2.weight)
    assert pg.plan(5, 9, kernel=nearest("floor")) is pg.plan(5, 9, kernel=nearest("floor"))
    n1, n2 = pg.plan(5, 9, kernel=nearest("floor")), pg.plan(5, 9, kernel=nearest("ceil"))
    assert n1 is not n2 and not np.array_equal(n1.index, n2.index)
    assert n1.is_gather and n1.is_gather  # the remembered answer is the computed one
    assert not p1.is_gather


def test_plan_cache_keeps_the_sign_of_a_zero_fill() -> None:
    # 0.0 == -0.0 and they hash alike: a -0.0 fill asked after a 0.0 one got the cached
    # plan's +0.0 (found through compat.onnx's extrapolation_value=-0.0)
    a = pg.plan(4, 8, kernel="linear", boundary="constant", fill_value=0.0)
    b = pg.plan(4, 8, kernel="linear", boundary="constant", fill_value=-0.0)
    assert not np.signbit(a.fill_value) and np.signbit(b.fill_value)
    assert pg.plan(4, 8, kernel="linear", boundary="constant", fill_value=-0.0) is b
