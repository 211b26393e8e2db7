"""pixelgrid.identify: given x and a resized y made by a real library, name the call.

Every ``y`` here comes from the real library (torch, OpenCV, Pillow, TensorFlow, JAX,
onnxruntime, scikit-image, SciPy), run from the candidate's printed ``call`` string, so
the test also checks that the printed calls run as written.  MATLAB is searched but not
generated (no MATLAB here).
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pytest

for _lib in ("torch", "cv2", "PIL", "tensorflow", "jax", "onnxruntime", "skimage", "scipy"):
    pytest.importorskip(_lib)

import pixelgrid  # noqa: E402
from pixelgrid import _identify as ident  # noqa: E402


def _namespace() -> dict[str, Any]:
    import cv2
    import jax
    import jax.image
    import scipy.ndimage
    import skimage.transform
    import tensorflow as tf
    import torch
    from PIL import Image

    return {"np": np, "torch": torch, "cv2": cv2, "tf": tf, "jax": jax, "scipy": scipy,
            "skimage": skimage, "Image": Image}



def _run_onnx(options: dict[str, Any], sizes: list[int], xin: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    from onnx import TensorProto, helper

    et = {np.dtype(np.uint8): TensorProto.UINT8, np.dtype(np.float32): TensorProto.FLOAT}
    node = helper.make_node("Resize", ["X", "", "", "sizes"], ["Y"], **options)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("X", et[xin.dtype], list(xin.shape))],
        [helper.make_tensor_value_info("Y", et[xin.dtype], None)],
        [helper.make_tensor("sizes", TensorProto.INT64, [4], sizes)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])
    return np.asarray(sess.run(None, {"X": np.ascontiguousarray(xin)})[0])


def _real(spec: Any, x: np.ndarray, ns: dict[str, Any]) -> np.ndarray:
    """Run the candidate's printed call with the real library."""
    if spec.library == "onnx":
        sizes = [int(v) for v in re.search(r"sizes = \[([^\]]*)\]", spec.call)
                 .group(1).split(",")]
        return _run_onnx(dict(spec.options), sizes, ident._to_nchw(x))
    expr = spec.call.replace("{x}", ident._x_expr(spec.layout, x.ndim, "numpy"))
    out = eval(expr, {**ns, "x": x})  # the printed call, as a user would paste it
    if hasattr(out, "detach"):
        out = out.detach().numpy()
    elif hasattr(out, "numpy"):
        out = out.numpy()
    return np.asarray(out)


_PHOTOS: list[np.ndarray] = []


def _photo(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A crop of a photo (scikit-image's astronaut, coffee, chelsea at half size), uint8."""
    import cv2
    import skimage.data

    if not _PHOTOS:
        for img in (skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea()):
            h, w = img.shape[:2]
            _PHOTOS.append(cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA))
    img = _PHOTOS[int(rng.integers(len(_PHOTOS)))]
    H, W = shape[:2]
    top, left = int(rng.integers(img.shape[0] - H)), int(rng.integers(img.shape[1] - W))
    crop = img[top:top + H, left:left + W]
    if len(shape) == 2:
        crop = np.rint(crop @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
    return np.ascontiguousarray(crop)


def _image(rng: np.random.Generator, sizes: tuple[int, int],
           photos_only: bool = False) -> np.ndarray:
    """A random photo crop or noise image, gray or RGB, uint8 or (30%) float32."""
    H, W = (int(v) for v in rng.integers(*sizes, 2))
    channels = int(rng.choice([0, 3]))
    shape = (H, W, channels) if channels else (H, W)
    if photos_only or rng.random() < 0.5:
        x = _photo(rng, shape)
    else:
        x = rng.integers(0, 256, shape).astype(np.uint8)
    if rng.random() < 0.3:
        x = (x / np.float32(255)).astype(np.float32)
    return x


def _case(rng: np.random.Generator, ns: dict[str, Any], photos_only: bool = False,
          sizes: tuple[int, int] = (20, 48),
          x_in: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, Any]:
    """A random image (photo crop or noise; or ``x_in``), library call (up or down, uint8
    or float32) and the real library's output."""
    libs = [lib for lib in ident.LIBRARIES if lib != "matlab"]
    while True:
        x = _image(rng, sizes, photos_only) if x_in is None else x_in
        H, W = x.shape[:2]
        f = float(rng.choice([0.25, 0.4, 0.5, 0.66, 0.8, 1.25, 1.5, 2.0, 3.0,
                              rng.uniform(0.3, 2.5)]))
        g = f if rng.random() < 0.7 else float(rng.uniform(0.3, 2.5))
        h, w = max(2, round(H * f)), max(2, round(W * g))
        lib = str(rng.choice(libs))
        specs = ident._specs(x, np.zeros((h, w, *x.shape[2:])), [lib])
        if not specs:
            continue
        spec = specs[int(rng.integers(len(specs)))]
        try:
            y = _real(spec, x, ns)
        except Exception:  # a combination the library refuses: draw again
            continue
        return x, y, spec


def _rank(found: list[Any], call: str, similar: bool = False) -> int | None:
    for k, c in enumerate(found):
        if c.call == call or call in c.equivalent or (similar and call in c.similar):
            return k
    return None


def _jpeg(y: np.ndarray, quality: int = 90) -> np.ndarray:
    from PIL import Image

    img = y[0] if y.ndim == 4 else y
    if img.ndim == 3 and img.shape[0] in (1, 3) and img.shape[-1] not in (1, 3):
        img = np.moveaxis(img, 0, -1)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img)).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(buf))


@pytest.fixture(scope="module")
def ns() -> dict[str, Any]:
    return _namespace()


def test_random_pairs_from_real_libraries(ns: dict[str, Any]) -> None:
    """300 random (library, call, image) pairs made by the real libraries.

    Measured (seed below): the top candidate reproduces y exactly or is the true call
    in 298 of 300 pairs, and the true call (or an identical one) is in the top 5 in all
    300 (the issue's 99% and 100%).  Before: 294 and 294 (six JAX float32 calls that
    no emulation reproduces bit for bit, ranked below TensorFlow's or torch's calls
    within rounding of them and hidden in their `similar`); JAX's Lanczos kernel is
    now XLA's (the C library's sinf), near-ties from other libraries are candidates of
    their own, and one that reproduces clearly more samples bit for bit leads.  The two
    left: a stretched (antialiased) JAX lanczos5 and a JAX 2-D linear whose dot order
    is not declared, each second behind a call within rounding of it.
    """
    rng = np.random.default_rng(20261206)
    n, top1, top5, misses = 300, 0, 0, []
    for _ in range(n):
        x, y, spec = _case(rng, ns)
        found = pixelgrid.identify(x, y)
        call = spec.call.replace("{x}", ident._x_expr(spec.layout, x.ndim, "numpy"))
        k = _rank(found, call)
        top1 += k == 0 or found[0].exact
        top5 += k is not None and k < 5
        if k is None or k >= 5:
            misses.append((call, [(c.call, c.max_diff) for c in found[:3]]))
        if found[0].exact:  # an exact top candidate reproduces y bit for bit
            got = found[0].reproduce(x)
            np.testing.assert_array_equal(got, ident._as_image(y, "y")[0].reshape(got.shape))
    assert top1 >= 0.99 * n, (top1, misses)  # measured 298
    assert top5 == n, (top5, misses)  # measured 300


def test_jpeg_reencoded_pairs(ns: dict[str, Any]) -> None:
    """uint8 outputs re-encoded as JPEG (quality 90): the true call in the top 3 (or among
    the calls listed as within rounding of a top-3 one, which JPEG noise cannot tell
    apart) in 59 of 60 photo pairs (the issue asks for 95%).  It was 54-56 of 60 while
    the probes' 16 survivors were cut before the true call ran (twenty skimage variants
    with equal probes) and the fitted own model (two free offsets that also fit the
    noise) took a top-3 place; the miss left: Pillow's LANCZOS at 114 -> 91 px, ranked
    below antialiased cubics that JPEG's loss of fine detail favours."""
    rng = np.random.default_rng(7)
    n = hits = 0
    while n < 60:
        x, y, spec = _case(rng, ns, photos_only=True, sizes=(80, 140))
        if y.dtype != np.uint8:
            continue
        n += 1
        found = pixelgrid.identify(x, _jpeg(y))
        call = spec.call.replace("{x}", ident._x_expr(spec.layout, x.ndim, "numpy"))
        k = _rank(found, call, similar=True)
        hits += k is not None and k < 3
    assert hits >= 0.95 * n, (hits, n)  # measured 59 of 60 with this seed


def test_printed_call_runs_and_reproduce_matches() -> None:
    import cv2

    x = np.random.default_rng(1).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    y = cv2.resize(x, (40, 25), interpolation=cv2.INTER_AREA)
    best = pixelgrid.identify(x, y, libraries=["opencv", "pillow"])[0]
    assert best.exact and best.library == "opencv"
    assert best.call == "cv2.resize(x, (40, 25), interpolation=cv2.INTER_AREA)"
    np.testing.assert_array_equal(eval(best.call, {"cv2": cv2, "x": x}), y)
    np.testing.assert_array_equal(best.reproduce(x), y)
    assert "axis 0" in best.model and "axis 1" in best.model


def test_each_library_keeps_its_best_family() -> None:
    """A SciPy order-3 zoom whose float64 probe (its plan's truncated spline prefilter)
    is 1.2e-5 off while scikit-image's order-3 probe lands within 7e-9 of y's interior:
    the family cut used to keep only scikit-image, so the exact SciPy call never ran
    (one of the 300 random pairs).  Each library's best family near the best now runs."""
    import scipy.ndimage

    x = np.random.default_rng(256).random((25, 26, 3), dtype=np.float32)
    y = scipy.ndimage.zoom(x, (75 / 25, 78 / 26, 1), order=3, mode="mirror", grid_mode=True)
    best = pixelgrid.identify(x, y)[0]
    assert best.exact and best.library == "scipy" and "order=3" in best.call


def test_tied_probes_still_run_the_exact_call() -> None:
    """A x3 bilinear upscale, where a dozen libraries' probes tie within rounding: the
    exact OpenCV call (LINEAR_EXACT's rounding) was cut with the first 16 survivors;
    ties now run round-robin across libraries, and more near calls run until one is
    exact (one of the 300 random pairs)."""
    import cv2

    x = np.random.default_rng(64).integers(0, 256, (24, 42, 3), dtype=np.uint8)
    y = cv2.resize(x, None, fx=3.0, fy=3.0, interpolation=cv2.INTER_LINEAR_EXACT)
    best = pixelgrid.identify(x, y)[0]
    assert best.exact and best.library == "opencv" and "INTER_LINEAR_EXACT" in best.call


def test_near_ties_ordered_by_bitwise_agreement() -> None:
    """Float y that no call reproduces exactly: among calls within float32 rounding of
    each other, one that reproduces clearly more samples bit for bit (paired sign test,
    2 sigma) leads, whatever its (chance) error; a call outside rounding keeps its
    place after them."""
    y = np.linspace(0.0, 1.0, 200, dtype=np.float32).reshape(10, 20)
    ulp = np.spacing(np.float32(1.0))

    def off(share: float, by: float, start: int = 0) -> np.ndarray:
        out = y.copy()  # `share` of the samples, from `start` on, moved by `by`
        n = int(share * y.size)
        out.reshape(-1)[start:start + n] += np.float32(by)
        return out

    def scored(out: np.ndarray, rank: float) -> Any:
        d = np.abs(out.astype(np.float64) - y)
        return ident._Scored(spec=object(), out=out, max_diff=float(d.max()),  # type: ignore[arg-type]
                             mean_diff=float(d.mean()), note="", rank=rank)

    few_ulps_many = scored(off(0.6, ulp), 1.0)   # smaller error, 40% bit-exact
    one_ulp_few = scored(off(0.2, 2 * ulp), 2.0)  # 80% bit-exact: the nearer arithmetic
    far = scored(off(1.0, 0.5), 3.0)
    tol = ident._unit(y)
    got = ident._agreement_order([few_ulps_many, one_ulp_few, far], {"": y}, tol, 5)
    assert [id(s) for s in got] == [id(one_ulp_few), id(few_ulps_many), id(far)]
    # as many exact samples, two more and two fewer: a coin toss keeps the error's order
    shifted = scored(off(0.6, ulp, start=2), 1.5)
    got = ident._agreement_order([few_ulps_many, shifted], {"": y}, tol, 5)
    assert [id(s) for s in got] == [id(few_ulps_many), id(shifted)]


def test_jax_float_output_ranked_above_rounding_rivals() -> None:
    """jax.image.resize float32 output (XLA's kernel rounding, not declared bit for bit):
    TensorFlow's and torch's calls land within rounding of it too.  The JAX call agrees
    with y on the most samples and comes first; the rivals are listed as candidates of
    their own, not hidden under its `similar` (one of the 300 random pairs)."""
    jax = pytest.importorskip("jax")
    x = np.random.default_rng(274).integers(0, 256, (26, 38, 3), dtype=np.uint8)
    y = np.asarray(jax.image.resize(x, (78, 24, 3), method="linear", antialias=True))
    found = pixelgrid.identify(x, y)
    assert found[0].library == "jax" and "method='linear'" in found[0].call
    assert not any("torch" in s or "tf." in s for s in found[0].similar)


def test_torch_tensors_in_torch_call_out() -> None:
    import torch

    x = torch.from_numpy(np.random.default_rng(2).random((1, 3, 30, 41), dtype=np.float32))
    y = torch.nn.functional.interpolate(x, size=(45, 20), mode="bicubic", align_corners=True)
    found = pixelgrid.identify(x, y, libraries=["torch"])
    call = "torch.nn.functional.interpolate(x, size=(45, 20), mode='bicubic', " \
           "align_corners=True, antialias=False)"
    assert _rank(found, call) == 0


def test_channel_order_swapped() -> None:
    from PIL import Image

    x = np.random.default_rng(3).integers(0, 256, (40, 44, 3), dtype=np.uint8)
    y = np.asarray(Image.fromarray(x).resize((30, 20), Image.Resampling.BILINEAR))
    best = pixelgrid.identify(x, y[..., ::-1].copy(), libraries=["pillow", "opencv"])[0]
    assert best.exact and "channels reversed" in best.note
    assert best.call.startswith("Image.fromarray(x).resize((30, 20), ")
    np.testing.assert_array_equal(best.reproduce(x), y[..., ::-1])


def test_uint8_round_trip_of_a_float_result() -> None:
    import tensorflow as tf

    x = np.random.default_rng(4).integers(0, 256, (32, 36, 3), dtype=np.uint8)
    yf = tf.image.resize(x, (50, 61), method="lanczos3").numpy()
    y = np.clip(np.rint(yf), 0, 255).astype(np.uint8)
    best = pixelgrid.identify(x, y, libraries=["tensorflow", "opencv"])[0]
    assert best.library == "tensorflow" and "lanczos3" in best.call
    assert best.max_diff <= 1.0 and "rounded to uint8" in best.note
    out = best.reproduce(x)
    assert out.dtype == np.uint8 and np.abs(out.astype(int) - y).max() <= 1


def test_unknown_resize_gets_the_closest_own_model() -> None:
    """A linear resize whose grid is shifted by +0.25 input px: no library does that; the
    fit finds the kernel and the shift (hand-made: Affine with d = -1/2 + 1/4)."""
    from fractions import Fraction

    rng = np.random.default_rng(5)
    x = rng.random((40, 48)).astype(np.float64)
    grids = [pixelgrid.Affine(Fraction(40, 30), Fraction(1, 2), Fraction(-1, 4)),
             pixelgrid.Affine(Fraction(48, 36), Fraction(1, 2), Fraction(-1, 2))]
    y = pixelgrid.resize(x, (30, 36), kernel="linear", antialias=False, grid=grids)
    found = pixelgrid.identify(x, y, libraries=["opencv", "torch", "pillow"])
    fit = next(c for c in found if c.note == "closest model")
    assert fit is found[0]
    assert "linear" in fit.model and "+0.25" in fit.model
    assert fit.max_diff < 1e-3


def test_bad_arguments() -> None:
    x = np.zeros((8, 8), np.uint8)
    y = np.zeros((4, 4), np.uint8)
    with pytest.raises(ValueError, match=r"libraries=.*unknown.*valid choices"):
        pixelgrid.identify(x, y, libraries=["opencv", "photoshop"])
    with pytest.raises(TypeError, match="libraries="):
        pixelgrid.identify(x, y, libraries="opencv")
    with pytest.raises(ValueError, match="top=0"):
        pixelgrid.identify(x, y, top=0)
    with pytest.raises(ValueError, match="same channels"):
        pixelgrid.identify(np.zeros((8, 8, 3), np.uint8), y)
    with pytest.raises(ValueError, match="identify takes an image"):
        pixelgrid.identify(np.zeros((2, 3, 8, 8, 8)), y)
    with pytest.raises(TypeError, match="dtype"):
        pixelgrid.identify(np.zeros((8, 8), bool), y)


def _hwc(x: np.ndarray, y: Any) -> np.ndarray:
    """A library's output as an (H, W[, C]) array like ``x``."""
    a = ident._as_image(y, "y")[0]
    return a[..., 0] if x.ndim == 2 and a.ndim == 3 else a


def _geometry_case(rng: np.random.Generator, ns: dict[str, Any], kind: str
                   ) -> tuple[np.ndarray, np.ndarray, Any, Any]:
    """x, y and the true (call, geometry): y is a crop of a real library's output, a pad
    of it (edge, or a constant 0 or 114), or the output for a crop of x."""
    if kind == "input_crop":
        big = _image(rng, (70, 110))
        H, W = big.shape[:2]
        hc, wc = (int(rng.integers(n // 2, n - 4)) for n in (H, W))
        t, left = int(rng.integers(H - hc + 1)), int(rng.integers(W - wc + 1))
        while True:
            x, y, spec = _case(rng, ns, x_in=np.ascontiguousarray(big[t:t + hc, left:left + wc]))
            y = _hwc(x, y)
            if min(y.shape[:2]) >= 24:
                break
        out = y.shape[:2]
        return big, y, spec, ident._Geometry(out, (0, 0), out, x_crop=(t, left, hc, wc))
    while True:  # an output of 24+ px per axis (a crop of a few pixels says little)
        x, y, spec = _case(rng, ns, sizes=(40, 80))
        y = _hwc(x, y)
        h, w = y.shape[:2]
        if min(h, w) >= 24:
            break
    if kind == "crop":
        while True:
            hc, wc = (int(rng.integers(max(4, n // 2), n + 1)) for n in (h, w))
            if (hc, wc) != (h, w):
                break
        t, left = int(rng.integers(h - hc + 1)), int(rng.integers(w - wc + 1))
        geom = ident._Geometry((h, w), (t, left), (hc, wc))
    else:
        while True:
            pads = tuple(tuple(int(v) for v in rng.integers(0, max(2, n // 5), 2)) for n in (h, w))
            if any(pads[0]) or any(pads[1]):
                break
        mode = str(rng.choice(["edge", "constant"]))
        value = float(rng.choice([0, 114])) if mode == "constant" and y.dtype == np.uint8 else 0.0
        geom = ident._Geometry((h, w), (0, 0), (h, w), pads, mode, value)
    return x, geom.apply(y), spec, geom


def test_crop_and_pad_around_the_resize(ns: dict[str, Any]) -> None:
    """y is a crop or pad of a real library's output, or its output for a crop of x.

    The top candidate is the true call (or an equivalent) with the true crop / pad, or an
    exact reproduction whose printed call, run with the real library, gives y (then also
    ``reproduce(x)``).  Measured (seed below, 12 cases of each kind, all libraries but
    MATLAB, uint8 and float32, photos and noise): crop 10/12, pad 12/12, input crop 11/12
    (seed 41: 11, 12, 12).  The misses: small noise images downscaled without antialias
    (aliasing leaves their thumbnails nothing to match), a nearest crop read one pixel off.
    """
    rng = np.random.default_rng(31)
    n, hits, misses = 0, 0, []
    for kind in ["crop", "pad", "input_crop"] * 12:
        x, y, spec, geom = _geometry_case(rng, ns, kind)
        found = pixelgrid.identify(x, y)
        best = found[0]
        call = geom.call(spec.call.replace("{x}", ident._x_expr(spec.layout, x.ndim, "numpy",
                                                               geom.x_name("numpy"))),
                         spec, x.ndim)
        # the true call first, or listed with it as within float32 rounding (JAX's XLA
        # kernels, an emulation gap of ~1e-7), or a call reproducing y to rounding
        hit = _rank(found, call, similar=True) == 0
        hit |= y.dtype.kind == "f" and best.max_diff <= ident._unit(y)
        if best.exact:
            np.testing.assert_array_equal(best.reproduce(x), y)
            if best.library not in ("onnx", "matlab", "pixelgrid"):  # runnable as printed
                got = eval(best.call, {**ns, "x": x})
                got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
                np.testing.assert_array_equal(_hwc(x, got), y)
                hit = True
        n += 1
        hits += hit
        if not hit:
            misses.append((kind, call, [(c.call, c.max_diff) for c in found[:2]]))
    assert hits >= 0.9 * n, (hits, misses)  # measured 33 of 36


def test_cli_reports_a_crop(tmp_path: Any, capsys: Any) -> None:
    """``pixelgrid identify a.png b.png --json`` on a center crop of an OpenCV resize."""
    import json

    import cv2
    from PIL import Image

    from pixelgrid.cli import main

    x = _photo(np.random.default_rng(8), (90, 120, 3))
    y = cv2.resize(x, (150, 110), interpolation=cv2.INTER_LINEAR)[7:103, 11:139]
    Image.fromarray(x).save(tmp_path / "a.png")
    Image.fromarray(np.ascontiguousarray(y)).save(tmp_path / "b.png")
    assert main(["identify", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "--json",
                 "--libraries", "opencv,pillow,torch"]) == 0
    best = json.loads(capsys.readouterr().out)[0]
    assert best["exact"] and best["crop"] == [7, 11, 96, 128] and best["pad"] is None
    calls = [best["call"], *best["equivalent"]]
    assert "cv2.resize(x, (150, 110), interpolation=cv2.INTER_LINEAR)[7:103, 11:139]" in calls
