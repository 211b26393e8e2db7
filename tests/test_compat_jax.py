"""pixelgrid.compat.jax against the real jax.image.resize and jax.image.scale_and_translate.

JAX computes in float32: float results are compared within 1e-5 of the data
range (255 for uint8 data, 1 for float data in [0, 1)); nearest is exact.
Every distinct shape costs JAX a compilation, so the counts are modest.
"""

from __future__ import annotations

import numpy as np
import pytest

from pixelgrid.compat import jax as pj

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

SIZES = [1, 2, 3, 5, 8, 13]
TOL = 1e-5
METHODS = ["linear", "cubic", "cubic-pytorch", "lanczos3", "lanczos5", "area", "nearest"]


def _data(rng, shape, dtype):
    if dtype == "uint8":
        return rng.integers(0, 256, shape).astype(np.uint8), 255.0
    return rng.random(shape, dtype=np.float32), 1.0


def _assert_matches(got, ref, scale, exact=False):
    ref = np.asarray(ref)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    if exact:
        np.testing.assert_array_equal(got, ref)
    else:
        assert np.max(np.abs(got.astype(np.float64) - ref), initial=0) <= TOL * scale


@pytest.mark.parametrize("method", METHODS)
def test_resize_matches_jax(method):
    rng = np.random.default_rng(sum(map(ord, method)))
    for antialias in (False, True):
        for dtype in ("uint8", "float32"):
            for _ in range(3):
                h, w, oh, ow = (int(v) for v in rng.choice(SIZES, 4))
                x, scale = _data(rng, (h, w, 2), dtype)
                ref = jax.image.resize(x, (oh, ow, 2), method, antialias=antialias)
                got = pj.resize(x, (oh, ow, 2), method, antialias=antialias)
                _assert_matches(got, ref, scale, exact=method == "nearest")


_st = jax.jit(jax.image.scale_and_translate, static_argnums=(1, 2, 5, 6))


@pytest.mark.parametrize("method", ["linear", "cubic", "cubic-pytorch", "lanczos3", "area"])
def test_scale_and_translate_matches_jax(method):
    rng = np.random.default_rng(len(method))
    for antialias in (False, True):
        for _ in range(3):
            h, w, oh, ow = (int(v) for v in rng.choice(SIZES, 4))
            x = rng.random((2, h, w), dtype=np.float32)
            scale = [float(v) for v in rng.uniform(0.3, 3, 2)]
            shift = [float(v) for v in rng.uniform(-6, 6, 2)]  # also far outside the image
            ref = _st(x, (2, oh, ow), (1, 2), jnp.array(scale), jnp.array(shift), method,
                      antialias)
            got = pj.scale_and_translate(x, (2, oh, ow), (1, 2), scale, shift, method,
                                         antialias)
            _assert_matches(got, ref, 1.0)


def test_nearest_follows_xla_constant_folding():
    # 2 -> 41: the literal float32 formula floor(f32(f32((o + 0.5) * 2) / 41)) switches
    # to pixel 1 at o = 20 (20.5 * 2 / 41 = 1 exactly); XLA folds it into
    # (o + 0.5) * f32(2 * f32(1/41)), slightly below 2/41, so the switch is at o = 21.
    x = np.array([0, 1], np.int32)
    literal = np.floor((np.arange(41, dtype=np.float32) + 0.5) * 2 / np.float32(41))
    assert literal[20] == 1
    got = pj.resize(x, (41,), "nearest")
    assert got[20] == 0 and got[21] == 1
    np.testing.assert_array_equal(got, np.asarray(jax.image.resize(x, (41,), "nearest")))


def test_translation_zero_fills_outside():
    # guide 4.4: translation +3 moves content right and reads 0 outside [-0.5, in - 0.5].
    x = np.arange(1, 6, dtype=np.float32)
    got = pj.scale_and_translate(x, (8,), (0,), [1.0], [3.0], "linear")
    assert got.tolist() == [0, 0, 0, 1, 2, 3, 4, 5]


def test_align_corners_emulation_t4():
    # scale = (out-1)/(in-1), translation = 0.5 (1 - scale) gives align_corners
    # (USER-NEEDS T4 corners: [[6,7],[11,12]] -> 4x4, first row 6, 6.333, 6.667, 7).
    x = np.array([[6, 7], [11, 12]], np.float32)
    s = 3.0
    got = pj.scale_and_translate(x, (4, 4), (0, 1), [s, s], [0.5 * (1 - s)] * 2, "linear",
                                 antialias=False)
    np.testing.assert_allclose(got[0], [6, 6 + 1 / 3, 6 + 2 / 3, 7], atol=1e-6)
    np.testing.assert_allclose(got[:, 0], [6, 6 + 5 / 3, 6 + 10 / 3, 11], atol=1e-6)


def test_only_changed_axes_are_resampled_and_dtypes():
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert pj.resize(x, (3, 4), "linear").dtype == np.float32
    np.testing.assert_array_equal(pj.resize(x, (3, 4), "linear"), x.astype(np.float32))
    assert pj.resize(x, (6, 4), "nearest").dtype == np.uint8
    assert pj.jax_plans((3, 4), (3, 2), "cubic")[0][0] == 1


def test_bad_inputs():
    x = np.zeros((4, 4), np.float32)
    with pytest.raises(ValueError, match="method='bogus' is not valid"):
        pj.resize(x, (2, 2), "bogus")
    with pytest.raises(ValueError, match=r"shape=.* must have length equal"):
        pj.resize(x, (2,), "linear")
    with pytest.raises(ValueError, match="every output size must be >= 1"):
        pj.resize(x, (0, 2), "linear")
    with pytest.raises(ValueError, match="'nearest' is not supported by scale_and_translate"):
        pj.scale_and_translate(x, (2, 2), (0, 1), [0.5, 0.5], [0, 0], "nearest")
    with pytest.raises(ValueError, match="one entry per spatial dim"):
        pj.scale_and_translate(x, (2, 2), (0, 1), [0.5], [0, 0])
    with pytest.raises(ValueError, match="axis 5 is out of range"):
        pj.scale_and_translate(x, (2, 2), (0, 5), [0.5, 0.5], [0, 0])
    with pytest.raises(TypeError, match="antialias='yes' must be True or False"):
        pj.resize(x, (2, 2), "linear", antialias="yes")


# --- Realistic sizes: the float32 model must not drift with the axis length ---------------
# Thin (2, n) arrays keep CI fast; every distinct shape costs one XLA compilation.
BIG = [(2000, 5000), (5000, 1900)]
BIG_TOL = 2e-6


@pytest.mark.parametrize("n_in,n_out", BIG)
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("method", METHODS)
def test_large_axes_match_jax(method, antialias, n_in, n_out):
    x = np.random.default_rng(n_in + len(method)).random((2, n_in), dtype=np.float32)
    ref = np.asarray(jax.image.resize(x, (2, n_out), method, antialias=antialias))
    got = pj.resize(x, (2, n_out), method, antialias=antialias)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    if method == "nearest":
        np.testing.assert_array_equal(got, ref)
    else:  # XLA's dense float32 contraction adds in its own order: not bit for bit
        assert np.max(np.abs(got.astype(np.float64) - ref)) <= BIG_TOL


@pytest.mark.parametrize("method", ["linear", "cubic", "cubic-pytorch", "lanczos3", "area"])
def test_scale_and_translate_large_axes_eager_and_jit(method):
    # Eager calls round every float32 operation of sample_f; under jit XLA fuses
    # (o + 0.5) * inv_scale - translation * inv_scale into one multiply-add.  The two
    # differ by up to 1.2e-4 at these sizes; each model matches its own within 2e-6.
    x = np.random.default_rng(7).random((2, 2000), dtype=np.float32)
    for n_out, s, t, antialias in ((5000, 2.53, 7.3, False), (1900, 0.9512, -3.7, True)):
        args = ((2, n_out), (1,), jnp.array([s]), jnp.array([t]), method, antialias)
        for jit, ref in ((False, jax.image.scale_and_translate(x, *args)),
                         (True, _st(x, *args))):
            got = pj.scale_and_translate(x, (2, n_out), (1,), [s], [t], method,
                                         antialias, jit=jit)
            err = np.max(np.abs(got.astype(np.float64) - np.asarray(ref)))
            assert err <= BIG_TOL, (n_out, antialias, jit, err)


def test_sample_exactly_at_the_last_edge_is_kept():
    # Fuzz finding: 4 -> 5, scale 0.9, translation -0.1.  Output 3 samples exactly
    # (3.5 / 0.9 + 0.1 / 0.9) - 0.5 = 3.5 + 1.1e-7 > in - 0.5, outside the image; JAX's
    # float32 arithmetic rounds it to 3.5 and keeps it (the guard is sample_f <= in - 0.5).
    x = np.arange(1, 5, dtype=np.float32)
    ref = np.asarray(jax.image.scale_and_translate(x, (5,), (0,), jnp.array([0.9]),
                                                   jnp.array([-0.1]), "linear"))
    got = pj.scale_and_translate(x, (5,), (0,), [0.9], [-0.1], "linear")
    assert ref[3] != 0 and ref[4] == 0
    np.testing.assert_allclose(got, ref, atol=1e-6)


@pytest.mark.parametrize(("n_in", "n_out"), [(33, 14), (51, 54), (2000, 5000)])
def test_linear_weights_are_jaxs_bit_for_bit(n_in, n_out):
    # Resizing the identity gives JAX's weight matrix exactly.  XLA:CPU computes short
    # axes' positions with two float32 roundings and long ones with one multiply-add;
    # the plans follow (compat.jax.SHORT_AXIS).
    cols = np.linspace(0, n_in - 1, min(n_in, 40)).astype(int)
    eye = np.eye(n_in, dtype=np.float32)[cols]
    ref = np.asarray(jax.image.resize(eye, (len(cols), n_out), "linear", antialias=False))
    p = pj.jax_plans((len(cols), n_in), (len(cols), n_out), "linear", False)[0][1]
    np.testing.assert_array_equal(p.matrix()[:, cols].T, ref)


@pytest.mark.parametrize(("n_in", "n_out"), [(2000, 5000), (5000, 1900)])
def test_area_large_axes_within_an_ulp(n_in, n_out):
    # area weights are exact float32 overlaps, normalised by the reciprocal of their
    # float32 sum (XLA rewrites w / total as w * (1 / total)), and XLA:CPU's dot adds
    # the taps as one fused multiply-add chain in input order: bit for bit.
    # Not quite: XLA:CPU sums some weight columns with a YNNPACK reduction whose order
    # (blocks of 4 rows, measured) and whose use (by a cost model) are not modelled, so
    # a few samples in 10000 differ by an ulp.
    x = np.random.default_rng(n_in).random((2, n_in), dtype=np.float32)
    ref = np.asarray(jax.image.resize(x, (2, n_out), "area"))
    err = np.abs(pj.resize(x, (2, n_out), "area").astype(np.float64) - ref)
    assert err.max() <= 6e-8 and np.mean(err == 0) >= 0.999


@pytest.mark.parametrize(("shape", "out"), [((171, 129, 1), (105, 57, 1)),
                                            ((13, 184, 3), (191, 189, 3)),
                                            ((124, 27, 1), (9, 158, 1))])
def test_axes_contract_in_opt_einsums_order(shape, out):
    # jnp.einsum applies the two weight matrices in the order with fewer flops (the
    # first two shapes: width first, the third: height first); linear weights without
    # antialias are JAX's bit for bit, so the result is too.
    x = np.random.default_rng(shape[0]).random(shape, dtype=np.float32)
    ref = np.asarray(jax.image.resize(x, out, "linear", antialias=False))
    np.testing.assert_array_equal(pj.resize(x, out, "linear", antialias=False), ref)


@pytest.mark.parametrize(("n_in", "n_out", "channels"), [(63, 119, 3), (169, 56, 1),
                                                         (19, 181, 17)])
def test_dot_is_an_fma_chain_in_input_order(n_in, n_out, channels):
    # JAX's own weight matrix W (resizing the identity gives it exactly) applied as
    # acc = fma(w_j, x_j, acc) for j = 0 .. n_in - 1 (float64 products of float32 values
    # are exact, so one float64 add rounded to float32 is the fma here, barring rare
    # double roundings) reproduces jax.image.resize bit for bit: the rule
    # accumulate="taps", fma="chain" declared by compat.jax.
    rng = np.random.default_rng(n_in)
    w = np.asarray(jax.image.resize(np.eye(n_in, dtype=np.float32), (n_out, n_in), "cubic"))
    x = rng.random((n_in, channels), dtype=np.float32)
    ref = np.asarray(jax.image.resize(x, (n_out, channels), "cubic"))
    acc = np.zeros((n_out, channels), np.float32)
    for j in range(n_in):
        acc = (w[:, j, None].astype(np.float64) * x[j] + acc).astype(np.float32)
    np.testing.assert_array_equal(acc, ref)
    assert pj._RESIZE_F32.accumulate == "taps" and pj._RESIZE_F32.fma == "chain"


@pytest.mark.parametrize("radius", [3, 5])
def test_lanczos_kernel_is_xlas_bit_for_bit(radius):
    # JAX's own kernel function, jitted as resize jits it, on random distances: the C
    # library's sinf (numpy's float32 sin differs on ~15% of these), pi t / r folded into
    # one product and a true division (pixelgrid._arithmetic.lanczos_float32_libm).
    from jax._src.image import scale as jax_scale

    from pixelgrid._arithmetic import lanczos_float32_libm

    t = np.random.default_rng(radius).uniform(0, radius + 0.5, 4000).astype(np.float32)
    t[:4] = [0.0, 5e-4, 1e-3, float(radius)]
    ref = jax.jit(lambda v: jax_scale._fill_lanczos_kernel(float(radius), v))(t)
    got = lanczos_float32_libm(t.astype(np.float64), float(radius))
    np.testing.assert_array_equal(got.astype(np.float32), np.asarray(ref))


def test_lanczos_weights_agree_with_jax_on_most_samples():
    # With XLA's kernel declared, unstretched Lanczos outputs equal JAX's bit for bit on
    # ~75% of samples at 5000-px axes (35% with the float64 kernel rounded once); the
    # rest are 1-2 ulps off (XLA's column sums, which some shapes take in blocks).
    x = np.random.default_rng(3).random((2, 2000), dtype=np.float32)
    ref = np.asarray(jax.image.resize(x, (2, 5000), "lanczos3", antialias=False))
    got = pj.resize(x, (2, 5000), "lanczos3", antialias=False)
    assert np.mean(got == ref) >= 0.6
    assert np.max(np.abs(got - ref)) <= 4e-7
