"""pixelgrid.xarray: named dimensions resized, coordinates recomputed by the grid convention.

Expected coordinates are hand derivations (in the comments); expected data is
pixelgrid.resize on the plain array (the data path is tested elsewhere).
"""

from __future__ import annotations

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
import pixelgrid  # noqa: E402
import pixelgrid.xarray  # noqa: E402  (registers the accessor)


def _image() -> xr.DataArray:
    data = np.random.default_rng(0).random((3, 6, 4)).astype(np.float32)
    return xr.DataArray(
        data, dims=("band", "y", "x"), name="radiance",
        coords={"band": ["r", "g", "b"],
                "y": ("y", 100.0 - 5.0 * np.arange(6), {"units": "m"}),  # descending
                "x": ("x", [10.0, 12.0, 14.0, 16.0], {"units": "m"})},
        attrs={"units": "W m-2", "source": "test"})


def test_half_pixel_coordinates_are_the_new_pixel_centres() -> None:
    a = _image()
    b = a.pixelgrid.resize(x=2, y=3)
    # x: pixels of width 2 centred at 10..16 cover [9, 17]; two output pixels of width 4
    # have centres 11 and 15 (x_in = (o + 1/2) * 4/2 - 1/2 = 0.5, 2.5 -> 10 + 2 x_in)
    assert b.x.values.tolist() == [11.0, 15.0]
    # y: 100, 95, ..., 75 (step -5), 6 -> 3: x_in = (o + 1/2) * 2 - 1/2 = 0.5, 2.5, 4.5
    # -> 100 - 5 x_in = 97.5, 87.5, 77.5
    assert b.y.values.tolist() == [97.5, 87.5, 77.5]
    assert b.band.values.tolist() == ["r", "g", "b"]
    assert b.dims == a.dims and b.name == "radiance"
    assert b.attrs == a.attrs and b.x.attrs == {"units": "m"} and b.y.attrs == {"units": "m"}
    expected = pixelgrid.resize(a.values, (3, 2), axes=(1, 2))
    assert np.array_equal(b.values, expected)


def test_half_pixel_upscale() -> None:
    a = xr.DataArray(np.arange(3.0), dims="x", coords={"x": [0.0, 1.0, 2.0]})
    # 3 -> 6: x_in = (o + 1/2) / 2 - 1/2 = -0.25, 0.25, ..., 2.25 (half-size pixels)
    b = a.pixelgrid.resize(x=6)
    assert b.x.values.tolist() == [-0.25, 0.25, 0.75, 1.25, 1.75, 2.25]


def test_align_corners_keeps_the_corner_coordinates() -> None:
    a = _image()
    # 4 -> 7: x_in = o * 3/6 = o/2 -> 10 + 2 * o/2 = 10, 11, ..., 16
    b = a.pixelgrid.resize(x=7, align_corners=True)
    assert b.x.values.tolist() == [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]
    # 6 -> 2: the two corners, 100 and 75
    c = a.pixelgrid.resize(y=2, grid="align_corners")
    assert c.y.values.tolist() == [100.0, 75.0]
    assert np.array_equal(c.values, pixelgrid.resize(a.values, 2, axes=1, align_corners=True))


def test_scale_and_module_function() -> None:
    a = _image()
    b = pixelgrid.xarray.resize(a, scale={"x": 0.5})
    assert b.sizes["x"] == 2 and b.x.values.tolist() == [11.0, 15.0]
    with pytest.raises(ValueError, match="not one of"):
        a.pixelgrid.resize(z=3)
    with pytest.raises(ValueError, match="at least one dimension"):
        a.pixelgrid.resize()
    with pytest.raises(TypeError, match="axes"):
        a.pixelgrid.resize(x=2, axes=0)


def test_non_uniform_coordinates_are_refused() -> None:
    a = xr.DataArray(np.zeros(4), dims="x", coords={"x": [0.0, 1.0, 3.0, 4.0]})
    with pytest.raises(ValueError, match="'x' is not uniformly spaced"):
        a.pixelgrid.resize(x=2)
    one = xr.DataArray(np.zeros((1, 2)), dims=("y", "x"), coords={"y": [5.0]})
    with pytest.raises(ValueError, match="'y' has 1 value"):
        one.pixelgrid.resize(y=3)
    t = xr.DataArray(np.zeros(3), dims="t",
                     coords={"t": np.array(["2020-01-01", "2020-01-02", "2020-01-03"],
                                           dtype="datetime64[ns]")})
    with pytest.raises(ValueError, match="'t' has dtype"):
        t.pixelgrid.resize(t=2)


def test_dimension_without_coordinate_and_2d_coordinates() -> None:
    a = xr.DataArray(np.ones((4, 6)), dims=("y", "x"),
                     coords={"lat": (("y", "x"), np.zeros((4, 6))), "x": np.arange(6.0)})
    b = a.pixelgrid.resize(y=2, x=3)
    assert "y" not in b.coords and "lat" not in b.coords  # 2-D coordinate dropped
    assert b.x.values.tolist() == [0.5, 2.5, 4.5]  # (o + 1/2) * 2 - 1/2


def test_dataset_and_dask_backed_is_lazy_and_identical() -> None:
    pytest.importorskip("dask.array")
    a = _image()
    mask = (np.arange(24).reshape(6, 4) * 37 % 256).astype(np.uint8)
    ds = xr.Dataset({"radiance": a, "mask": (("y", "x"), mask),
                     "band_gain": ("band", [1.0, 2.0, 3.0])}, attrs={"title": "scene"})
    out = ds.pixelgrid.resize(x=7, y=9, kernel="cubic")
    assert out.attrs == {"title": "scene"}
    assert out.band_gain.values.tolist() == [1.0, 2.0, 3.0]
    assert out.mask.dtype == ds.mask.dtype
    assert np.array_equal(out.mask.values, pixelgrid.resize(ds.mask.values, (9, 7),
                                                            kernel="cubic"))
    lazy = ds.chunk({"y": 2, "x": 3}).pixelgrid.resize(x=7, y=9, kernel="cubic")
    import dask.array as da

    assert isinstance(lazy.radiance.data, da.Array)
    assert lazy.x.values.tolist() == out.x.values.tolist()
    computed = lazy.compute()
    for name in ("radiance", "mask"):
        assert np.array_equal(computed[name].values, out[name].values)
