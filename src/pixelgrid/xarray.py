"""Resize labelled arrays: xarray DataArrays and Datasets by dimension name.

``import pixelgrid.xarray`` registers the ``.pixelgrid`` accessor::

    da.pixelgrid.resize(x=512, y=512)            # sizes by dimension name
    ds.pixelgrid.resize(scale={"x": 0.5, "y": 0.5}, kernel="lanczos3")

The data is resized by :func:`pixelgrid.resize` (lazily, block by block, when it is
Dask-backed) and each resized dimension's coordinate is **recomputed by the grid
convention**: a uniform coordinate ``c(i) = c0 + step * i`` gives output sample
``o`` the coordinate ``c0 + step * x_in(o)``, where ``x_in(o)`` is the source
position of ``o`` in input pixel units (the plan's ``coord``).  With
``grid="half_pixel"`` these are the centres of the new, larger or smaller pixels
(``x_in(o) = (o + 1/2) n_in / n_out - 1/2``: the outer pixel edges stay where they
were); with ``align_corners=True`` the first and last samples keep their
coordinates (``x_in(o) = o (n_in - 1) / (n_out - 1)``).  A coordinate that is not
uniform (irregular spacing: a resize has no pixel grid to follow there) is refused
with a ``ValueError``, as is a single-sample coordinate (no spacing to scale).

Attributes (of the array, the Dataset and every coordinate) are kept.  Other
coordinates that run along a resized dimension are recomputed the same way when
1-D; multi-dimensional ones (e.g. 2-D latitude/longitude) are dropped, since no
single grid rule maps them.  Data variables without any resized dimension are
kept as they are.  Requires ``pip install pixelgrid[xarray]``.
"""

from __future__ import annotations

import inspect
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ._dask import is_dask
from ._resize import make_plans
from ._resize import resize as _resize_array

__all__ = ["PixelgridAccessor", "resize"]


def _uniform(name: Hashable, values: NDArray[Any]) -> tuple[float, float]:
    """``(c0, step)`` of a uniform 1-D coordinate, or a ValueError naming it."""
    v = np.asarray(values)
    if v.dtype.kind not in "iuf":
        raise ValueError(
            f"coordinate {name!r} has dtype {v.dtype}; only numeric, uniformly spaced "
            "coordinates can be recomputed by the grid convention (drop or convert it first)"
        )
    if v.size < 2:
        raise ValueError(
            f"coordinate {name!r} has {v.size} value(s): no spacing to scale; drop it "
            "(ds.drop_vars) or give it two or more values"
        )
    v = v.astype(np.float64)
    d = np.diff(v)
    step = (v[-1] - v[0]) / (v.size - 1)
    tol = 1e-9 * max(abs(step), float(np.max(np.abs(v))) * 1e-7, np.finfo(float).tiny)
    if step == 0 or np.any(np.abs(d - step) > max(tol, 1e-6 * abs(step))):
        raise ValueError(
            f"coordinate {name!r} is not uniformly spaced (steps from {d.min():g} to "
            f"{d.max():g}); pixelgrid resizes pixel grids: resample irregular "
            "coordinates with xarray's interp, or drop the coordinate"
        )
    return float(v[0]), float(step)


def _sizes(obj: Any, sizes: Mapping[Hashable, int] | None, scale: Mapping[Hashable, float] | None,
           kwargs: dict[str, Any]) -> tuple[str, dict[Hashable, Any]]:
    if sizes is not None and scale is not None:
        raise ValueError("give sizes or scale=, not both")
    merged = dict(sizes or scale or {})
    merged.update(kwargs)
    if not merged:
        raise ValueError("give the new size of at least one dimension, e.g. x=512")
    for dim in merged:
        if dim not in obj.dims:
            raise ValueError(f"dimension {dim!r} is not one of {tuple(obj.dims)}")
    return ("scale" if scale is not None else "size"), merged


def _resize_dataarray(arr: xr.DataArray, which: str, new: dict[Hashable, Any],
                      options: dict[str, Any]) -> tuple[xr.DataArray, dict[Hashable, Any]]:
    dims = [d for d in arr.dims if d in new]
    if not dims:
        return arr, {}
    axes = [arr.dims.index(d) for d in dims]
    values = [new[d] for d in dims]
    plan_opts = {k: v for k, v in options.items() if k not in ("dtype", "engine", "threads",
                                                              "chunks", "nan_policy")}
    given: dict[str, Any] = {which: values, "axes": axes}
    plans = make_plans(tuple(int(n) for n in arr.shape), **given, **plan_opts)
    if is_dask(arr.data):
        from . import _dask

        data = _dask.resize(arr.data, **given, **options)
    else:
        if options.get("chunks") is not None:
            raise TypeError("chunks= applies to Dask-backed data only")
        data = _resize_array(arr.data, **given, **{k: v for k, v in options.items()
                                                   if k != "chunks"})
    return xr.DataArray(data, dims=arr.dims, attrs=dict(arr.attrs), name=arr.name), {
        arr.dims[a]: p for a, p in plans}


def _new_coords(obj: Any, plans: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
    """Coordinates of the result: recomputed along resized dims, kept elsewhere."""
    out: dict[Hashable, Any] = {}
    for name, c in obj.coords.items():
        along = [d for d in c.dims if d in plans]
        if not along:
            out[name] = c
            continue
        if c.ndim != 1:
            continue  # no single grid rule maps a 2-D coordinate: dropped (module docs)
        p = plans[along[0]]
        c0, step = _uniform(name, c.values)
        vals = c0 + step * np.asarray(p.coord, dtype=np.float64)
        if np.asarray(c.values).dtype.kind == "f":
            vals = vals.astype(c.dtype)
        out[name] = xr.Variable(c.dims, vals, attrs=dict(c.attrs))
    return out


def resize(obj: Any, sizes: Mapping[Hashable, int] | None = None, *,
           scale: Mapping[Hashable, float] | None = None, **kwargs: Any) -> Any:
    """Resize named dimensions of a DataArray or Dataset; coordinates follow the grid.

    Parameters
    ----------
    obj : xarray.DataArray or xarray.Dataset
        Numpy- or Dask-backed (Dask: the result is lazy, bit-identical).
    sizes : mapping, optional
        New length per dimension name; or give them as keywords (``x=512``).
    scale : mapping, optional
        Scale factor per dimension name instead of sizes.
    **kwargs
        Dimension sizes (names that are dimensions of ``obj``) and any option of
        :func:`pixelgrid.resize` (``kernel``, ``grid``, ``align_corners``,
        ``antialias``, ``boundary``, ``fill_value``, ``dtype``, ``chunks``, ...),
        except ``axes``.

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        Same type, dims, attrs and name; resized dimensions' coordinates
        recomputed (module docs).

    Examples
    --------
    >>> import numpy as np, xarray as xr, pixelgrid.xarray
    >>> a = xr.DataArray(np.arange(8.0).reshape(2, 4), dims=("y", "x"),
    ...                  coords={"x": [10.0, 12.0, 14.0, 16.0]}, attrs={"units": "K"})
    >>> b = a.pixelgrid.resize(x=2)
    >>> b.x.values.tolist(), b.attrs
    ([11.0, 15.0], {'units': 'K'})
    >>> a.pixelgrid.resize(x=7, align_corners=True).x.values.tolist()
    [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]
    """
    if "axes" in kwargs:
        raise TypeError("axes= does not apply: name the dimensions (e.g. x=512)")
    options = ({"chunks"} | set(inspect.signature(_resize_array).parameters)) - {
        "x", "size", "scale"}
    dim_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in obj.dims or k not in options}
    which, new = _sizes(obj, sizes, scale, dim_kw)
    if isinstance(obj, xr.DataArray):
        res, plans = _resize_dataarray(xr.DataArray(obj.variable, name=obj.name), which, new,
                                       kwargs)
        coords = _new_coords(obj, plans)
        return xr.DataArray(res.data, dims=obj.dims, coords=coords, attrs=dict(obj.attrs),
                            name=obj.name)
    if isinstance(obj, xr.Dataset):
        data_vars: dict[Hashable, Any] = {}
        all_plans: dict[Hashable, Any] = {}
        for name, var in obj.data_vars.items():
            if not any(d in new for d in var.dims):
                data_vars[name] = var.variable
                continue
            if var.dtype.kind not in "biuf":
                raise TypeError(f"data variable {name!r} has dtype {var.dtype}, which cannot "
                                "be resized; drop it first")
            res, plans = _resize_dataarray(xr.DataArray(var.variable, name=name), which, new,
                                           kwargs)
            all_plans.update(plans)
            data_vars[name] = xr.Variable(var.dims, res.data, attrs=dict(var.attrs))
        if len(all_plans) < len(new):  # a resized dim that no data variable has
            probe = xr.DataArray(np.zeros([obj.sizes[d] for d in new], dtype=np.float32),
                                 dims=list(new))
            all_plans.update(_resize_dataarray(probe, which, new, kwargs)[1])
        return xr.Dataset(data_vars, coords=_new_coords(obj, all_plans), attrs=dict(obj.attrs))
    raise TypeError(f"obj must be an xarray DataArray or Dataset, got {type(obj).__name__}")


@xr.register_dataarray_accessor("pixelgrid")  # type: ignore[no-untyped-call]
@xr.register_dataset_accessor("pixelgrid")  # type: ignore[no-untyped-call]
class PixelgridAccessor:
    """``obj.pixelgrid.resize(...)``: :func:`pixelgrid.xarray.resize` on ``obj``."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def resize(self, sizes: Mapping[Hashable, int] | None = None, *,
               scale: Mapping[Hashable, float] | None = None, **kwargs: Any) -> Any:
        """Resize named dimensions; see :func:`pixelgrid.xarray.resize`."""
        return resize(self._obj, sizes, scale=scale, **kwargs)
