"""Properties every resize must satisfy, checked with hypothesis."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import pixelgrid as pg

sizes = st.integers(1, 24)
KERNELS = ["linear", "cubic", "lanczos3", "area", "box", "hamming", "mitchell", "gaussian",
           "adaptive_pool"]
INTERP = ["linear", "cubic", "lanczos3", "mitchell"]
GRIDS = ["half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel", "half_pixel_symmetric"]
MAPPING_BOUNDARIES = ["renormalize", "clamp", "reflect", "symmetric", "wrap"]

settings.register_profile("pixelgrid", max_examples=60, deadline=None)
settings.load_profile("pixelgrid")


@given(n_in=sizes, n_out=sizes, kernel=st.sampled_from(KERNELS), grid=st.sampled_from(GRIDS),
       boundary=st.sampled_from(MAPPING_BOUNDARIES), aa=st.booleans(),
       value=st.floats(-1e3, 1e3))
def test_constant_stays_constant(n_in, n_out, kernel, grid, boundary, aa, value):
    x = np.full((n_in, 3), value)
    y = pg.resize(x, (n_out,), kernel=kernel, grid=grid, boundary=boundary, antialias=aa)
    np.testing.assert_allclose(y, value, atol=1e-9 * (1 + abs(value)))


@given(n_in=sizes, n_out=sizes, kernel=st.sampled_from([*KERNELS, "nearest"]),
       value=st.integers(0, 255), dtype=st.sampled_from(["uint8", "int16", "uint16"]))
def test_integer_constant_exact(n_in, n_out, kernel, value, dtype):
    x = np.full((n_in, 4), value, dtype=dtype)
    y = pg.resize(x, (n_out, 3), kernel=kernel)
    assert np.all(y == value)


# Interpolating kernels (k(0) = 1, k(j) = 0 at other integers); mitchell and gaussian smooth.
IDENTITY_KERNELS = ["linear", "cubic", "lanczos3", "area", "box", "hamming", "adaptive_pool",
                    "nearest"]


@given(n=sizes, kernel=st.sampled_from(IDENTITY_KERNELS),
       grid=st.sampled_from(["half_pixel", "align_corners", "half_pixel_symmetric"]),
       aa=st.booleans())
def test_same_size_is_identity(n, kernel, grid, aa):
    x = np.random.default_rng(n).random((n, 2))
    np.testing.assert_allclose(pg.resize(x, (n,), kernel=kernel, grid=grid, antialias=aa), x,
                               atol=1e-12)


@given(n_in=st.integers(2, 30), n_out=st.integers(2, 30), slope=st.floats(-5, 5),
       grid=st.sampled_from(["half_pixel", "align_corners"]))
def test_linear_keeps_ramps_in_the_interior(n_in, n_out, slope, grid):
    # Without antialias. (A stretched triangle sampled at integer taps and renormalised is
    # not centred on x for non-integer factors, so antialiased bilinear does not keep ramps.)
    x = slope * np.arange(n_in, dtype=float) + 3.0
    p = pg.plan(n_in, n_out, kernel="linear", grid=grid, antialias=False)
    y = pg.resize(x, (n_out,), grid=grid, antialias=False)
    # interior: every tap of the (stretched) triangle lies inside the input
    radius = float(p.info["stretch"])
    interior = (p.coord - radius >= 0) & (p.coord + radius <= n_in - 1)
    np.testing.assert_allclose(y[interior], slope * p.coord[interior] + 3.0, atol=1e-9)


@given(blocks=st.integers(1, 8), factor=st.integers(1, 6), kernel=st.sampled_from(["area", "box",
       "adaptive_pool"]))
def test_box_integer_factor_is_block_mean(blocks, factor, kernel):
    rng = np.random.default_rng(blocks * 7 + factor)
    x = rng.random((blocks * factor, blocks * factor + factor))
    y = pg.resize(x, (blocks, blocks + 1), kernel=kernel)
    means = x.reshape(blocks, factor, blocks + 1, factor).mean(axis=(1, 3))
    np.testing.assert_allclose(y, means, atol=1e-12)


@given(n_in=sizes, n_out=sizes, grid=st.sampled_from(GRIDS),
       tie=st.sampled_from(["round_prefer_ceil", "round_prefer_floor", "floor", "ceil"]))
def test_nearest_never_invents_values(n_in, n_out, grid, tie):
    x = np.random.default_rng(n_in).permutation(1000)[: n_in * 2].reshape(n_in, 2)
    y = pg.resize(x, (n_out,), kernel=pg.kernels.nearest(tie), grid=grid)
    assert set(y.ravel()) <= set(x.ravel())


@given(n_in=sizes, n_out=sizes, kernel=st.sampled_from(KERNELS), aa=st.booleans(),
       boundary=st.sampled_from(["renormalize", "clamp", "reflect", "symmetric", "wrap",
                                 "constant"]),
       grid=st.sampled_from(["half_pixel", "align_corners", "half_pixel_symmetric"]))
def test_symmetric_conventions_commute_with_flip(n_in, n_out, kernel, aa, boundary, grid):
    if kernel == "box":
        return  # Pillow's box is half-open, (-0.5, 0.5]: deliberately not symmetric
    if grid == "align_corners" and n_out == 1:
        return  # align_corners puts a single output at pixel 0 (PyTorch, ONNX): not symmetric
    x = np.random.default_rng(n_out).random(n_in)
    kw = dict(kernel=kernel, antialias=aa, boundary=boundary, grid=grid, fill_value=0.5)
    np.testing.assert_allclose(pg.resize(x[::-1], (n_out,), **kw),
                               pg.resize(x, (n_out,), **kw)[::-1], atol=1e-12)


@given(n_in=sizes, n_out=sizes, scale=st.floats(0.1, 4.0))
def test_half_pixel_symmetric_commutes_with_flip_for_any_factor(n_in, n_out, scale):
    x = np.random.default_rng(n_in).random(n_in)
    kw = dict(grid="half_pixel_symmetric", antialias=False, boundary="clamp")
    y = pg.resize(x, scale=scale, coordinate_scale="factor", **kw) if n_in * scale >= 1 else None
    if y is not None:
        y_flip = pg.resize(x[::-1], scale=scale, coordinate_scale="factor", **kw)
        np.testing.assert_allclose(y_flip, y[::-1], atol=1e-12)


@given(n_in=sizes, n_out=sizes, grid=st.sampled_from(["half_pixel", "align_corners"]))
def test_nearest_ties_mirror_under_flip(n_in, n_out, grid):
    # Flipping swaps the tie rules: prefer-ceil on the flipped input == prefer-floor flipped.
    if grid == "align_corners" and n_out == 1:
        return  # a single align_corners output sits at pixel 0: not symmetric
    x = np.arange(n_in)
    ceil_ = pg.resize(x[::-1], (n_out,), kernel=pg.kernels.nearest("round_prefer_ceil"), grid=grid)
    floor_ = pg.resize(x, (n_out,), kernel=pg.kernels.nearest("round_prefer_floor"), grid=grid)
    np.testing.assert_array_equal(ceil_, floor_[::-1])


@given(n_in=st.integers(1, 40), n_out=st.integers(1, 40), kernel=st.sampled_from(KERNELS),
       aa=st.booleans(), boundary=st.sampled_from([*MAPPING_BOUNDARIES, "constant"]))
def test_plan_matches_dense_matrix(n_in, n_out, kernel, aa, boundary):
    # The engine applies exactly the plan's matrix (plus the fill term).
    p = pg.plan(n_in, n_out, kernel=kernel, antialias=aa, boundary=boundary, fill_value=2.0)
    x = np.random.default_rng(n_in).random(n_in)
    expected = p.matrix() @ x + p.fill * 2.0
    got = pg.resize(x, (n_out,), kernel=kernel, antialias=aa, boundary=boundary, fill_value=2.0)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert np.all((p.index >= 0) & (p.index < n_in))


ALL_BOUNDARIES = [*MAPPING_BOUNDARIES, "constant"]


@given(n_in=sizes, n_out=sizes, kernel=st.sampled_from([*INTERP, "nearest"]),
       grid=st.sampled_from(GRIDS), boundary=st.sampled_from(ALL_BOUNDARIES),
       fill=st.floats(-2, 2))
def test_point_sampling_and_plans_share_the_boundary_rules(n_in, n_out, kernel, grid,
                                                           boundary, fill):
    # sample() (point taps, _sampling) and plan() (separable taps) apply one definition of
    # the boundary rules (_plan.boundary_taps): at a plan's coordinates they agree.
    x = np.random.default_rng(n_in * 31 + n_out).standard_normal(n_in)
    p = pg.plan(n_in, n_out, kernel=kernel, grid=grid, boundary=boundary, fill_value=fill)
    want = p.matrix() @ x + p.fill * fill
    got = pg.sample(x, p.coord[:, None], kernel=kernel, boundary=boundary, fill_value=fill)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@given(n0=sizes, n1=sizes, n2=sizes, k1=st.sampled_from([*KERNELS, "nearest"]),
       k2=st.sampled_from([*KERNELS, "nearest"]), b1=st.sampled_from(ALL_BOUNDARIES),
       b2=st.sampled_from(ALL_BOUNDARIES), f1=st.floats(-2, 2), f2=st.floats(-2, 2))
def test_compose_plans_is_applying_both(n0, n1, n2, k1, k2, b1, b2, f1, f2):
    # plan algebra lives in the plan layer: compose(after, before) applied once equals
    # before, then after, including the constants read outside the input (fill values).
    from pixelgrid._engines.reference import apply_plans
    from pixelgrid._plan import compose_plans

    before = pg.plan(n0, n1, kernel=k1, boundary=b1, fill_value=f1)
    after = pg.plan(n1, n2, kernel=k2, boundary=b2, fill_value=f2)
    x = np.random.default_rng(n0 + 7 * n1 + 49 * n2).standard_normal((n0, 3))
    want = apply_plans(apply_plans(x, [(0, before)]), [(0, after)])
    got = apply_plans(x, [(0, compose_plans(after, before))])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
