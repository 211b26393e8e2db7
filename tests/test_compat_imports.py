"""The import direction of the compat package (issue 17).

A compat module *declares* its library's model (plans and Arithmetic records);
the engines implement the models once and are reached through
``pixelgrid._arrays.run_plans``.  So a compat module imports no engine module
(``pixelgrid._engines``) and no private name of a core module
(``from .._x import _name``).  The check parses every module's source (``ast``),
including imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pixelgrid.compat

COMPAT_DIR = Path(pixelgrid.compat.__file__).parent
MODULES = sorted(COMPAT_DIR.glob("*.py"))


def _violations(source: str) -> list[str]:
    """``"line: what"`` for every forbidden import in a compat module's source."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pixelgrid._engines"):
                    bad.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            # level 2 (``from .._x``) or absolute ``pixelgrid._x``: a core module
            core = node.level == 2 or (node.level == 0 and mod.startswith("pixelgrid.")
                                       and not mod.startswith("pixelgrid.compat"))
            if not core:
                continue
            name = mod.removeprefix("pixelgrid.")
            mod = "." * node.level + mod
            if name == "_engines" or name.startswith("_engines."):
                bad.append(f"{node.lineno}: from {mod} import ...")
                continue
            for alias in node.names:
                if alias.name.startswith("_"):  # also ``from .. import _engines``
                    bad.append(f"{node.lineno}: from {mod} import {alias.name}")
    return bad


def test_the_check_finds_each_kind_of_violation() -> None:
    src = ("from .._engines.reference import apply_plans\n"
           "from .._sampling import _sample_points, grid_positions\n"
           "import pixelgrid._engines.native\n"
           "def f():\n"
           "    from pixelgrid._engines import torch_engine\n"
           "from .. import _engines\n"
           "from .._plan import plan\n"
           "from ._torch_warp import affine_grid\n")
    assert sorted(_violations(src)) == [
        "1: from .._engines.reference import ...",
        "2: from .._sampling import _sample_points",
        "3: import pixelgrid._engines.native",
        "5: from pixelgrid._engines import ...",
        "6: from .. import _engines",
    ]

@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_compat_imports_no_engine_internals(path: Path) -> None:
    assert len(MODULES) >= 10  # the package was found
    assert _violations(path.read_text()) == []


# --- every model is reached through run_plans from plan data -----------------------------


def test_per_axis_store_is_dispatched_from_the_plans() -> None:
    import numpy as np

    import pixelgrid
    from pixelgrid._arithmetic import Arithmetic
    from pixelgrid._arrays import run_plans

    a = Arithmetic(store="half_away", accumulate="float64_per_axis")
    p = pixelgrid.plan(2, 4, kernel="linear", arithmetic=a)
    # by hand: [0, 2] -> [0, 0.5, 1.5, 2]; half away from zero -> [0, 1, 2, 2]
    assert run_plans(np.array([0, 2], np.int32), [(0, p)]).tolist() == [0, 1, 2, 2]
    # property: two passes equal two calls, each stored in the dtype (float32) between
    rng = np.random.default_rng(1)
    x = rng.random((3, 2000), dtype=np.float32)
    q0 = pixelgrid.plan(3, 5, kernel="cubic", arithmetic=a)
    q1 = pixelgrid.plan(2000, 5000, kernel="cubic", arithmetic=a)
    both = run_plans(x, [(1, q1), (0, q0)])
    assert both.dtype == np.float32
    assert np.array_equal(both, run_plans(run_plans(x, [(1, q1)]), [(0, q0)]))


def test_block_mean_is_dispatched_from_the_plans() -> None:
    import dataclasses
    from fractions import Fraction

    import numpy as np

    import pixelgrid
    from pixelgrid._arithmetic import BlockMean
    from pixelgrid._arrays import run_plans

    def blocks(n: int, f: int) -> pixelgrid.AxisPlan:
        grid = pixelgrid.Affine(Fraction(f), Fraction(0), Fraction(f - 1, 2))
        p = pixelgrid.plan(n, -(-n // f), kernel="box", grid=grid, antialias=True)
        rule = p.arithmetic.replace(block_mean=BlockMean("exact", "float64", "half_away"))
        return dataclasses.replace(p, arithmetic=rule)

    x = np.array([[1, 2, 3, 4, 5], [5, 6, 7, 8, 9]], np.int32)
    # by hand: blocks of 2x2, the last one 2x1: (1+2+5+6)/4 = 3.5 -> 4, 5.5 -> 6, 7
    assert run_plans(x, [(0, blocks(2, 2)), (1, blocks(5, 2))]).tolist() == [[4, 6, 7]]


def test_torch_uint8_weights_are_declared_on_the_plans() -> None:
    import pixelgrid
    from pixelgrid.compat.torch import torch_plans

    plans = torch_plans((1, 1, 8, 8), size=(16, 16), mode="bilinear", dtype="uint8")
    assert all(p.arithmetic.fixed_point == "int16_max" for _, p in plans)
    text = pixelgrid.explain((8, 8), (16, 16), like="torch",
                             mode="bilinear").arithmetic(dtype="uint8")
    # by hand: the edge rows weigh 1.0; PyTorch's search stops at the first precision p
    # with int(0.5 + 1.0 * 2**(p + 1)) >= 2**15, p = 14
    assert text.startswith("uint8: 14-bit weights"), text


def test_arithmetic_rejects_bad_rules() -> None:
    from pixelgrid._arithmetic import Arithmetic

    with pytest.raises(ValueError, match="fixed_point"):
        Arithmetic(fixed_point="torch")
    with pytest.raises(TypeError, match="block_mean"):
        Arithmetic(block_mean="pairs")  # type: ignore[arg-type]
