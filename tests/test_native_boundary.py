"""The compiled engine's boundary: named steps, and the per-call memos of small calls.

Python hands the kernels named, typed objects (``SingleStep``/``PairStep`` of
csrc/engine.cpp, ``TapsStep``/``WideStep`` of csrc/models_bind.cpp): keyword-only
constructors, fields read back by name, types checked by nanobind and sizes/ranges by
C++ when the step is made.  Repeated calls reuse what an earlier call of the same
plans, shape and dtype resolved (``native_models._runs``, the compat modules' checked
arguments); the expected values here come from the numpy model engines (the oracle)
and from the real libraries.
"""

from __future__ import annotations

import numpy as np
import pytest

import pixelgrid
from pixelgrid._arithmetic import Arithmetic
from pixelgrid._engines import models, native, native_models

pytestmark = pytest.mark.skipif(not native_models.available(),
                                reason="compiled engine not built")


def _taps_kw(**change: object) -> dict[str, object]:
    kw: dict[str, object] = dict(wtype=4, fma=0, B=2, L=5, O=3, M=1, K=2, limit=0,
                                 index=np.array([[0, 1], [2, 3], [3, 4]], np.int32),
                                 weight=np.full((3, 2), 0.5, np.float32), fused_from=None)
    kw.update(change)
    return kw


def test_steps_are_keyword_only_and_named() -> None:
    ext = native._ext
    step = ext.TapsStep(**_taps_kw())
    assert (step.wtype, step.B, step.L, step.O, step.M, step.K) == (4, 2, 5, 3, 1, 2)
    assert step.zero_start == 0 and step.io32 == 0 and step.row_tables  # (M < 16)
    with pytest.raises(TypeError):
        ext.TapsStep(4, 0, 2, 5, 3, 1, 2, 0, None, None, None)  # positional: refused
    p = pixelgrid.plan(5, 3)
    tables = native._prepare(p, "f32").tables
    s = ext.SingleStep(dtype=4, acc64=0, B=2, C=1, plan=tables)
    assert (s.dtype, s.acc64, s.B, s.C, s.odtype, s.plan.n_out) == (4, 0, 2, 1, -1, 3)
    pair = ext.PairStep(dtype=4, acc64=0, h_first=1, B=1, C=1, plan_h=tables, plan_w=tables)
    assert (pair.h_first, pair.mdtype, pair.plan_w.n_in) == (1, -1, 5)
    with pytest.raises(TypeError):
        ext.SingleStep(4, 0, 2, 1, tables)
    with pytest.raises(TypeError):  # the plan must be AxisTables
        ext.SingleStep(dtype=4, acc64=0, B=2, C=1, plan="tables")


def test_steps_check_their_fields() -> None:
    ext = native._ext
    with pytest.raises(ValueError, match="index out of range"):
        ext.TapsStep(**_taps_kw(index=np.array([[0, 1], [2, 3], [3, 5]], np.int32)))
    with pytest.raises(ValueError, match="weight has the wrong size"):
        ext.TapsStep(**_taps_kw(weight=np.full((2, 2), 0.5, np.float32)))
    with pytest.raises(ValueError, match="tail4 needs fused_from"):
        ext.TapsStep(**_taps_kw(fma=3))
    with pytest.raises(TypeError):  # a float for an integer field
        ext.TapsStep(**_taps_kw(B=2.5))
    with pytest.raises(ValueError, match="first pass"):
        ext.WideStep(first=1, itype=4, otype=6, acc64=1, B=1, L=5, O=3, M=1, K=2, limit=0,
                     pre=0, term=0, shift=1, offset=0,
                     index=np.zeros((3, 2), np.int32), w=np.zeros((3, 2), np.int32), fw=None)


def test_step_keeps_its_own_copy_of_the_plan_arrays() -> None:
    ext = native._ext
    index = np.array([[0, 1], [2, 3], [3, 4]], np.int32)
    weight = np.full((3, 2), 0.5, np.float32)
    step = ext.TapsStep(**_taps_kw(index=index, weight=weight))
    x = np.arange(10, dtype=np.float32).reshape(2, 5)
    want = np.empty((2, 3), np.float32)
    ext.taps_pass(src=x, dst=want, step=step, threads=1)
    assert want.tolist() == [[0.5, 2.5, 3.5], [5.5, 7.5, 8.5]]  # (x[i] + x[i + 1]) / 2
    index[:] = 1000  # out of range now: the step read (and checked) its own copy
    weight[:] = 7.0
    got = np.empty((2, 3), np.float32)
    ext.taps_pass(src=x, dst=got, step=step, threads=1)
    assert np.array_equal(got, want)
    with pytest.raises(ValueError, match="src has the wrong size"):
        ext.taps_pass(src=x[:1], dst=got, step=step, threads=1)


_TAPS = Arithmetic(accumulate="taps")


@pytest.mark.parametrize("dtype", ["float32", "uint8", "float64"])
def test_repeated_calls_reuse_the_runner(dtype: str) -> None:
    rng = np.random.default_rng(7)
    ph = pixelgrid.plan(19, 33, kernel="cubic", arithmetic=_TAPS)
    pw = pixelgrid.plan(23, 11, kernel="linear", arithmetic=_TAPS)
    plans = [(1, pw), (0, ph)]
    for shape in ((19, 23, 3), (19, 23), (19, 23, 3), (19, 23, 5)):  # a runner per shape
        x = (rng.random(shape) * 255).astype(dtype)
        want = models.apply_model(x, plans)
        for _ in range(2):
            got = native_models.apply_model(x, plans, threads=1)
            assert got is not None and got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
    key = native_models.plans_key(x, plans)
    assert key is not None and key in native_models._runs
    # the same shape with other strides is a different call (its own runner)
    xt = np.ascontiguousarray((rng.random((5, 23, 19)) * 255).astype(dtype)).transpose(2, 1, 0)
    got = native_models.apply_model(xt, plans, threads=2)
    assert got is not None
    np.testing.assert_array_equal(got, models.apply_model(xt, plans))


def test_opencv_checks_are_kept_per_call_not_errors() -> None:
    from pixelgrid.compat import opencv as cvc

    x = np.zeros((8, 8, 3), np.uint8)
    first = cvc.resize(x, (5, 4), fx=0, fy=0, interpolation=cvc.INTER_LINEAR)
    assert first.shape == (4, 5, 3)
    assert cvc.resize(x, (5, 4), fx=0, fy=0, interpolation=cvc.INTER_LINEAR).shape == (4, 5, 3)
    with pytest.raises(TypeError, match="dsize"):  # a float size: checked, never cached
        cvc.resize(x, (5.0, 4), interpolation=cvc.INTER_LINEAR)
    with pytest.raises(ValueError, match="interpolation"):
        cvc.resize(x, (5, 4), interpolation=99)
    with pytest.raises(ValueError, match="interpolation"):
        cvc.resize(x, (5, 4), interpolation=99)
    # fx given as an int and as a float: keyed apart, the same output size
    a = cvc.resize(x, None, fx=2, fy=2, interpolation=cvc.INTER_NEAREST)
    b = cvc.resize(x, None, fx=2.0, fy=2.0, interpolation=cvc.INTER_NEAREST)
    assert a.shape == b.shape == (16, 16, 3)
    # (H, W, 1) squeezes, also on a repeated call
    for _ in range(2):
        assert cvc.resize(x[:, :, :1], (5, 4)).shape == (4, 5)
    dst = np.empty((4, 5, 3), np.uint8)
    assert cvc.resize(x, (5, 4), dst) is dst


def test_pillow_repeated_calls_match_pillow() -> None:
    Image = pytest.importorskip("PIL.Image")
    from pixelgrid.compat import pillow as ppil

    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (41, 57, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (41, 57, 4), dtype=np.uint8)
    for _ in range(2):  # the second round takes the kept plans where it may
        for x in (rgb, rgba):
            img = Image.fromarray(x)
            for f in (Image.Resampling.NEAREST, Image.Resampling.BILINEAR,
                      Image.Resampling.LANCZOS):
                for size, box in (((30, 20), None), ((90, 70), None),
                                  ((30, 20), (2.5, 3.0, 50.0, 40.0)),
                                  ((20, 30), (3, 2, 23, 32))):  # an integer crop
                    want = np.asarray(img.resize(size, f, box=box))
                    got = ppil.resize(x, size, f, box=box)
                    assert got.dtype == want.dtype
                    np.testing.assert_array_equal(got, want)
            want = np.asarray(img.resize((20, 15), Image.Resampling.BICUBIC, reducing_gap=2.0))
            np.testing.assert_array_equal(ppil.resize(x, (20, 15), 3, reducing_gap=2.0), want)
    key = ppil._call_key(rgb, (30, 20), 0, None, None)
    assert key in ppil._direct_calls  # RGB NEAREST: one run of plans
    assert ppil._call_key(rgba, (30, 20), 2, None, None) not in ppil._direct_calls  # alpha
    with pytest.raises(ValueError, match="resample"):
        ppil.resize(rgb, (30, 20), 99)


def test_run_plans_routes_follow_the_engine_and_nan_rules(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pixelgrid import _arrays

    cv2 = pytest.importorskip("cv2")
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(11)
    x = rng.random((37, 53, 3), dtype=np.float32)
    x[5, 7, 1] = np.nan
    x[20, 30, 2] = np.inf
    for interp in (cv2.INTER_LINEAR, cv2.INTER_NEAREST, cv2.INTER_CUBIC):
        first = cvc.resize(x, (80, 61), interpolation=interp)  # the full path
        if interp != cv2.INTER_CUBIC:  # (float32 CUBIC: IPP's, within 4.8e-7)
            np.testing.assert_array_equal(first, cv2.resize(x, (80, 61), interpolation=interp))
        for _ in range(2):  # the route the first call built
            np.testing.assert_array_equal(cvc.resize(x, (80, 61), interpolation=interp), first)
    # PIXELGRID_ENGINE=reference: another key, the numpy model engines (same bytes)
    want = cv2.resize(x, (80, 61), interpolation=cv2.INTER_LINEAR)
    n = len(_arrays._ROUTES)
    monkeypatch.setenv("PIXELGRID_ENGINE", "reference")
    np.testing.assert_array_equal(cvc.resize(x, (80, 61), interpolation=cv2.INTER_LINEAR), want)
    assert len(_arrays._ROUTES) == n  # no compiled route for the reference engine
    monkeypatch.delenv("PIXELGRID_ENGINE")
    # pixelgrid's own model (zero_taps="skip"): its route still runs nonfinite.finish
    ref = pixelgrid.resize(x, (61, 80), engine="reference")
    first = pixelgrid.resize(x, (61, 80))
    for _ in range(2):
        y = pixelgrid.resize(x, (61, 80))
        np.testing.assert_array_equal(y, first)
        np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
        np.testing.assert_allclose(y, ref, rtol=0, atol=2e-6)
    x8 = (np.nan_to_num(x, posinf=1.0) * 200).astype(np.uint8)  # the wide model, per call
    want = pixelgrid.resize(x8, (61, 80), engine="reference")
    for _ in range(2):
        np.testing.assert_array_equal(pixelgrid.resize(x8, (61, 80)), want)


def test_torch_calls_kept_per_layout_and_grad() -> None:
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    from pixelgrid.compat import torch as pgt

    g = torch.Generator().manual_seed(5)
    base = torch.rand(1, 5, 9, 7, generator=g)
    # the same shape in both memory formats: torch's channels-last nearest kernel (C > 3)
    # differs, so each layout keeps its own plans
    for t in (base, base.contiguous(memory_format=torch.channels_last), base, base[:, :4]):
        for mode in ("nearest", "bilinear"):
            want = F.interpolate(t, size=(13, 4), mode=mode)
            for _ in range(2):
                got = pgt.interpolate(t, size=(13, 4), mode=mode)
                assert torch.equal(got, want) or mode == "bilinear"
                torch.testing.assert_close(got, want, rtol=0, atol=1.2e-7)
    x = base.clone().requires_grad_(True)
    for _ in range(2):
        y = pgt.interpolate(x, size=(13, 4), mode="bilinear", align_corners=False)
        assert y.requires_grad
        y.sum().backward()
