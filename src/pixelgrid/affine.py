"""Affine helpers: build, compose and convert 2-D affine matrices; ``warp_affine``.

Matrices are 3x3 on ``(x, y, 1) = (column, row, 1)`` in a declared convention
(``"index"`` or ``"continuous"``) and convert to what OpenCV ``warpAffine``,
torch ``affine_grid`` and ``scipy.ndimage.affine_transform`` expect.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arrays import (
    _from_container,
    check_array,
    engine_env,
    is_torch,
    resolve_engine,
    tensor_values,
    threads_now_auto,
)
from ._dask import is_dask
from ._kernels import Kernel
from ._memo import remember, typed_keys
from ._sampling import (
    PERIODIC_BOUNDARIES,
    PERIODIC_LIMIT,
    POINT_CONVENTIONS,
    SAMPLE_TIES,
    FloatArray,
    _axes,
    _boundaries,
    _fill,
    _place,
    _point_offset,
    _prepare,
    _run,
    _sample_kernel,
    affine_corners,
    check_nan_policy,
)
from ._validate import (
    as_array,
    check_choice,
    check_points,
    check_real,
    check_sizes,
    default_axes,
)

__all__ = [
    "affine_to_cv2",
    "affine_to_scipy",
    "affine_to_theta",
    "compose",
    "convert_affine",
    "image_center",
    "invert",
    "rotation",
    "scaling",
    "shear",
    "translation",
    "warp_affine",
]

# --------------------------------------------------------------------------------------
# Affine helpers: 3x3 matrices on (x, y, 1) = (column, row, 1)
# --------------------------------------------------------------------------------------


_LAST_ROW = np.array([[0.0, 0.0, 1.0]])


def _matrix(m: Any, name: str = "matrix") -> FloatArray:
    a = as_array(name, m, np.float64)
    if a.shape == (2, 3):
        a = np.concatenate((a, _LAST_ROW))
    if a.shape != (3, 3):
        raise ValueError(f"{name} must be a 2x3 or 3x3 affine matrix, got shape {a.shape}")
    # the checks on the 9 values as Python floats (the same tests, ~3 us less than
    # numpy's on 9 values)
    r0, r1, r2 = a.tolist()
    if not all(map(math.isfinite, (*r0, *r1, *r2))):
        raise ValueError(f"{name} must be finite")
    if r2 != [0.0, 0.0, 1.0]:
        raise ValueError(f"{name}'s last row must be [0, 0, 1] (an affine map), got {a[2]}")
    return a


def translation(tx: float, ty: float) -> FloatArray:
    """Translation by ``(tx, ty)`` pixels (``x`` is the column, ``y`` the row).

    Examples
    --------
    >>> translation(2, 3)[:2].tolist()
    [[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]]

    """
    tx, ty = check_real("tx", tx), check_real("ty", ty)
    return np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def _about(m: FloatArray, center: Sequence[float]) -> FloatArray:
    c = as_array("center", center, np.float64)
    if c.shape != (2,) or not np.all(np.isfinite(c)):
        raise ValueError(f"center={center!r} must be two finite numbers (x, y) = (column, row)")
    cx, cy = float(c[0]), float(c[1])
    return translation(cx, cy) @ m @ translation(-cx, -cy)


def scaling(sx: float, sy: float | None = None, center: Sequence[float] = (0.0, 0.0)) -> FloatArray:
    """Scale by ``(sx, sy)`` about ``center``.

    Examples
    --------
    >>> scaling(2, center=(1, 1))[:2].tolist()
    [[2.0, 0.0, -1.0], [0.0, 2.0, -1.0]]

    """
    sx = check_real("sx", sx)
    sy = sx if sy is None else check_real("sy", sy)
    return _about(np.diag([sx, sy, 1.0]), center)


def shear(kx: float, ky: float = 0.0, center: Sequence[float] = (0.0, 0.0)) -> FloatArray:
    """Shear ``x' = x + kx * y``, ``y' = y + ky * x`` about ``center``.

    Examples
    --------
    >>> shear(0.5)[:2].tolist()
    [[1.0, 0.5, 0.0], [0.0, 1.0, 0.0]]

    """
    kx, ky = check_real("kx", kx), check_real("ky", ky)
    return _about(np.array([[1.0, kx, 0.0], [ky, 1.0, 0.0], [0.0, 0.0, 1.0]]), center)


def rotation(angle: float, center: Sequence[float] = (0.0, 0.0), scale: float = 1.0) -> FloatArray:
    """Rotation by ``angle`` degrees about ``center``, counter-clockwise on screen.

    The sign convention of ``cv2.getRotationMatrix2D`` (the row axis points
    down).  Multiples of 90 degrees use exact 0 and +-1, so that they permute
    pixels exactly.  The centre of the image is :func:`image_center`.

    Examples
    --------
    >>> rotation(90, center=(1, 1))[:2].tolist()
    [[0.0, 1.0, 0.0], [-1.0, 0.0, 2.0]]

    """
    a = check_real("angle", angle)
    if a % 90 == 0:
        c, s = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)][int(a // 90) % 4]
    else:
        c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
    f = check_real("scale", scale)
    m = np.array([[c * f, s * f, 0.0], [-s * f, c * f, 0.0], [0.0, 0.0, 1.0]])
    return _about(m, center)


def image_center(shape: Sequence[int], convention: str = "index") -> tuple[float, float]:
    """The ``(x, y)`` centre of an image of ``shape = (H, W, ...)``.

    ``((W - 1) / 2, (H - 1) / 2)`` in the index convention, ``(W / 2, H / 2)``
    in the continuous one: the same point.

    Examples
    --------
    >>> image_center((3, 5))
    (2.0, 1.0)
    >>> image_center((3, 5), "continuous")
    (2.5, 1.5)

    """
    shp = check_sizes("shape", shape, scalar=False, order="(H, W, ...): rows first")
    if len(shp) < 2:
        raise ValueError(f"shape={shape!r} must have at least 2 entries (H, W, ...)")
    h, w = shp[:2]
    off = _point_offset(convention)
    return (w - 1) / 2 - off, (h - 1) / 2 - off


def compose(*matrices: Any) -> FloatArray:
    """The map that applies ``matrices`` in order (the first one first).

    Examples
    --------
    >>> compose(translation(1, 0), scaling(2))[:2].tolist()
    [[2.0, 0.0, 2.0], [0.0, 2.0, 0.0]]

    """
    out = np.eye(3)
    for i, m in enumerate(matrices):
        out = _matrix(m, f"matrices[{i}]") @ out
    return out


def invert(matrix: Any) -> FloatArray:
    """Inverse of an affine map (exact for integer matrices with determinant +-1).

    Examples
    --------
    >>> invert(rotation(90, center=(1, 1)))[:2].tolist()
    [[0.0, -1.0, 2.0], [1.0, 0.0, 0.0]]

    """
    return _invert(_matrix(matrix))


def _invert(m: FloatArray) -> FloatArray:
    """:func:`invert` of a checked 3x3 float64 matrix (from :func:`_matrix`)."""
    (a, b, _), (c, d, _), _ = m.tolist()
    # Python floats: the same IEEE float64 operations as numpy's scalars, and neither
    # warns nor raises (an overflow gives inf, reported below)
    det = a * d - b * c
    if det == 0 or not math.isfinite(det) or not math.isfinite(1.0 / det):
        raise ValueError(f"matrix is singular or beyond float range (determinant "
                         f"{np.float64(det)!r}); it has no inverse")
    inv = np.array([[d, -b], [-c, a]]) / det
    # (numpy's matmul: BLAS may fuse its products, as it did before)
    t = -(inv @ m[:2, 2])
    return np.array([[inv[0, 0], inv[0, 1], t[0]], [inv[1, 0], inv[1, 1], t[1]],
                     [0.0, 0.0, 1.0]]) + 0.0  # + 0.0 turns -0.0 into 0.0


def convert_affine(matrix: Any, from_convention: str, to_convention: str) -> FloatArray:
    """Re-express an affine map of pixel coordinates in another point convention.

    A continuous-convention point is the index-convention point plus 0.5, so
    ``M_cont = T(0.5) @ M_index @ T(-0.5)``.  Scaling by ``s`` about the origin
    in the continuous convention becomes ``x' = s * x + (s / 2 - 0.5)`` in the
    index one (the centre-aligned scale).

    Examples
    --------
    >>> convert_affine(scaling(2), "continuous", "index")[:2].tolist()
    [[2.0, 0.0, 0.5], [0.0, 2.0, 0.5]]

    """
    check_choice("from_convention", from_convention, POINT_CONVENTIONS)
    check_choice("to_convention", to_convention, POINT_CONVENTIONS)
    m = _matrix(matrix)
    shift = _point_offset(from_convention) - _point_offset(to_convention)
    return translation(shift, shift) @ m @ translation(-shift, -shift)


def affine_to_cv2(
    matrix: Any, *, convention: str = "index", inverse_map: bool = False
) -> FloatArray:
    """The 2x3 matrix ``cv2.warpAffine`` expects for a forward (source -> destination) map.

    OpenCV puts pixel centres at integers (the index convention) and inverts
    the matrix unless ``flags`` has ``WARP_INVERSE_MAP``; with
    ``inverse_map=True`` this returns the destination -> source matrix to use
    with that flag.

    Examples
    --------
    >>> affine_to_cv2(translation(0.5, 0), convention="continuous").tolist()
    [[1.0, 0.0, 0.5], [0.0, 1.0, 0.0]]

    """
    check_choice("convention", convention, POINT_CONVENTIONS)
    m = convert_affine(matrix, convention, "index")
    return (invert(m) if inverse_map else m)[:2].copy()


def affine_to_scipy(matrix: Any, *, convention: str = "index") -> tuple[FloatArray, FloatArray]:
    """``(matrix, offset)`` for ``scipy.ndimage.affine_transform`` of a forward ``(x, y)`` map.

    SciPy maps *output* ``(row, col)`` index coordinates to input ones:
    ``in = matrix @ out + offset``.

    Examples
    --------
    >>> m, off = affine_to_scipy(translation(2, 3))
    >>> m.tolist(), off.tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [-3.0, -2.0])

    """
    check_choice("convention", convention, POINT_CONVENTIONS)
    inv = invert(convert_affine(matrix, convention, "index"))
    p = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # (x, y) <-> (row, col)
    rc = p @ inv @ p
    return rc[:2, :2].copy(), rc[:2, 2].copy()


def _normalizer(size: Sequence[int], align_corners: bool, name: str = "size") -> FloatArray:
    """Index-convention ``(x, y)`` -> grid_sample's normalised ``(x, y)`` for ``size = (H, W)``."""
    h, w = check_sizes(name, size, 2, scalar=False)
    if align_corners:
        if h == 1 or w == 1:
            raise ValueError(
                f"size={tuple(size)!r}: with align_corners=True a length-1 axis has no "
                "normalised scale (every position maps to 0)"
            )
        sx, sy = 2.0 / (w - 1), 2.0 / (h - 1)
        return np.array([[sx, 0.0, -1.0], [0.0, sy, -1.0], [0.0, 0.0, 1.0]])
    return np.array([[2.0 / w, 0.0, 1.0 / w - 1.0], [0.0, 2.0 / h, 1.0 / h - 1.0],
                     [0.0, 0.0, 1.0]])


def affine_to_theta(
    matrix: Any,
    in_size: Sequence[int],
    out_size: Sequence[int] | None = None,
    *,
    align_corners: bool = False,
    convention: str = "index",
) -> FloatArray:
    """The 2x3 ``theta`` of ``torch.nn.functional.affine_grid`` for a forward pixel map.

    ``affine_grid`` maps normalised *output* ``(x, y)`` to normalised *input*
    ``(x, y)``; this is ``N_in @ inv(matrix) @ inv(N_out)`` with ``N`` the
    pixel -> ``[-1, 1]`` map of :func:`pixel_to_normalized` for ``(H, W)`` sizes.

    Examples
    --------
    >>> (affine_to_theta(np.eye(3), (4, 6)).round(12) + 0.0).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]

    """
    check_choice("convention", convention, POINT_CONVENTIONS)
    m = convert_affine(matrix, convention, "index")
    n_in = _normalizer(in_size, align_corners, "in_size")
    n_out = _normalizer(in_size if out_size is None else out_size, align_corners,
                        "in_size" if out_size is None else "out_size")
    theta = n_in @ invert(m) @ invert(n_out)
    return theta[:2].copy()


#: Recent warp_affine calls that the compiled sampler ran: the call's arguments but the
#: matrix (with their types), the environment's engine choice and the image's layout ->
#: ``(run, h, w, periodic)``: ``run(x, aff)`` makes the result of an image of that layout
#: from the map's 7 float64 values (:func:`_back7`); it holds what was derived from the
#: arguments (checked axes, sizes, fill, the sampler's settings; no image).  An entry is
#: stored only after a call succeeded, and everything it holds is a function of its key,
#: so a call with the same arguments skips their checks and conversions and gives the
#: same result; a call that fails never leaves one.  The matrix is checked and converted
#: on every call (:func:`_back7`), or found in ``_BACK_MEMO`` (keyed by its bytes, shape
#: and dtype and what the conversion reads).
_WARP_MEMO: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_BACK_MEMO: dict[tuple[Any, ...], FloatArray] = {}
_WARP_ARGS = typed_keys(frozenset((str, int, float, bool, type(None))))


def _back7(matrix: Any, inverse_map: bool, convention: str, h: int, w: int,
           periodic: tuple[bool, bool]) -> FloatArray | None:
    """The destination -> source 2x3 map of a call whose other arguments were checked.

    The six entries ``warp_affine`` computes (the same functions, in its order, so a bad
    matrix raises what it raises there) and ``w``, as the read-only float64 array the
    sampler reads, or None where its corner checks would raise (the caller then takes
    the full path, which raises).
    """
    key = None
    if type(matrix) is np.ndarray and matrix.dtype.kind in "fiu":
        key = (matrix.tobytes(), matrix.shape, matrix.dtype, inverse_map, convention, h, w,
               periodic)
        got = _BACK_MEMO.get(key)
        if got is not None:
            return got
    m = _matrix(matrix)
    back = m if inverse_map else _invert(m)
    # convert_affine(back, "index", "index") multiplies by identity matrices: every entry
    # is itself plus exact zero products, one of them +0.0 (the last row is [0, 0, 1]),
    # so the result is exactly back + 0.0 (-0.0 turns into 0.0)
    if convention == "index":
        b = tuple([v + 0.0 for v in back[:2].ravel().tolist()])  # (Python floats, as numpy)
    else:
        b = tuple(convert_affine(back, convention, "index")[:2].ravel().tolist())
    # affine_corners and the sampler's periodic-coordinate rule, in float64 as there
    for i, j in ((0.0, 0.0), (0.0, w - 1.0), (h - 1.0, 0.0), (h - 1.0, w - 1.0)):
        sx = b[0] * j + b[1] * i + b[2]
        sy = b[3] * j + b[4] * i + b[5]
        if not (math.isfinite(sx) and math.isfinite(sy)):
            return None
        if (periodic[0] and abs(sy) >= PERIODIC_LIMIT) or (periodic[1]
                                                           and abs(sx) >= PERIODIC_LIMIT):
            return None
    aff = np.array((*b, float(w)), dtype=np.float64)
    aff.flags.writeable = False  # shared by the calls that find it
    if key is not None:
        remember(_BACK_MEMO, key, aff, 64)
    return aff


def _warp_runner(x: NDArray[Any], ax: tuple[int, int], setup: tuple[Any, ...], h: int,
                 w: int, fill: float, omit: bool) -> Callable[[Any, FloatArray], Any]:
    """``run(x, aff)`` of :data:`_WARP_MEMO` for images of ``x``'s shape, dtype and strides.

    What the full path does after its checks: the source as ``(H, W, C)`` (a view or a
    copy, decided by the layout), the compiled sampler, the result put in place.
    """
    from ._engines import native_sampler

    call = native_sampler.affine_call(setup, x.dtype, h, w, fill, omit, threads_now_auto)
    if ax == (0, 1):
        s0, s1, shape = x.shape[0], x.shape[1], (h, w, *x.shape[2:])
        xm = x.reshape(s0, s1, -1)
        if native_sampler._strided(xm) is xm:  # (the same for every array of this layout)
            if x.ndim == 3:  # (H, W, C) already
                return lambda a, aff: call(a, aff).reshape(shape)
            return lambda a, aff: call(a.reshape(s0, s1, -1), aff).reshape(shape)
        return lambda a, aff: call(np.ascontiguousarray(a.reshape(s0, s1, -1)),
                                   aff).reshape(shape)
    axl = list(ax)
    return lambda a, aff: _place(call(native_sampler._strided(_prepare(a, axl, [])), aff), a,
                                 axl, (h, w))


def warp_affine(
    x: Any,
    matrix: Any,
    size: Sequence[int] | None = None,
    *,
    kernel: str | Kernel = "linear",
    boundary: str | Sequence[str] = "constant",
    fill_value: float = 0.0,
    convention: str = "index",
    inverse_map: bool = False,
    axes: Sequence[int] | None = None,
    tie: str | None = None,
    nan_policy: str = "propagate",
    engine: str = "auto",
    chunks: Any = None,
) -> Any:
    """Warp a 2-D image by an affine map of ``(x, y) = (column, row)`` pixel coordinates.

    Output pixel ``(row i, column j)`` reads the input at ``inv(matrix) @ (j, i, 1)``
    (``matrix @ (j, i, 1)`` when ``inverse_map``), both points in
    ``convention``; the sampling is :func:`sample`'s.

    Parameters
    ----------
    x : ndarray or torch.Tensor
        Image; its rows and columns are ``axes`` (default ``(0, 1)`` for numpy,
        the last two for torch).
    matrix : array_like, 2x3 or 3x3
        Forward (source -> destination) map, or destination -> source with
        ``inverse_map=True`` (OpenCV's ``WARP_INVERSE_MAP``).
    size : (H, W), optional
        Output rows and columns, rows first; default the input's.
    kernel, boundary, fill_value, tie
        As in :func:`sample` (default bilinear with constant 0 outside).
    convention : {"index", "continuous"}
        The point convention ``matrix`` is written in.
    inverse_map : bool
        See ``matrix``.
    axes : (int, int), optional
        The row and column axes.  The default (the first two for numpy, the last
        two for torch) is refused when one of them looks like channels (4 or
        shorter while a longer axis is left alone): pass ``axes`` then.
    nan_policy, engine
        As in :func:`sample`: a NaN/inf pixel reaches exactly the outputs that
        give it non-zero weight (a 90-degree rotation moves it like
        ``np.rot90``); ``"omit"`` renormalises over the finite taps.
    chunks : optional
        Dask arrays only: the output's chunks.  A Dask array gives a lazy Dask
        array, bit-identical to the in-memory result (each block reads the input
        slab its taps reach; :mod:`pixelgrid._dask_warp`).

    Examples
    --------
    >>> import numpy as np
    >>> img = np.arange(9.0).reshape(3, 3)
    >>> warp_affine(img, rotation(90, image_center(img.shape))).tolist()
    [[2.0, 5.0, 8.0], [1.0, 4.0, 7.0], [0.0, 3.0, 6.0]]

    """
    key = None
    if type(x) is np.ndarray and chunks is None:
        a = _WARP_ARGS((size, kernel, boundary, fill_value, convention, inverse_map, axes, tie,
                        nan_policy, engine))
        if a is not None:
            # fill_value -0.0 equals 0.0 but fills float outputs with -0.0: its sign is kept
            key = (a, math.copysign(1.0, fill_value) if type(fill_value) is float else 1.0,
                   x.shape, x.dtype, x.strides, engine_env())
            got = _WARP_MEMO.get(key)
            if got is not None:
                run, h, w, periodic = got
                aff = _back7(matrix, inverse_map, convention, h, w, periodic)
                if aff is not None:
                    return run(x, aff)
    if type(x) is not np.ndarray and not is_torch(x):
        # a PIL image or a CPU DLPack array (JAX, ...): the same back (what @containers
        # does, inline: its wrapper cost ~0.4 us of a small call)
        found = _from_container(x, "x")
        if found is not None:
            arr, back_to = found
            return back_to(warp_affine(arr, matrix, size, kernel=kernel, boundary=boundary,
                                       fill_value=fill_value, convention=convention,
                                       inverse_map=inverse_map, axes=axes, tie=tie,
                                       nan_policy=nan_policy, engine=engine, chunks=chunks))
    if is_torch(x):
        import torch

        arr = tensor_values(x, "x", "warp_affine")
        if axes is None:  # the last two axes, (H, W) of (N, C, H, W), unless they look like C
            axes = default_axes("warp_affine", arr.shape, 2, torch=True)
        y = warp_affine(arr, matrix, size, kernel=kernel, boundary=boundary,
                        fill_value=fill_value, convention=convention, inverse_map=inverse_map,
                        axes=axes, tie=tie, nan_policy=nan_policy, engine=engine)
        return torch.from_numpy(y).to(x.device)
    lazy = is_dask(x)
    if chunks is not None and not lazy:
        raise TypeError(f"chunks={chunks!r} applies to Dask arrays only")
    arr = x if lazy else check_array(x)
    if arr.ndim < 2:
        raise ValueError(f"x has shape {arr.shape}; warp_affine needs at least 2 dimensions "
                         "(H, W)")
    ax = _axes(default_axes("warp_affine", arr.shape, 2) if axes is None else axes,
               arr.ndim, 2, trailing=False)
    h, w = (arr.shape[ax[0]], arr.shape[ax[1]]) if size is None \
        else check_sizes("size", size, 2, scalar=False)
    k_obj = _sample_kernel(kernel)
    check_points(f"warp_affine to size=({h}, {w}) with kernel={k_obj.name!r}", h * w, 2,
                 1 if k_obj.is_nearest else int(2 * k_obj.radius) + 1, arr.size // (
                     arr.shape[ax[0]] * arr.shape[ax[1]]))
    check_choice("convention", convention, POINT_CONVENTIONS)
    if not isinstance(inverse_map, (bool, np.bool_)):
        raise TypeError(f"inverse_map={inverse_map!r} must be True or False")
    m = _matrix(matrix)
    back = m if inverse_map else _invert(m)
    # (index -> index: exactly back + 0.0, as in _back7)
    back = back + 0.0 if convention == "index" else convert_affine(back, convention, "index")
    # The coordinates are affine in (i, j): finite at the four corners means finite
    # everywhere (the corners bound every term).
    if not np.all(np.isfinite(affine_corners(back, h, w))):
        raise ValueError("matrix maps some output pixels to non-finite input coordinates")
    if tie is not None:
        check_choice("tie", tie, SAMPLE_TIES)
    fill = _fill(fill_value)
    bounds, fill = _boundaries(boundary, 2, fill)
    check_nan_policy(nan_policy)
    if lazy:  # block by block, bit-identical (pixelgrid._dask_warp)
        from . import _dask_warp

        return _dask_warp.sample(arr, None, ax, k_obj, bounds, fill, tie, nan_policy,
                                 engine, affine=(back[:2], h, w), chunks=chunks)
    y = _run(arr, None, ax, k_obj, bounds, fill, tie, nan_policy, engine,
             affine=(back[:2], h, w))
    if key is not None and resolve_engine(engine) != "reference" and arr.dtype != np.float16:
        # the compiled sampler ran this call: keep what a repeat needs (see _WARP_MEMO)
        from ._engines import native_sampler

        setup = native_sampler.affine_setup(arr.dtype, [k_obj] * 2, bounds, tie, fill)
        if setup is not None:
            periodic = (bounds[0] in PERIODIC_BOUNDARIES, bounds[1] in PERIODIC_BOUNDARIES)
            run = _warp_runner(arr, (ax[0], ax[1]), setup, h, w, fill, nan_policy == "omit")
            remember(_WARP_MEMO, key, (run, h, w, periodic), 64)
    return y

