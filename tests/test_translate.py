"""translate(): every claim is checked by running the real library on both sides."""

from __future__ import annotations

import numpy as np
import pytest

import pixelgrid
from pixelgrid import _explain as explain_mod
from pixelgrid import translate

TORCH_CASES = [
    ((6, 8), (12, 16), {"align_corners": True, "antialias": False}),
    ((6, 8), (12, 16), {"align_corners": False, "antialias": False}),
    ((16, 20), (5, 7), {"kernel": "linear", "antialias": True}),
    ((16, 20), (8, 10), {"kernel": "cubic", "antialias": True}),
    ((16, 20), (5, 7), {"kernel": "lanczos3"}),
    ((12,), (5,), {"kernel": "nearest", "antialias": False}),
]


def _torch_run(x, kwargs):
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(x)[None, None]
    return torch.nn.functional.interpolate(t, **kwargs)[0, 0].numpy()


@pytest.mark.parametrize(("shape", "size", "opts"), TORCH_CASES)
def test_exact_torch_claims_hold_in_torch(shape, size, opts):
    pytest.importorskip("torch")
    r = translate(shape, size, libraries=["torch"], **opts)["torch"]
    # exact_float32: torch computes float32 positions for float32 data (its float64 kernel,
    # run below, computes them in float64)
    assert r.status in ("exact", "exact_float32"), str(r)
    x = np.random.default_rng(1).random(shape)
    want = pixelgrid.resize(x, size, **opts)
    np.testing.assert_allclose(_torch_run(x, r.kwargs), want, atol=1e-12)


@pytest.mark.parametrize(("shape", "size", "opts", "reason"), [
    ((16, 20), (5, 7), {"kernel": "lanczos3", "boundary": "reflect"}, "boundary"),
    ((6, 8), (12, 16), {"grid": "asymmetric", "antialias": False}, "grid"),
])
def test_no_exact_torch_equivalent_measured(shape, size, opts, reason):
    pytest.importorskip("torch")
    r = translate(shape, size, libraries=["torch"], **opts)["torch"]
    assert r.status == "approximate" and reason in r.note
    # the claimed difference is what torch itself gives on translate's probe (seed 0)
    probe = np.random.default_rng(0).random(shape)
    real = np.max(np.abs(_torch_run(probe, r.kwargs) - pixelgrid.resize(probe, size, **opts)))
    # torch runs the float64 probe with float64 positions; the plans model its float32 ones
    assert r.max_diff == pytest.approx(real, rel=1e-6, abs=2e-6)
    assert r.max_diff > 1e-6


def test_from_torch_to_tensorflow_and_jax_real():
    tf = pytest.importorskip("tensorflow")
    jax = pytest.importorskip("jax")
    t = translate((16, 20), (8, 10), like="torch", mode="bilinear", antialias=True,
                  libraries=["tensorflow", "jax"])
    x = np.random.default_rng(2).random((16, 20)).astype(np.float32)
    ref = _torch_run(x, {"size": (8, 10), "mode": "bilinear", "antialias": True})
    # TensorFlow's ScaleAndTranslate positions are float32 (compat.tensorflow's model)
    assert t["tensorflow"].status in ("exact", "exact_float32")
    kw = t["tensorflow"].kwargs
    y_tf = tf.image.resize(x[None, :, :, None], kw["size"], method=kw["method"],
                           antialias=kw["antialias"]).numpy()[0, :, :, 0]
    np.testing.assert_allclose(y_tf, ref, atol=1e-5)
    assert t["jax"].status in ("exact", "exact_float32")
    kw = t["jax"].kwargs
    y_jax = np.asarray(jax.image.resize(x, kw["shape"], kw["method"], antialias=kw["antialias"]))
    np.testing.assert_allclose(y_jax, ref, atol=1e-5)


def test_jax_cubic_exact_real():
    jax = pytest.importorskip("jax")
    r = translate((16, 20), (8, 10), kernel="cubic", antialias=False, libraries=["jax"])["jax"]
    assert r.status in ("exact", "exact_float32")  # JAX computes positions in float32
    x = np.random.default_rng(3).random((16, 20)).astype(np.float32)
    y = np.asarray(jax.image.resize(x, r.kwargs["shape"], r.kwargs["method"],
                                    antialias=r.kwargs["antialias"]))
    np.testing.assert_allclose(y, pixelgrid.resize(x.astype(np.float64), (8, 10),
                                                   kernel="cubic", antialias=False), atol=1e-5)


def test_missing_compat_module_is_skipped_with_a_note(monkeypatch):
    monkeypatch.setitem(explain_mod._LAZY_LIKE, "pillow", "pixelgrid.compat._no_such_module")
    monkeypatch.delitem(explain_mod.LIKE, "pillow", raising=False)
    r = translate((6, 8), (12, 16), libraries=["pillow"])["pillow"]
    assert r.status == "skipped" and "cannot be imported" in r.note
    assert "skipped" in str(translate((6, 8), (12, 16), libraries=["pillow"]))


def test_library_without_a_call_for_the_rank():
    r = translate(12, 5, libraries=["tensorflow"])["tensorflow"]
    assert r.status in ("none", "skipped")


def test_bad_library_name():
    with pytest.raises(ValueError, match=r"libraries: 'nosuchlib' is not valid"):
        translate(4, 8, libraries=["nosuchlib"])


# -- claims for every library, checked with the real libraries on both sides ---------------

from test_explain import FLOAT32_LIBS, _real  # noqa: E402  (the real-library runners)


def _real_call(library, x, kwargs):
    """Run a translation's call (its like= keywords) with the real library."""
    kw = dict(kwargs)
    for key in ("size", "dsize", "shape", "sizes", "output_shape", "zoom"):
        kw.pop(key, None)
    if library == "opencv":
        kw["interpolation"] = kwargs["interpolation"]
    out = {"opencv": lambda: tuple(reversed(kwargs["dsize"])),
           "jax": lambda: tuple(kwargs["shape"]),
           "onnx": lambda: tuple(kwargs["sizes"]),
           "skimage": lambda: tuple(kwargs["output_shape"]),
           "scipy": lambda: tuple(round(n * z) for n, z in zip(x.shape, kwargs["zoom"],
                                                                strict=True)),
           }.get(library, lambda: tuple(kwargs["size"]))()
    return np.asarray(_real(library, x, out, kw), dtype=np.float64)


def _tol(*libraries):
    if FLOAT32_LIBS.intersection(libraries):
        return 1e-5
    # resize-right (MATLAB's algorithm) evaluates lanczos with a float32 eps
    return 1e-6 if "matlab" in libraries else 1e-12


@pytest.mark.parametrize(("shape", "size", "source", "expect"), [
    # torch bilinear antialias=True is Pillow BILINEAR on 'F' images, TF bilinear
    # antialias=True, JAX linear and ONNX linear antialias=1 with exclude_outside=1.
    ((16, 20), (8, 10), {"like": "torch", "mode": "bilinear", "antialias": True},
     {"pillow": "BILINEAR", "tensorflow": "bilinear", "jax": "linear", "onnx": "linear"}),
    # torch nearest is cv2.INTER_NEAREST (floor(o * in / out)), tf.compat.v1 nearest (legacy)
    ((6, 8), (12, 16), {"like": "torch", "mode": "nearest"},
     {"opencv": "INTER_NEAREST", "tensorflow.v1": "nearest"}),
    # half-pixel bilinear: OpenCV and TF v1 with float32 coefficients, SciPy/skimage order 1
    ((7, 9), (12, 5), {"like": "torch", "mode": "bilinear", "align_corners": False},
     {"opencv": "INTER_LINEAR", "tensorflow.v1": "bilinear", "scipy": 1, "skimage": 1}),
    ((7, 9), (12, 15), {"like": "torch", "mode": "bilinear", "align_corners": True},
     {"tensorflow.v1": "bilinear", "scipy": 1}),
    ((7, 9), (12, 15), {"like": "torch", "mode": "bicubic", "align_corners": False},
     {"opencv": "INTER_CUBIC"}),
    # pixelgrid's Keys cubic, antialiased, symmetric boundary: MATLAB imresize bicubic
    ((12, 10), (6, 5), {"kernel": "cubic", "boundary": "symmetric", "antialias": True},
     {"matlab": "bicubic"}),
])
def test_exact_claims_hold_in_the_real_libraries(shape, size, source, expect):
    opts = dict(source)
    like = opts.pop("like", None)
    t = translate(shape, size, like=like, libraries=list(expect), **opts)
    # float32-representable values: float32 libraries read the probe without rounding
    x = np.random.default_rng(11).random(shape).astype(np.float32).astype(np.float64)
    want = pixelgrid.resize(x, size, **opts) if like is None else _real(like, x, size, opts)
    for library, what in expect.items():
        r = t[library]
        assert r.status in ("exact", "exact_float32"), str(r)
        assert str(what) in r.code, str(r)
        if r.status == "exact_float32":
            assert FLOAT32_LIBS.intersection({library, like}) and "float32" in str(r)
        got = _real_call(library, x, r.kwargs)
        np.testing.assert_allclose(got, want, rtol=0, atol=_tol(library, like or ""))


@pytest.mark.parametrize(("library", "source"), [
    ("opencv", {"like": "torch", "mode": "lanczos", "antialias": True}),
    ("matlab", {"like": "torch", "mode": "lanczos", "antialias": True}),
    ("pillow", {"kernel": "cubic", "boundary": "symmetric", "antialias": True}),
    ("skimage", {"like": "torch", "mode": "bilinear", "align_corners": True}),
])
def test_no_exact_equivalent_difference_is_measured(library, source):
    opts = dict(source)
    like = opts.pop("like", None)
    shape, size = (16, 20), (5, 7)
    r = translate(shape, size, like=like, libraries=[library], **opts)[library]
    assert r.status == "approximate" and r.max_diff > 1e-3, str(r)
    assert "no exact equivalent" in str(r) and "closest" in str(r)
    # the claimed difference is the real libraries' difference on translate's probe
    probe = np.random.default_rng(0).random(shape)
    if library in FLOAT32_LIBS:
        probe = probe.astype(np.float32).astype(np.float64)
    want = pixelgrid.resize(probe, size, **opts) if like is None else _real(like, probe, size,
                                                                             opts)
    real = np.max(np.abs(_real_call(library, probe, r.kwargs) - want))
    assert r.max_diff == pytest.approx(real, abs=_tol(library, like or ""))


def test_translate_prints_every_library():
    text = str(translate((6, 8), (12, 16), like="torch", mode="nearest"))
    for library in ("onnx", "opencv", "pillow", "tensorflow:", "tensorflow.v1", "jax",
                    "scipy", "skimage", "matlab"):
        assert library in text
    assert "skipped" not in text


def test_one_d_resize_has_no_image_only_candidates():
    t = translate(12, 5, kernel="linear", antialias=False,
                  libraries=["opencv", "pillow", "tensorflow.v1", "matlab", "scipy"])
    for library in ("opencv", "pillow", "tensorflow.v1", "matlab"):
        assert t[library].status == "none" and "1-D" in t[library].note
    assert t["scipy"].status in ("exact", "approximate")


# -- the uint8 verdict, checked with the real libraries ------------------------------------

def _probe8(shape, seed=0):
    """translate's uint8 probe: the second draw of its generator (after the float probe)."""
    rng = np.random.default_rng(seed)
    rng.random(shape)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def _real_uint8(library, x8, kwargs):
    """The real library's uint8 result for a translation's like= keywords (2-D)."""
    if library == "opencv":
        cv2 = pytest.importorskip("cv2")
        cv2.setUseOptimized(False)  # IPP off: the emulated code path
        try:
            return cv2.resize(x8, tuple(kwargs["dsize"]),
                              interpolation=getattr(cv2, kwargs["interpolation"]))
        finally:
            cv2.setUseOptimized(True)
    if library == "torch":
        torch = pytest.importorskip("torch")
        kw = {k: v for k, v in kwargs.items()}
        return torch.nn.functional.interpolate(torch.from_numpy(x8)[None, None], **kw)[0, 0].numpy()
    if library == "pillow":
        image = pytest.importorskip("PIL.Image")
        h, w = kwargs["size"]
        return np.asarray(image.fromarray(x8).resize((w, h), getattr(image.Resampling,
                                                                     kwargs["resample"])))
    if library == "onnx":
        ort = pytest.importorskip("onnxruntime")
        pytest.importorskip("onnx")
        from onnx import TensorProto, helper, numpy_helper

        attrs = {k: v for k, v in kwargs.items() if k != "sizes"}
        sizes = numpy_helper.from_array(np.asarray(kwargs["sizes"], np.int64), "sizes")
        node = helper.make_node("Resize", ["X", "", "", "sizes"], ["Y"], **attrs)
        graph = helper.make_graph(
            [node], "resize", [helper.make_tensor_value_info("X", TensorProto.UINT8, x8.shape)],
            [helper.make_tensor_value_info("Y", TensorProto.UINT8, None)], initializer=[sizes])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
        model.ir_version = 9
        so = ort.SessionOptions()
        so.log_severity_level = 3
        sess = ort.InferenceSession(model.SerializeToString(), so,
                                    providers=["CPUExecutionProvider"])
        return sess.run(None, {"X": x8})[0]
    raise AssertionError(library)


@pytest.mark.parametrize("library", ["opencv", "torch", "onnx", "pillow"])
def test_uint8_verdict_is_the_real_libraries_difference(library):
    # pixelgrid's own half-pixel bilinear 2x upsample: exact on floats for each library;
    # on uint8 each library's own integer arithmetic decides (OpenCV's 11-bit weights with
    # a wide intermediate, torch's int16 weights, onnxruntime's truncation, Pillow's 22-bit
    # weights rounded per pass), measured here with the real library on translate's probe.
    shape, size = (6, 8), (12, 16)
    r = translate(shape, size, align_corners=False, antialias=False,
                  libraries=[library])[library]
    assert r.status in ("exact", "exact_float32") and r.exact("float64") == (r.status == "exact")
    r8 = r.dtypes["uint8"]
    x8 = _probe8(shape)
    want = pixelgrid.resize(x8, size, align_corners=False, antialias=False)
    real = _real_uint8(library, x8, r.kwargs)
    diff = int(np.max(np.abs(real.astype(int) - want.astype(int))))
    assert r8.max_diff == diff, str(r)
    assert r8.status == ("exact" if diff == 0 else "approximate")
    assert r.exact("uint8") == (diff == 0)
    assert "uint8: " in str(r)


def test_uint8_verdict_between_two_libraries_real():
    # from torch's antialiased bilinear uint8 to Pillow's BILINEAR on mode L: both are
    # the same triangle filter; the verdict is what the two real libraries give.
    shape, size = (16, 20), (5, 7)
    t = translate(shape, size, like="torch", mode="bilinear", antialias=True,
                  libraries=["pillow"])
    r = t["pillow"]
    x8 = _probe8(shape)
    src = _real_uint8("torch", x8, {"size": size, "mode": "bilinear", "antialias": True})
    dst = _real_uint8("pillow", x8, r.kwargs)
    diff = int(np.max(np.abs(src.astype(int) - dst.astype(int))))
    assert r.dtypes["uint8"].max_diff == diff


def test_uint8_not_judged_for_libraries_returning_floats():
    r = translate((6, 8), (12, 16), antialias=False, libraries=["tensorflow"])["tensorflow"]
    assert r.dtypes["uint8"].status == "skipped"
    assert "returns floats" in str(r)
    assert not r.exact("uint8")


def test_two_spellings_of_one_map_are_not_a_difference():
    # scikit-image writes the half-pixel map as (x_out + 0.5) * 0.5 - 0.5, pixelgrid as
    # 0.5 * x_out - 0.25: the same map (a = 1/2, b = 1/2 * 1/2 - 1/2 = -1/4), so the note
    # names the kernel and boundary but not the grid.
    from pixelgrid._explain import like_plans

    sk = dict(like_plans("skimage", (6, 8), (12, 16), order=3))
    own = dict(pixelgrid.make_plans((6, 8), (12, 16), kernel="cubic", antialias=False))
    assert sk[0].info["formula"] != own[0].info["formula"]  # spelled differently
    r = translate((6, 8), (12, 16), kernel="cubic", antialias=False,
                  libraries=["skimage"])["skimage"]
    assert r.status == "approximate"
    assert "grid" not in r.note and "kernel" in r.note


def test_same_map_compares_values():
    from fractions import Fraction as F

    from pixelgrid import Affine, plan
    from pixelgrid._translate import _same_map

    half = plan(4, 8, grid=Affine(F(1, 2), F(1, 2), F(-1, 2)))
    same = plan(4, 8, grid=Affine(F(1, 2), F(0), F(-1, 4), "other"))  # 1/2 o - 1/4 too
    shifted = plan(4, 8, grid=Affine(F(1, 2), F(0), F(-1, 8)))
    assert _same_map(half, same) and not _same_map(half, shifted)
    # a float32 plan holds f32(step): equal to the exact step at float32 precision only
    step = F(3, 7)
    f32 = plan(4, 8, grid=Affine(F(float(np.float32(3 / 7))), F(1, 2), F(-1, 2)),
               arithmetic="float32")
    exact = plan(4, 8, grid=Affine(step, F(1, 2), F(-1, 2)))
    other = plan(4, 8, grid=Affine(step + F(1, 1000), F(1, 2), F(-1, 2)))
    assert _same_map(f32, exact) and not _same_map(f32, other)
    # a valid range that holds every output (JAX's input extent) changes nothing
    inside = plan(4, 8, grid=Affine(F(1, 2), F(1, 2), F(-1, 2), "jax",
                                    (F(-1, 2), F(7, 2))))
    assert _same_map(half, inside)
    crop = plan(4, 8, grid=Affine(F(1, 2), F(1, 2), F(-1, 2), "box", (F(0), F(3))))
    assert not _same_map(half, crop)  # outputs at -0.25 and 3.25 read the fill
    # one output: only its coordinate matters (align_corners reads 0 whatever a is)
    assert _same_map(plan(5, 1, grid=Affine(F(2), F(0), F(0))),
                     plan(5, 1, grid=Affine(F(0), F(0), F(0))))


@pytest.mark.parametrize(("shape", "size", "source"), [
    ((6, 8), (12, 16), {"like": "opencv", "interpolation": "INTER_CUBIC"}),
    ((16, 20), (5, 7), {"like": "torch", "mode": "bilinear", "antialias": True}),
    ((7, 9), (12, 5), {"kernel": "lanczos3", "boundary": "reflect"}),
])
def test_no_difference_reads_the_same_on_both_sides(shape, size, source):
    # every stage a note names as different must print differently: a difference whose two
    # sides read the same is a spelling, not a difference (e.g. JAX's map with its valid
    # range [-1/2, in - 1/2], OpenCV's map recovered from its coordinates)
    import re

    opts = dict(source)
    t = translate(shape, size, like=opts.pop("like", None), **opts)
    for r in t.results.values():
        for wanted, has in re.findall(r"wanted (.*?), closest has (.*?)(?:; axis|$| \(\+)",
                                      r.note):
            assert wanted != has, str(r)
