"""``_arrays.all_finite``: the compiled finite scan against ``np.isfinite(a).all()``."""

from __future__ import annotations

import numpy as np
import pytest

from pixelgrid._arrays import all_finite


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [1, 7, 4096, 70_001, 300_000])
def test_every_kind_of_value(dtype: str, n: int) -> None:
    rng = np.random.default_rng(n)
    big = np.finfo(dtype).max
    for special in (None, np.nan, np.inf, -np.inf, big, -big, 0.0, -0.0):
        for where in (0, n // 2, n - 1):
            a = (rng.random(n) * 2 - 1).astype(dtype)
            if special is not None:
                a[where] = special
            want = bool(np.isfinite(a).all())
            assert all_finite(a) is want
            assert all_finite(a.reshape(1, -1)[:, ::-1]) is want  # not contiguous
            if n > 1:
                assert all_finite(a[::2]) is bool(np.isfinite(a[::2]).all())


def test_empty_and_integer_arrays() -> None:
    assert all_finite(np.zeros(0, np.float32)) is True
    assert all_finite(np.arange(5)) is True
    assert all_finite(np.array([1 + 1j, np.nan])) is False
