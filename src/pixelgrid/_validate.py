"""Argument checks shared by every public entry point.

Every error names the parameter, the value received and what is accepted, so a
user can fix the call without reading the source.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "as_array",
    "as_fraction",
    "check_axes",
    "check_choice",
    "check_layout",
    "check_memory",
    "check_positive_int",
    "check_positive_number",
    "check_real",
    "check_scales",
    "check_sizes",
    "memory_limit",
    "per_axis",
]

T = TypeVar("T")


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ValueError naming them."""
    options = sorted(choices)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name}={value!r} is not valid; expected one of {options}")
    return value


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an int if it is an integer >= 1, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        # numpy integers are numbers.Integral; floats like 4.0 are refused on purpose:
        # a fractional size is always a bug in the caller.
        raise TypeError(f"{name}={value!r} must be an integer, got {type(value).__name__}")
    if int(value) < 1:
        raise ValueError(f"{name}={value!r} must be >= 1")
    return int(value)


def check_positive_number(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite number > 0, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} must be a real number, got {type(value).__name__}")
    f = float(value)
    if not math.isfinite(f) or f <= 0:
        raise ValueError(f"{name}={value!r} must be finite and > 0")
    return f


def as_fraction(name: str, value: Any) -> Fraction:
    """Read a positive finite number as an exact fraction.

    Integers and :class:`fractions.Fraction` are taken exactly.  A float is
    read as the simplest fraction (denominator below 2**20) that rounds to the
    same float, if one exists: ``120 / 88`` becomes ``15/11``, so
    ``88 * (120 / 88)`` is exactly 120.  Floats with no such fraction are taken
    at their exact binary value.

    Examples
    --------
    >>> as_fraction("scale", 120 / 88)
    Fraction(15, 11)
    >>> as_fraction("scale", 0.1)
    Fraction(1, 10)

    """
    if isinstance(value, Fraction):
        if value <= 0:
            raise ValueError(f"{name}={value!r} must be > 0")
        return value
    f = check_positive_number(name, value)
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    exact = Fraction(f)
    simple = exact.limit_denominator(1 << 20)
    return simple if float(simple) == f else exact


def check_axes(axes: Any, ndim: int) -> list[int]:
    """Return ``axes`` (an int or a sequence of ints) as distinct non-negative axes of ``ndim``.

    Examples
    --------
    >>> check_axes([-1, 0], 3)
    [2, 0]
    """
    items = [axes] if isinstance(axes, numbers.Integral) else axes
    if isinstance(items, (str, bytes, set, frozenset, dict)) \
            or not isinstance(items, Iterable):
        raise TypeError(f"axes={axes!r} must be an integer or a sequence of integers")
    out = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"axes={axes!r} must hold integers")
        if not -ndim <= int(a) < ndim:
            raise ValueError(f"axes={axes!r}: axis {a} is out of range for {ndim} dimensions")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"axes={axes!r} repeats an axis")
    return out


def physical_memory() -> int:
    """Bytes of physical memory on this machine (a large number if it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return 1 << 62


def memory_limit() -> int:
    """Bytes one call may plan to allocate.

    Physical memory, or what an address-space limit (``ulimit -v``,
    ``RLIMIT_AS``) leaves free, whichever is smaller.  Under such a limit numpy's
    allocations fail with a MemoryError long before physical memory runs out,
    so the check has to know it too.
    """
    limit = physical_memory()
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            with open("/proc/self/statm") as f:  # the address space already in use
                used = int(f.read().split()[0]) * int(os.sysconf("SC_PAGE_SIZE"))
            limit = min(limit, max(int(soft) - used, 0))
    except (ImportError, OSError, ValueError, IndexError):  # pragma: no cover - non-Linux
        pass
    return limit


def _gib(nbytes: float) -> str:
    try:
        return f"{float(nbytes) / 2**30:.3g}"
    except OverflowError:  # a product of huge sizes is an int beyond float range
        return "more than 1e300"


def shape_text(shape: Sequence[int]) -> str:
    """``tuple(shape)`` as text, with absurd lengths (from a huge scale) in short form."""
    parts = [str(n) if n < 10**12 else f"{float(n):.3g}" for n in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def check_memory(what: str, nbytes: float) -> None:
    """Refuse, before allocating, work that cannot fit in this machine's memory.

    The one size check of every entry point: each estimates the bytes its
    largest allocations need (outputs, taps, coordinates) and calls this
    before allocating any of them.  Without it a huge ``size`` would make numpy
    allocate for minutes and end in a MemoryError, or in the kernel's OOM killer.

    Examples
    --------
    >>> check_memory("size=(4, 4)", 128)
    """
    limit = memory_limit()
    if nbytes > limit:
        raise ValueError(
            f"{what} needs about {_gib(nbytes)} GiB, more than this machine's "
            f"{_gib(limit)} GiB of available memory; use a smaller size"
        )


# --------------------------------------------------------------------------------------
# Sizes, scales, numbers, array-likes
# --------------------------------------------------------------------------------------


def _sequence(name: str, value: Any, what: str) -> list[Any] | None:
    """``value`` as a list if it is an ordered sequence; None if it is a scalar.

    Strings, sets and mappings are refused with a TypeError naming ``name``: a
    string is not a size (``"4x4"`` would be read as 3 characters) and a set has
    no order (``{4, 5}`` could be ``(5, 4)``).
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}={value!r} is a string; give {what}")
    if isinstance(value, (set, frozenset, dict)):
        raise TypeError(f"{name}={value!r} is a {type(value).__name__}, which has no order; "
                        f"give {what}")
    if isinstance(value, numbers.Number) or value is None:
        return None
    if hasattr(value, "shape") and hasattr(value, "tolist"):  # numpy arrays, torch tensors
        if len(value.shape) > 1:
            raise ValueError(f"{name} must be a number or a 1-D sequence; got shape "
                             f"{tuple(value.shape)}")
        v = value.tolist()
        return v if isinstance(v, list) else None
    if isinstance(value, (list, tuple)) or type(value).__name__ == "Size":
        return list(value)
    raise TypeError(f"{name}={value!r} must be {what}, got {type(value).__name__}")


def check_sizes(name: str, value: Any, n: int | None = None, *, scalar: bool = True,
                order: str = "(H, W): rows first, then columns") -> list[int]:
    """Read a size: one integer >= 1, or a sequence of them (one per axis).

    Returns a list of one entry for a scalar (when ``scalar``); ``n`` checks the
    number of entries of a sequence (a scalar is then repeated ``n`` times).
    Every error names ``name`` and the order the entries are read in.

    Examples
    --------
    >>> check_sizes("size", (4, 5))
    [4, 5]
    >>> check_sizes("size", 3, 2)
    [3, 3]
    """
    what = f"integers {order}" if order else "integers"
    items = _sequence(name, value, f"one integer or a sequence of {what}" if scalar else what)
    if items is None:
        if not scalar:
            raise TypeError(f"{name}={value!r} must be a sequence of {what}")
        check_positive_int(name, value)
        items = [value] * (n if n is not None else 1)
    if n is not None and len(items) != n:
        raise ValueError(f"{name}={value!r} has {len(items)} entries; expected {n} ({what})")
    out = []
    for i, v in enumerate(items):
        where = f" (entry {i} of {name}={value!r})" if len(items) > 1 else ""
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name}={v!r} must be an integer, got {type(v).__name__}{where}")
        if int(v) < 1:
            raise ValueError(f"{name}={v!r} must be >= 1{where}")
        out.append(int(v))
    return out


def check_scales(name: str, value: Any, n: int | None = None) -> list[Any]:
    """Read a scale factor: one finite number > 0, or a sequence of them.

    The entries are returned as given (exact fractions are read later, by
    :func:`as_fraction`); a scalar gives a list of one entry (``n`` entries if
    ``n`` is given).
    """
    items = _sequence(name, value, "one number or a sequence of numbers, one per axis")
    if items is None:
        check_positive_number(name, value) if not isinstance(value, Fraction) \
            else as_fraction(name, value)
        return [value] * (n if n is not None else 1)
    if n is not None and len(items) != n:
        raise ValueError(f"{name}={value!r} has {len(items)} entries; expected {n}")
    for i, v in enumerate(items):
        try:
            as_fraction(name, v)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{e} (entry {i} of {name}={value!r})") from None
    return items


def check_real(name: str, value: Any, *, finite: bool = True) -> float:
    """Return ``value`` as a float if it is a real number (finite unless told), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} must be a real number, got {type(value).__name__}")
    f = float(value)
    if finite and not math.isfinite(f):
        raise ValueError(f"{name}={value!r} must be finite")
    return f


def as_array(name: str, value: Any, dtype: Any = None) -> NDArray[Any]:
    """``np.asarray(value, dtype)`` with errors that name ``name``.

    Ragged nested lists (``[[1, 2], [3]]``), strings and other non-numeric
    objects get a ValueError/TypeError saying what ``name`` must be, not numpy's
    "inhomogeneous shape" or "could not convert string to float".
    """
    import numpy as np

    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name}={value!r} must be an array of real numbers, got "
                        f"{type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=dtype)
    except ValueError as e:
        if "inhomogeneous" in str(e) or "sequence" in str(e):
            raise ValueError(f"{name} is a ragged nested list (rows of different lengths); "
                             "every row must have the same length") from None
        raise TypeError(f"{name} must hold real numbers; {type(value).__name__} {value!r:.60} "
                        "does not") from None
    except TypeError:
        raise TypeError(f"{name} must hold real numbers, got {type(value).__name__} "
                        f"{value!r:.60}") from None
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"{name} must hold real numbers, got {type(value).__name__} with dtype "
                        f"{arr.dtype}")
    out: NDArray[Any] = arr
    return out


# --------------------------------------------------------------------------------------
# Layouts: which axes a default resizes
# --------------------------------------------------------------------------------------

#: An axis this short among the resampled ones, with a longer axis left alone,
#: looks like channels (RGB, RGBA, a 2-channel flow) rather than rows or columns.
CHANNEL_LIKE = 4


def check_layout(what: str, shape: Sequence[int], axes: Sequence[int],
                 changed: Sequence[bool] | None = None, *, torch: bool = False) -> None:
    """Refuse a default choice of axes that would resample channels.

    ``axes`` are the axes an entry point picked by default (the leading ones
    for numpy, the trailing ones for torch); ``what`` names the call (e.g.
    ``"size=(200, 300)"``).  If one of them is channel-like (at most
    :data:`CHANNEL_LIKE` long) while an axis left alone is not, the caller almost
    surely has another layout (a channels-first numpy image, an NCHW numpy
    batch, an HWC tensor): raise a ValueError that names ``axes=`` and the
    longest window of ``len(axes)`` consecutive axes.  ``changed`` (per axis):
    only axes whose length changes count (resizing 3 to 3 resamples nothing).
    Not called when the user passed ``axes=``: that is the way to say "yes,
    resample this axis".

    Examples
    --------
    >>> check_layout("size=(2, 3)", (40, 60, 3), [0, 1])
    >>> check_layout("size=(20, 30)", (3, 40, 60), [0, 1])
    Traceback (most recent call last):
    ...
    ValueError: size=(20, 30) would resample axes (0, 1) of the numpy array of shape (3, 40, 60) \
(the leading 2 axes by default), but axis 0 has length 3, which looks like channels, while axis \
2 (length 60) is left alone. Pass axes=(1, 2) to resample those instead (sizes are given in the \
order of the axes: (H, W), rows first). If axis 0 really is spatial, pass axes=(0, 1).
    """
    kept = [a for a in range(len(shape)) if a not in axes]
    if not kept or max(shape[a] for a in kept) <= CHANNEL_LIKE:
        return  # every axis left alone is channel-like itself: nothing spatial is skipped
    small = [a for i, a in enumerate(axes) if shape[a] <= CHANNEL_LIKE
             and (changed is None or changed[i])]
    if not small:
        return
    k = len(axes)
    windows = [list(range(s, s + k)) for s in range(len(shape) - k + 1)]
    good = [w for w in windows if min(shape[a] for a in w) > CHANNEL_LIKE]
    a = small[0]
    big = max(kept, key=lambda b: shape[b])
    default = "the trailing" if torch else "the leading"
    kind = "torch tensor" if torch else "numpy array"
    hint = (f"Pass axes={tuple(max(good, key=lambda w: min(shape[b] for b in w)))} "
            f"to resample those instead" if good else "Pass axes= to say which axes to resample")
    raise ValueError(
        f"{what} would resample axes {tuple(axes)} of the {kind} of shape "
        f"{tuple(shape)} ({default} {k} axes by default), but axis {a} has length "
        f"{shape[a]}, which looks like channels, while axis {big} (length {shape[big]}) is "
        f"left alone. {hint} (sizes are given in the order of the axes: (H, W), rows "
        f"first). If axis {a} really is spatial, pass axes={tuple(axes)}."
    )


def default_axes(what: str, shape: Sequence[int], k: int, *, torch: bool = False) -> list[int]:
    """The ``k`` axes an entry point samples when ``axes`` is not given, layout checked.

    The leading ``k`` axes of a numpy array (``(H, W)`` of ``(H, W, C)``), the
    trailing ``k`` of a torch tensor (``(H, W)`` of ``(N, C, H, W)``), refused by
    :func:`check_layout` when one of them looks like channels.

    Examples
    --------
    >>> default_axes("warp_affine", (40, 60, 3), 2)
    [0, 1]
    >>> default_axes("warp_affine", (1, 3, 40, 60), 2, torch=True)
    [2, 3]
    """
    n = len(shape)
    if k > n:
        raise ValueError(f"{what} samples {k} axes but the array has only {n} dimensions "
                         f"(shape {tuple(shape)})")
    axes = list(range(n - k, n)) if torch else list(range(k))
    check_layout(what, shape, axes, torch=torch)
    return axes


def check_points(what: str, points: int, k: int, taps: int, channels: int) -> None:
    """The memory check of a point sampler, before anything is allocated.

    ``points`` samples of ``k`` axes with ``taps`` taps per axis each and
    ``channels`` values per point: coordinates and per-axis taps (index,
    weight, mask: 17 bytes each, with temporaries), and the float64 output.
    """
    check_memory(what, points * (48 * k + 40 * k * taps + 16 * channels))


def per_axis(name: str, value: Any, n: int, scalar_types: tuple[type, ...]) -> list[Any]:
    """Broadcast a scalar option to ``n`` axes, or check a per-axis sequence's length."""
    if isinstance(value, scalar_types) or value is None:
        return [value] * n
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name} has {len(value)} entries but {n} axes are resampled; "
                f"give one value or one per axis"
            )
        return list(value)
    raise TypeError(f"{name}={value!r} must be a single value or a list/tuple with one per axis")
