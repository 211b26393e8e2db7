"""Dask arrays in, Dask arrays out: lazy and bit-identical to the in-memory call.

The expected values are the in-memory call on the same numbers (the property the
chunked path promises: same engine, same sums, whatever the chunking), never values
computed by the chunked path itself.
"""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import pixelgrid  # noqa: E402

KERNELS = ["nearest", "linear", "cubic", "lanczos3", "area", "box", "hamming", "mitchell"]
GRIDS = ["half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel",
         "half_pixel_symmetric"]
DTYPES = ["uint8", "int8", "uint16", "int16", "int32", "float16", "float32", "float64"]


def _data(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return rng.random(shape).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(int(info.min), int(info.max), shape, endpoint=True).astype(dt)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and bool(
        np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


@st.composite
def _case(draw: st.DrawFn, dtypes: list[str] = DTYPES, max_len: int = 19) -> dict:
    ndim = draw(st.sampled_from([1, 2, 2, 3, 3, 4]))
    shape = tuple(draw(st.integers(1, max_len if ndim < 4 else 6)) for _ in range(ndim))
    # which axes are resized, in which order (the order of the plans matters to the engines)
    axes = draw(st.permutations(range(ndim)).map(tuple))
    axes = axes[:draw(st.integers(1, min(ndim, 3)))]
    sizes = tuple(draw(st.integers(1, 40 if ndim < 4 else 12)) for _ in axes)
    in_chunks = tuple(draw(st.integers(1, n)) for n in shape)
    out_chunks = draw(st.none() | st.tuples(*[st.integers(2, 41) for _ in range(ndim)]))
    return {
        "shape": shape, "axes": axes, "sizes": sizes, "in_chunks": in_chunks,
        "out_chunks": out_chunks,
        "kernel": draw(st.sampled_from(KERNELS)),
        "grid": draw(st.sampled_from(GRIDS)),
        "boundary": draw(st.sampled_from(pixelgrid.BOUNDARIES)),
        "antialias": draw(st.booleans()),
        "dtype": draw(st.sampled_from(dtypes)),
        "nan": draw(st.booleans()),
        "computed": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**31)),
    }


def _check(case: dict) -> None:
    rng = np.random.default_rng(case["seed"])
    x = _data(rng, case["shape"], case["dtype"])
    if case["nan"] and x.dtype.kind == "f" and x.size > 2:
        x.flat[rng.integers(0, x.size, 2)] = [np.nan, np.inf]
    kw = {"kernel": case["kernel"], "grid": case["grid"], "boundary": case["boundary"],
          "antialias": case["antialias"], "fill_value": 0.25, "axes": case["axes"]}
    expected = pixelgrid.resize(x, case["sizes"], **kw)
    xd = da.from_array(x, chunks=case["in_chunks"])
    if case["computed"]:  # not a plain read: blocks assemble their slab from input chunks
        xd = xd.map_blocks(np.copy)
    y = pixelgrid.resize(xd, case["sizes"], chunks=case["out_chunks"], **kw)
    assert isinstance(y, da.Array)
    assert y.shape == expected.shape and y.dtype == expected.dtype
    got = y.compute(scheduler="sync")
    assert _same(got, expected), np.argwhere(got != expected)[:5]


_SETTINGS = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_SETTINGS
@given(_case())
def test_chunked_resize_is_bit_identical(case: dict) -> None:
    _check(case)


@_SETTINGS
@given(_case(["float32", "float16"], max_len=7))
def test_chunked_float32_small_axes_is_bit_identical(case: dict) -> None:
    # small axes: the compiled engine's float32 kernels for c <= 4 (interleaved channels)
    _check(case)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 30), st.integers(2, 30), st.integers(1, 40), st.integers(1, 40),
       st.integers(1, 9), st.integers(1, 9), st.sampled_from(["nearest", "mode"]),
       st.sampled_from(["smallest", "largest", "nearest"]), st.sampled_from(GRIDS[:3]),
       st.integers(0, 2**31))
def test_chunked_resize_labels_is_identical(h: int, w: int, oh: int, ow: int, ch: int,
                                            cw: int, method: str, tie_break: str, grid: str,
                                            seed: int) -> None:
    labels = np.random.default_rng(seed).integers(0, 4, (h, w)).astype(np.int32)
    expected = pixelgrid.resize_labels(labels, (oh, ow), method=method, tie_break=tie_break,
                                       grid=grid)
    y = pixelgrid.resize_labels(da.from_array(labels, chunks=(ch, cw)), (oh, ow),
                                method=method, tie_break=tie_break, grid=grid)
    assert isinstance(y, da.Array)
    assert _same(y.compute(scheduler="sync"), expected)


@pytest.mark.parametrize("dtype", ["float32", "uint8", "float64"])
def test_dtype_and_nan_policy_options(dtype: str) -> None:
    rng = np.random.default_rng(3)
    x = _data(rng, (37, 41, 3), dtype)
    for kw in ({"dtype": np.uint16}, {"dtype": np.float32}, {"nan_policy": "omit"}):
        if x.dtype.kind == "f" and "nan_policy" in kw:
            x[5, 7, 1] = np.nan
        xd = da.from_array(x, chunks=(8, 5, 2))
        expected = pixelgrid.resize(x, (19, 90), kernel="lanczos3", **kw)
        got = pixelgrid.resize(xd, (19, 90), kernel="lanczos3", **kw).compute()
        assert _same(got, expected)


def test_wide_model_bits_are_the_whole_arrays() -> None:
    # uint8 cubic 2x upscale with align_corners: every other output row sits exactly on an
    # input pixel (weights 0, 1, 0, 0: no negative lobe), so a one-row block alone could
    # keep 8 extra bits in the int16 intermediate where the whole array keeps 7; the
    # chunked path records the whole run's bits on each block (reference.wide_passes).
    x = _data(np.random.default_rng(0), (9, 13), "uint8")
    expected = pixelgrid.resize(x, (17, 25), kernel="cubic", align_corners=True)
    for chunks in [(1, 25), (1, 1), (2, 3)]:
        got = pixelgrid.resize(da.from_array(x, chunks=4), (17, 25), kernel="cubic",
                               align_corners=True, chunks=chunks).compute()
        assert _same(got, expected)


def test_rows_of_exact_ones_stay_weighted() -> None:
    # Found by hypothesis: 1 -> 7 rows with a Hamming kernel and clamp have weight
    # 1 - 2**-53 in rows 1 and 5 and exactly 1 elsewhere; rows 2..3 alone would be a gather,
    # i.e. one weighted pass less in pixelgrid's wide uint8 model (122 instead of 123)
    x = np.array([[[128, 1], [56, 2], [140, 3]]], np.uint8)
    kw = {"kernel": "hamming", "boundary": "clamp", "antialias": False, "axes": (1, 0)}
    expected = pixelgrid.resize(x, (2, 7), **kw)
    got = pixelgrid.resize(da.from_array(x, chunks=1), (2, 7), chunks=2, **kw).compute()
    assert _same(got, expected)


def test_fused_pair_outer_pass() -> None:
    # (3, 6, 4) -> (3, 9, 7) float32: the engine fuses H and W, H first; its H pass has
    # c = 4 but a fused pair's outer pass runs the c > 4 kernels (the single-pass c <= 4
    # kernel differs in the last bit here)
    x = _data(np.random.default_rng(0), (3, 6, 4), "float32")
    expected = pixelgrid.resize(x, (9, 7), kernel="cubic", axes=(1, 2))
    for chunks in [(3, 6, 4), (1, 2, 3), (2, 1, 1)]:
        got = pixelgrid.resize(da.from_array(x, chunks=chunks), (9, 7), kernel="cubic",
                               axes=(1, 2))
        assert _same(got.compute(), expected)


def test_float32_kernel_choice_follows_the_whole_shape() -> None:
    # The compiled float32 kernels differ with c, the product of the dimensions after the
    # resampled axis (c <= 4: interleaved-channel kernels).  Here the whole array's H pass
    # has c = 64 and its W pass c = 3: blocks 1 column wide are padded, W stays whole.
    x = _data(np.random.default_rng(1), (70, 64, 3), "float32")
    expected = pixelgrid.resize(x, (31, 150), kernel="cubic", axes=(0, 1))
    xd = da.from_array(x, chunks=(9, 1, 1))
    got = pixelgrid.resize(xd, (31, 150), kernel="cubic", axes=(0, 1), chunks=(4, 1, 1))
    assert got.chunks[1] == (1,) * 150  # the chunks asked for, after a whole-row compute
    assert _same(got.compute(), expected)


def test_lazy_and_default_chunks() -> None:
    # a 20000^2 uint8 array (never computed): the graph is built from plans alone
    x = da.zeros((20000, 20000), dtype=np.uint8, chunks=4096)
    y = pixelgrid.resize(x, (5000, 5000), kernel="lanczos3")
    assert isinstance(y, da.Array) and y.shape == (5000, 5000) and y.dtype == np.uint8
    # default: each block reads about one input chunk per axis (4096 * 0.25 = 1024)
    assert y.chunks == ((1024,) * 4 + (904,),) * 2
    y2 = pixelgrid.resize(x, (5000, 5000), kernel="lanczos3", chunks=1000)
    assert y2.chunks == ((1000,) * 5, (1000,) * 5)
    # a block reads only its slab: output rows 0..999 of a x0.25 lanczos3 read input rows
    # 0..4005 (taps reach 4 * 3 / 2 = 6 pixels past the cell), inside input chunk 0 (0..4095);
    # output rows 1000..1999 read 3994..8005: input chunks 0 and 1
    from dask.core import get_dependencies

    graph = dict(y2.dask)
    assert get_dependencies(graph, (y2.name, 0, 0)) == {(x.name, 0, 0)}
    assert get_dependencies(graph, (y2.name, 1, 1)) == {
        (x.name, i, j) for i in (0, 1) for j in (0, 1)}


def test_blocks_read_their_slab_from_the_store(tmp_path: object) -> None:
    zarr = pytest.importorskip("zarr")
    z = zarr.create_array(str(tmp_path) + "/in.zarr", shape=(300, 200), chunks=(64, 64),
                          dtype=np.uint8)
    x = _data(np.random.default_rng(7), (300, 200), "uint8")
    z[...] = x
    xd = da.from_zarr(str(tmp_path) + "/in.zarr")
    y = pixelgrid.resize(xd, (75, 50), kernel="lanczos3", chunks=16)
    from dask.core import get_dependencies

    graph = dict(y.dask)
    # every block depends on the store only (one read of its slab), not on chunk tasks
    assert all(get_dependencies(graph, k) <= {n for n in graph if isinstance(n, str)}
               for k in graph if isinstance(k, tuple) and k[0] == y.name)
    assert _same(y.compute(), pixelgrid.resize(x, (75, 50), kernel="lanczos3"))


def test_errors() -> None:
    x = np.zeros((4, 4))
    with pytest.raises(TypeError, match="chunks"):
        pixelgrid.resize(x, (2, 2), chunks=2)
    xd = da.zeros((4, 4), dtype=np.int64, chunks=2)
    with pytest.raises(TypeError, match="nearest"):
        pixelgrid.resize(xd, (2, 2), kernel="linear")
    with pytest.raises(ValueError, match="engine"):
        pixelgrid.resize(da.zeros((4, 4), chunks=2), (2, 2), engine="bogus")
    with pytest.raises(TypeError, match="dtype"):
        pixelgrid.resize(da.zeros((4, 4), dtype=np.complex64, chunks=2), (2, 2))


def test_distributed_local_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    x = _data(np.random.default_rng(5), (300, 200, 3), "uint8")
    xd = da.from_array(x, chunks=(64, 50, 3))
    y = pixelgrid.resize(xd, (101, 333), kernel="lanczos3", axes=(0, 1), chunks=(32, 64, 3))
    z = pixelgrid.resize(xd.astype(np.float32) / 255, (101, 333), kernel="cubic", axes=(0, 1))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        got_y, got_z = client.compute([y, z], sync=True)
    assert _same(got_y, pixelgrid.resize(x, (101, 333), kernel="lanczos3", axes=(0, 1)))
    assert _same(got_z, pixelgrid.resize(x.astype(np.float32) / 255, (101, 333),
                                         kernel="cubic", axes=(0, 1)))
