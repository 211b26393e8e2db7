"""Bounded memos: the one rule every per-call cache of pixelgrid follows.

Plans, compiled call sequences and checked arguments of recent calls are kept in plain
dicts (insertion ordered) of a fixed size; when one is full its oldest entry goes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

K = TypeVar("K")
V = TypeVar("V")


def remember(memo: dict[K, V], key: K, value: V, limit: int) -> V:
    """Store ``value`` under ``key``, dropping the oldest entry of a full ``memo``.

    Safe without a lock: when another thread changes the dict meanwhile, nothing is
    dropped this time (the memo may then hold a few entries more than ``limit``).

    Examples
    --------
    >>> memo: dict[str, int] = {"a": 1, "b": 2}
    >>> remember(memo, "c", 3, limit=2)
    3
    >>> memo
    {'b': 2, 'c': 3}
    """
    if len(memo) >= limit:
        with contextlib.suppress(RuntimeError, StopIteration, KeyError):
            memo.pop(next(iter(memo)))
    memo[key] = value
    return value


def same_plans(kept: Sequence[object], plans: Sequence[tuple[int, object]]) -> bool:
    """Whether a memo entry keyed by the plans' ``id`` holds these very plans.

    Entries keep their plans alive, so an ``id`` in a live key is theirs; the identity
    test guards the look-up against an ``id`` reused after an entry was dropped.

    Examples
    --------
    >>> p = object()
    >>> same_plans((p,), [(0, p)]), same_plans((p,), [(0, object())])
    (True, False)
    """
    return all(q is p for q, (_, p) in zip(kept, plans, strict=True))


def plans_key(x: Any, plans: Any) -> tuple[Any, ...] | None:
    """The memo key of plans applied to a numpy array: which plans, and the array's layout.

    ``((axis, plan), ...), shape, dtype, strides``: plans compare and hash by identity
    (``AxisPlan`` has ``eq=False``), so the key names these very plans (and keeps them
    alive while it is stored); None for anything else (a tensor, a Dask array, malformed
    plans, an axis that is not an ``int``: those take the full, checked path).

    Examples
    --------
    >>> x = np.zeros((2, 3), np.uint8)
    >>> plans_key(x, [(1, "p")])
    (((1, 'p'),), (2, 3), dtype('uint8'), (3, 1))
    >>> plans_key([1, 2], []) is None
    True
    """
    if type(x) is not np.ndarray or not isinstance(plans, (list, tuple)):
        return None
    items = tuple(plans)
    for item in items:
        if type(item) is not tuple or len(item) != 2 or type(item[0]) is not int:
            return None
    # (the dtype itself, not its .str, which numpy builds on every access: equal dtypes
    # have equal layouts, and a structured dtype is told apart from another of its size)
    return (items, x.shape, x.dtype, x.strides)


def typed_keys(leaves: frozenset[type]) -> Callable[[tuple[Any, ...]], tuple[Any, ...] | None]:
    """``key(args)``: ``args`` and their types, as a memo key of a call (None: unkeyable).

    Equal values of different types are checked differently (``1``, ``1.0`` and ``True``
    are equal, ``size=1.0`` is an error): the key holds each argument's type, and the
    element types of a tuple or list argument (a list is keyed as a tuple, its type
    kept).  Every value must be of a type in ``leaves`` (equal values of such a type
    behave alike), or a tuple or list of them; anything else gives None.

    Examples
    --------
    >>> key = typed_keys(frozenset((int, float, str)))
    >>> key((2, "a")) == key((2.0, "a"))
    False
    >>> key(([1, 2], 3))[0]
    ((1, 2), 3)
    >>> key((object(),)) is None
    True
    """
    # the positions of the tuple and list arguments of recent argument types, or
    # `unkeyed`: a call's types are checked in one look-up
    known: dict[tuple[type, ...], tuple[int, ...]] = {}
    unkeyed: tuple[int, ...] = (-1,)

    def key(args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        types = tuple(map(type, args))
        seqs = known.get(types)
        if seqs is None:
            if all(t in leaves or t is tuple or t is list for t in types):
                seqs = tuple(i for i, t in enumerate(types) if t is tuple or t is list)
            else:
                seqs = unkeyed
            remember(known, types, seqs, 256)
        if not seqs:
            return (args, types)
        if seqs is unkeyed:
            return None
        values = args
        for i in seqs:
            v = args[i]
            inner = tuple(map(type, v))
            if not leaves.issuperset(inner):
                return None
            types += inner
            if type(v) is list:
                values = (*values[:i], tuple(v), *values[i + 1:])
        return (values, types)

    return key
