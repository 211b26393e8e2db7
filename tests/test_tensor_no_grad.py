"""Tensor inputs that require grad are refused where pixelgrid computes no gradients.

The point samplers run the compiled engine on a detached copy of a tensor's values;
before, a ``requires_grad`` input silently came back without a ``grad_fn`` (a model
trained through it would get no gradient and no error).  Now such a call raises a
ValueError naming the argument, unless autograd is off (``torch.no_grad()``), where
the result is what the detached tensor gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import pixelgrid  # noqa: E402
from pixelgrid.compat import torch as pgt  # noqa: E402

_X = torch.rand(1, 2, 6, 7, dtype=torch.float32)
_THETA = torch.tensor([[[0.9, 0.1, 0.0], [-0.1, 0.9, 0.05]]], dtype=torch.float32)
_GRID = torch.rand(1, 4, 5, 2, dtype=torch.float32) * 2 - 1
_COORDS = torch.rand(5, 2, dtype=torch.float64) * 5
_BOXES = torch.tensor([[0, 0.5, 0.5, 4.0, 5.0]], dtype=torch.float32)
_M = np.array([[1.0, 0.1, 0.2], [-0.1, 1.0, 0.3]])

# (name of the tensor that requires grad, the call given that tensor and the rest)
CALLS: list[tuple[str, str, Callable[[dict[str, Any]], Any]]] = [
    ("x", "warp_affine", lambda t: pixelgrid.warp_affine(t["x"], _M)),
    ("x", "sample", lambda t: pixelgrid.sample(t["x"], _COORDS)),
    ("coords", "pixelgrid's point sampler", lambda t: pixelgrid.sample(_X, t["coords"])),
    ("x", "resample_region",
     lambda t: pixelgrid.resample_region(t["x"], [(1.0, 4.0), (0.5, 5.5)], (3, 4))),
    ("input", "roi_align", lambda t: pixelgrid.roi_align(t["input"], _BOXES, 2)),
    ("boxes", "roi_align", lambda t: pixelgrid.roi_align(_X, t["boxes"], 2)),
    ("input", "compat.torch.grid_sample",
     lambda t: pgt.grid_sample(t["input"], _GRID, align_corners=False)),
    ("grid", "compat.torch.grid_sample",
     lambda t: pgt.grid_sample(_X, t["grid"], align_corners=False)),
    ("theta", "compat.torch.affine_grid",
     lambda t: pgt.affine_grid(t["theta"], (1, 2, 6, 7), align_corners=False)),
]
_PLAIN = {"x": _X, "input": _X, "coords": _COORDS, "boxes": _BOXES, "grid": _GRID,
          "theta": _THETA}


def _needing_grad(name: str) -> dict[str, Any]:
    return {name: _PLAIN[name].clone().requires_grad_(True)}


@pytest.mark.parametrize(("name", "where", "call"), CALLS,
                         ids=[f"{w}-{n}" for n, w, _ in CALLS])
def test_requires_grad_is_refused(name: str, where: str,
                                  call: Callable[[dict[str, Any]], Any]) -> None:
    pattern = rf"^{name} requires grad, but {re.escape(where)} computes no gradients"
    with pytest.raises(ValueError, match=pattern + r".*\.detach\(\).*no_grad"):
        call(_needing_grad(name))


@pytest.mark.parametrize(("name", "where", "call"), CALLS,
                         ids=[f"{w}-{n}" for n, w, _ in CALLS])
def test_without_autograd_it_runs_on_the_values(name: str, where: str,
                                                call: Callable[[dict[str, Any]], Any]) -> None:
    # the property: under no_grad a tensor that requires grad gives exactly what its
    # detached values give (and so does requires_grad on a tensor outside autograd)
    with torch.no_grad():
        got = call(_needing_grad(name))
    want = call({name: _PLAIN[name]})
    assert torch.equal(got, want)
    assert not got.requires_grad
