"""pixelgrid.compat.pillow against the real PIL.Image.resize (Pillow 13)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pixelgrid.compat import pillow as pp

Image = pytest.importorskip("PIL.Image")

FILTERS = [pp.NEAREST, pp.BOX, pp.BILINEAR, pp.HAMMING, pp.BICUBIC, pp.LANCZOS, pp.MKS2013,
           pp.MKS2021]
MODES = ["L", "LA", "RGB", "RGBA", "I", "F"]


def _image(rng: np.random.Generator, mode: str) -> np.ndarray:
    h, w = (int(v) for v in rng.integers(1, 40, 2))
    if rng.random() < 0.1:
        w = 1
    if mode == "I":
        return rng.integers(-100_000, 100_000, (h, w)).astype(np.int32)
    if mode == "F":
        return (rng.random((h, w)) * 255).astype(np.float32)
    c = {"L": 0, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
    return rng.integers(0, 256, (h, w) if c == 0 else (h, w, c)).astype(np.uint8)


def _call(rng: np.random.Generator, x: np.ndarray) -> dict[str, Any]:
    h, w = x.shape[:2]
    if rng.random() < 0.5:
        size = (int(rng.integers(1, 50)), int(rng.integers(1, 50)))
    else:  # integer ratios, up and down
        f = [2, 3, 4, 0.5, 1 / 3, 0.25]
        size = (max(1, round(w * float(rng.choice(f)))), max(1, round(h * float(rng.choice(f)))))
    box = None
    if rng.random() < 0.3:
        x0, x1 = sorted(float(v) for v in rng.uniform(0, w, 2))
        y0, y1 = sorted(float(v) for v in rng.uniform(0, h, 2))
        box = (x0, y0, x1, y1)
    gap = float(rng.choice([1.0, 1.5, 2.0, 3.0])) if rng.random() < 0.3 else None
    return {"size": size, "box": box, "reducing_gap": gap}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("resample", FILTERS)
def test_matches_pillow(resample: int, mode: str) -> None:
    """Bit-exact in every mode (F included: double sums in Pillow's order, float32 per pass)."""
    rng = np.random.default_rng([11, resample, MODES.index(mode)])
    for _ in range(20):
        x = _image(rng, mode)
        c = _call(rng, x)
        ref = np.asarray(Image.fromarray(x).resize(c["size"], resample, c["box"],
                                                   c["reducing_gap"]))
        got = pp.resize(x, c["size"], resample, c["box"], c["reducing_gap"])
        assert got.dtype == ref.dtype and got.shape == ref.shape
        assert np.array_equal(got, ref), (x.shape, c)


def test_constants_are_pillows() -> None:
    for r in Image.Resampling:
        assert getattr(pp, r.name) == int(r)
        assert pp.FILTERS[int(r)].name == r.name


def test_pil_image_in_pil_image_out() -> None:
    rng = np.random.default_rng(5)
    for mode in ("L", "RGB", "RGBA", "I", "F"):
        im = Image.fromarray(_image(rng, mode))
        out = pp.resize(im, (7, 5), pp.LANCZOS)
        assert isinstance(out, Image.Image) and out.mode == im.mode
        assert np.array_equal(np.asarray(out), np.asarray(im.resize((7, 5), pp.LANCZOS)))


def test_bilinear_antialias_t1() -> None:
    # USER-NEEDS T1: 10x10 ramp -> 5x5 bilinear, 'F'.  Weights 0.75/0.75/0.25 renormalised
    # over 1.75 at the edge: 10 * (1.25 / 1.75) + 1.25 / 1.75 = 7.857143.
    x = np.arange(100, dtype=np.float32).reshape(10, 10)
    y = pp.resize(x, (5, 5), pp.BILINEAR)
    np.testing.assert_allclose(y[0], [7.857143, 9.642858, 11.642858, 13.642858, 15.428572],
                               rtol=1e-6)
    np.testing.assert_allclose(y[4], [83.57143, 85.35714, 87.35714, 89.35714, 91.14285],
                               rtol=1e-6)


def test_nearest_t9_t12() -> None:
    # T12: centre rule on [0..4]: width 3 -> [0, 2, 4], width 2 -> [1, 3]
    x = np.array([[0, 1, 2, 3, 4]], dtype=np.uint8)
    assert pp.resize(x, (3, 1), pp.NEAREST).tolist() == [[0, 2, 4]]
    assert pp.resize(x, (2, 1), pp.NEAREST).tolist() == [[1, 3]]
    # T9: 128 -> 160 ties: exact arithmetic gives 6 at i=7 and 102 at i=127, Pillow 5 and 101
    y = pp.resize(np.arange(128, dtype=np.uint8)[None, :], (160, 1), pp.NEAREST)[0]
    assert (int(y[7]), int(y[127])) == (5, 101)


def test_bicubic_uint8_t16_equals_torch_antialias() -> None:
    # T16: PIL BICUBIC equals torch antialias=True uint8 bicubic exactly, 64x64 -> 16x16.
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(16).integers(0, 256, (64, 64), dtype=np.uint8)
    t = torch.nn.functional.interpolate(torch.from_numpy(x)[None, None], size=(16, 16),
                                        mode="bicubic", antialias=True)[0, 0].numpy()
    assert np.array_equal(pp.resize(x, (16, 16), pp.BICUBIC), t)


def test_premultiplied_rgba() -> None:
    # 201 at alpha 100: premultiplied ((t >> 8) + t) >> 8 with t = 201*100+128 -> 79,
    # back 79 * 255 // 100 = 201; a transparent pixel contributes no colour.
    x = np.zeros((5, 6, 4), np.uint8)
    x[..., 0], x[..., 3] = 201, 100
    assert pp.resize(x, (3, 3), pp.BILINEAR)[0, 0].tolist() == [201, 0, 0, 100]
    x[:, :3, 3] = 0
    x[:, :3, 1] = 255
    assert int(pp.resize(x, (2, 5), pp.BOX)[0, 0, 1]) == 0


def test_pass_order_vertical_first() -> None:
    # Pillow 13 filters vertically first when out_h < in_h and in_h - out_h > 2(in_w - out_w):
    # for a tall strip 2x upscaled in x and heavily shrunk in y the uint8 results differ
    # from horizontal-first by the intermediate clipping; the real library decides.
    x = np.random.default_rng(9).integers(0, 256, (60, 5), dtype=np.uint8)
    ref = np.asarray(Image.fromarray(x).resize((10, 7), pp.LANCZOS))
    assert np.array_equal(pp.resize(x, (10, 7), pp.LANCZOS), ref)


def test_same_size_is_copy() -> None:
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    y = pp.resize(x, (4, 3))
    assert y is not x and np.array_equal(x, y)


def test_bad_input() -> None:
    x = np.zeros((5, 6), np.uint8)
    with pytest.raises(ValueError, match="resample=9 is not a Pillow filter"):
        pp.resize(x, (3, 3), 9)
    with pytest.raises(ValueError, match=r"size=\(0, 3\): height and width must be > 0"):
        pp.resize(x, (0, 3))
    with pytest.raises(TypeError, match=r"size=\(3.0, 3\) must hold ints"):
        pp.resize(x, (3.0, 3))
    with pytest.raises(ValueError, match="box can't exceed original image size"):
        pp.resize(x, (3, 3), pp.BICUBIC, (0, 0, 7, 5))
    with pytest.raises(ValueError, match="box offset can't be negative"):
        pp.resize(x, (3, 3), pp.BICUBIC, (-1, 0, 6, 5))
    with pytest.raises(ValueError, match="box can't be empty"):
        pp.resize(x, (3, 3), pp.BICUBIC, (3, 0, 2, 5))
    with pytest.raises(ValueError, match=r"reducing_gap=0\.5 must be 1\.0 or greater"):
        pp.resize(x, (3, 3), pp.BICUBIC, None, 0.5)
    with pytest.raises(TypeError, match="dtype uint16 is not a Pillow mode"):
        pp.resize(x.astype(np.uint16), (3, 3))
    with pytest.raises(TypeError, match="image must be a numpy array or a PIL image"):
        pp.resize([[1, 2]], (3, 3))
    with pytest.raises(TypeError, match="image mode 'P' is not supported"):
        pp.resize(Image.new("P", (4, 4)), (3, 3))


# ----------------------------------------------------------------------------- fuzz findings


@pytest.mark.parametrize("mode", ["L", "RGBA", "I", "F"])
def test_integer_box_of_output_size_is_a_crop(mode: str) -> None:
    # Pillow 13's _resize crops (no filtering) when x0, y0 are integers and the box is
    # exactly the output size; MKS2013/2021 (not interpolating) would otherwise blur.
    rng = np.random.default_rng([21, MODES.index(mode)])
    x = _image(rng, mode)
    while min(x.shape[:2]) < 12:
        x = _image(rng, mode)
    for resample in FILTERS:
        for gap in (None, 1.0):
            bx = (3, 2, 3 + 7, 2 + 9)
            ref = np.asarray(Image.fromarray(x).resize((7, 9), resample, bx, gap))
            assert np.array_equal(pp.resize(x, (7, 9), resample, bx, gap), ref)
    if mode in ("L", "I", "F"):
        got = pp.resize(x, (7, 9), pp.MKS2013, (3, 2, 10, 11))
        assert np.array_equal(got, x[2:11, 3:10])  # the crop itself


def test_fractional_box_of_output_size_is_filtered() -> None:
    x = np.random.default_rng(22).integers(0, 256, (20, 30), dtype=np.uint8)
    bx = (5.5, 4.0, 15.5, 12.0)
    ref = np.asarray(Image.fromarray(x).resize((10, 8), pp.MKS2013, bx))
    got = pp.resize(x, (10, 8), pp.MKS2013, bx)
    assert np.array_equal(got, ref) and not np.array_equal(got, x[4:12, 5:15])


@pytest.mark.parametrize("mode", MODES)
def test_empty_image_resizes_to_black(mode: str) -> None:
    for wh in ((0, 0), (0, 5), (5, 0)):
        im = Image.new(mode, wh)
        for resample in FILTERS:
            for gap in (None, 2.0):
                ref = im.resize((3, 2), resample, None, gap)
                got = pp.resize(im, (3, 2), resample, None, gap)
                assert got.mode == mode and np.array_equal(np.asarray(got), np.asarray(ref))
                assert not np.asarray(got).any()


def test_resample_none_is_pillows_default_bicubic() -> None:
    x = np.random.default_rng(23).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    ref = np.asarray(Image.fromarray(x).resize((5, 4), None))
    assert np.array_equal(pp.resize(x, (5, 4), None), ref)
    assert np.array_equal(pp.resize(x, (5, 4)), ref)
    assert np.array_equal(pp.resize(x, np.array([5, 4])), ref)  # Pillow takes tuple(size)


def _reduce_case(rng: np.random.Generator, mode: str) -> tuple[np.ndarray, Any, Any]:
    h, w = (int(v) for v in rng.integers(1, 40, 2))
    c = {"L": 0, "LA": 2, "RGB": 3, "RGBA": 4}.get(mode, 0)
    if mode == "I":  # the full int32 range: Pillow's pair sums wrap around
        x = rng.integers(-2**31, 2**31, (h, w), dtype=np.int64).astype(np.int32)
    elif mode == "F":
        x = (rng.standard_normal((h, w)) * 10.0 ** rng.integers(0, 30)).astype(np.float32)
    else:
        x = rng.integers(0, 256, (h, w) if c == 0 else (h, w, c)).astype(np.uint8)
    f = (int(rng.integers(1, 8)), int(rng.integers(1, 8)))
    factor: Any = f[0] if rng.random() < 0.2 else f
    box = None
    x0, x1 = sorted(int(v) for v in rng.integers(0, w + 1, 2))
    y0, y1 = sorted(int(v) for v in rng.integers(0, h + 1, 2))
    if rng.random() < 0.5 and x1 > x0 and y1 > y0:
        box = (x0, y0, x1, y1)
    return x, factor, box


@pytest.mark.parametrize("mode", MODES)
def test_reduce_matches_pillow(mode: str) -> None:
    rng = np.random.default_rng([24, MODES.index(mode)])
    for _ in range(60):
        x, factor, box = _reduce_case(rng, mode)
        ref = np.asarray(Image.fromarray(x).reduce(factor, box))
        got = pp.reduce(x, factor, box)
        assert got.dtype == ref.dtype and np.array_equal(got, ref), (x.shape, factor, box)


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
def test_reduce_8bit_fast_factors_match_pillow(mode: str) -> None:
    # the uint8 fast path (x factor <= 4, 1-4 channels, fx * fy <= 257) on 2000+ px axes
    # kept thin, odd sizes, boxes, short last blocks, and reducing_gap resizes through it
    rng = np.random.default_rng([31, len(mode)])
    c = {"L": 0, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
    shape = (9, 2011) if c == 0 else (9, 2011, c)
    x = rng.integers(0, 256, shape).astype(np.uint8)
    if c in (2, 4):
        x[:, ::7, -1] = 0  # premultiplied blocks with transparent pixels
    im = Image.fromarray(x)
    for factor in (2, 3, 4, (2, 1), (1, 2), (1, 3), (3, 4), (4, 2), (5, 4)):
        for box in (None, (3, 1, 2008, 8), (0, 2, 1999, 9)):
            ref = np.asarray(im.reduce(factor, box))
            assert np.array_equal(pp.reduce(x, factor, box), ref), (factor, box)
    for size, gap in (((1005, 4), 2.0), ((670, 3), 1.5), ((1006, 9), 2.0)):
        ref = np.asarray(im.resize(size, Image.BICUBIC, reducing_gap=gap))
        assert np.array_equal(pp.resize(x, size, Image.BICUBIC, reducing_gap=gap), ref), size
    # the edges of the 16-bit block sums and 32-bit products: fx * fy = 256 and 257 of 255s
    tall = np.full((260, 9) if c == 0 else (260, 9, c), 255, dtype=np.uint8)
    tall[-1] = rng.integers(0, 256, tall.shape[1:]).astype(np.uint8)
    for factor in ((1, 257), (4, 64), (2, 128), (1, 256), (3, 86)):
        ref = np.asarray(Image.fromarray(tall).reduce(factor))
        assert np.array_equal(pp.reduce(tall, factor), ref), factor


def test_reduce_mode_i_wraps_like_pillow() -> None:
    # Pillow's bug, reproduced: full blocks add l0[x] + l0[x+1] + l1[x] + l1[x+1] in int32
    # before the double total.  Four pixels of 2**30: 2**30 + 2**30 wraps to -2**31, + 2**30
    # gives -2**30, + 2**30 gives 0: the mean is 0, not 2**30.
    x = np.full((4, 4), 2**30, dtype=np.int32)
    ref = np.asarray(Image.fromarray(x).reduce(2))
    assert ref.tolist() == [[0, 0], [0, 0]]
    assert np.array_equal(pp.reduce(x, 2), ref)
    # edge blocks are added pixel by pixel in double: no wrap (5 -> blocks of 2, 2, 1)
    x5 = np.full((5, 5), 2**30, dtype=np.int32)
    assert np.array_equal(pp.reduce(x5, 2), np.asarray(Image.fromarray(x5).reduce(2)))
    assert pp.reduce(x5, 2)[2, 2] == 2**30 and pp.reduce(x5, 2)[0, 0] == 0
    # and through resize's reducing_gap
    ref = np.asarray(Image.fromarray(x).resize((2, 2), pp.BILINEAR, None, 1.0))
    assert np.array_equal(pp.resize(x, (2, 2), pp.BILINEAR, None, 1.0), ref)


def test_reduce_8bit_reciprocal_rounds_down() -> None:
    # Pillow divides by n = 3 as ((s + 1) * 5592405) >> 24 with 5592405 = floor(2**32 / 768):
    # s = 2 (pixels 1, 1, 0) gives 16777215 >> 24 = 0, though the mean 2/3 rounds to 1.
    x = np.array([[1, 1, 0]], dtype=np.uint8)
    assert np.asarray(Image.fromarray(x).reduce((3, 1))).tolist() == [[0]]
    assert pp.reduce(x, (3, 1)).tolist() == [[0]]


def test_reduce_bad_input() -> None:
    x = np.zeros((10, 10), np.uint8)
    with pytest.raises(ValueError, match="scale must be > 0"):
        pp.reduce(x, 0)
    with pytest.raises(TypeError, match=r"factor=2\.0 must be an int"):
        pp.reduce(x, 2.0)
    with pytest.raises(ValueError, match="box can't exceed original image size"):
        pp.reduce(x, 2, (0, 0, 11, 10))
    with pytest.raises(ValueError, match="box offset can't be negative"):
        pp.reduce(x, 2, (-1, 0, 10, 10))
    with pytest.raises(ValueError, match="box can't be empty"):
        pp.reduce(x, 2, (0, 5, 10, 5))
    with pytest.raises(TypeError, match="box='stri' must be None or a 4-tuple of ints"):
        pp.reduce(x, 2, "stri")
    assert pp.reduce(x, (1, 1), (2, 3, 5, 7)).shape == (4, 3)  # factor 1: a crop
    with pytest.raises(TypeError, match="must be sequence of length 4"):  # Pillow's words
        pp.resize(x, (3, 3), pp.BICUBIC, (10, 10))


@pytest.mark.parametrize("mode", ["L", "RGBA", "I", "F"])
def test_reduce_by_a_factor_past_the_image(mode: str) -> None:
    # One block cut short by the edge (I: summed in double, no pair wrap), at once even
    # for a factor of 2**31 - 1 (Pillow's test_large_factor).
    rng = np.random.default_rng([27, MODES.index(mode)])
    x, _, _ = _reduce_case(rng, mode)
    for factor in (2**31 - 1, (2**31 - 1, 1), (1, 2**31 - 1), (x.shape[1], 50)):
        ref = np.asarray(Image.fromarray(x).reduce(factor))
        assert np.array_equal(pp.reduce(x, factor), ref), factor


# ----------------------------------------------------------------------------- realistic sizes


def _long(rng: np.random.Generator, mode: str, shape: tuple[int, int]) -> np.ndarray:
    if mode == "I":
        return rng.integers(-100_000, 100_000, shape).astype(np.int32)
    if mode == "F":
        return rng.random(shape, dtype=np.float32)  # [0, 1)
    c = {"L": 0, "RGB": 3, "RGBA": 4}[mode]
    return rng.integers(0, 256, shape if c == 0 else (*shape, c)).astype(np.uint8)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "I", "F"])
@pytest.mark.parametrize("resample", FILTERS)
def test_matches_pillow_at_realistic_sizes(resample: int, mode: str) -> None:
    """Bit-exact on 2500-px axes: 2500 -> 5000 up, 2500 -> 600 down with reducing_gap."""
    rng = np.random.default_rng([25, resample, MODES.index(mode)])
    wide = _long(rng, mode, (3, 2500))
    tall = _long(rng, mode, (2500, 3))
    for x, size, bx, gap in (
        (wide, (5000, 2), None, None),                       # up in x, down in y
        (tall, (4, 5000), (0.0, 0.5, 3.0, 2499.25), None),   # up in y, float box
        (wide, (600, 3), None, 2.0),                         # down: reduce by 2 first
        (tall, (2, 600), (0.25, 1.0, 3.0, 2500.0), 1.5),     # down in y, box, reduce
        (wide, (1700, 3), None, None),                       # down without reduce
    ):
        ref = np.asarray(Image.fromarray(x).resize(size, resample, bx, gap))
        got = pp.resize(x, size, resample, bx, gap)
        assert got.dtype == ref.dtype and np.array_equal(got, ref), (x.shape, size, bx, gap)


def test_like_plans_follow_the_crop_and_the_reduce() -> None:
    # like_plans (what explain shows) applied in float64 equal Pillow's F result
    from pixelgrid._engines.reference import apply_plans

    x = np.random.default_rng(26).random((30, 40)).astype(np.float32)
    for size, kw in (((9, 7), {"resample": "MKS2013", "box": (3, 2, 10, 11)}),
                     ((9, 7), {"resample": "MKS2021", "box": (3, 2, 10, 11),
                               "reducing_gap": 1.0}),
                     ((15, 5), {"resample": "BOX", "reducing_gap": 1.0}),
                     ((30, 40), {"resample": "LANCZOS", "box": (0, 0, 40, 30)})):
        ref = np.asarray(Image.fromarray(x).resize(
            (size[1], size[0]), getattr(pp, kw["resample"]), kw.get("box"),
            kw.get("reducing_gap")), dtype=np.float64)
        got = apply_plans(x.astype(np.float64), pp.like_plans(x.shape, size, **kw))
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5)
    crop = pp.like_plans((30, 40), (9, 7), resample="MKS2013", box=(3, 2, 10, 11))
    assert all(p.is_gather for _, p in crop)


def test_mks_weights_are_pillows_to_the_last_bit() -> None:
    # Pillow evaluates 17/16 - 7/4 * pow(x, 2) (the square first): with (7/4 * x) * x the
    # weights differ in the last bit, and this mode I sum lands on 957718.5 (rounded up)
    # where Pillow's is just below (rounded down).
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = rng.integers(-2**20, 2**20, (2, 67)).astype(np.int32)
    ref = np.asarray(Image.fromarray(x).resize((110, 115), pp.MKS2013))
    assert np.array_equal(pp.resize(x, (110, 115), pp.MKS2013), ref)


@pytest.mark.parametrize("mode", ["L", "RGBA", "F"])
def test_nearest_empty_box_on_the_far_edge_is_black(mode: str) -> None:
    # box (w, y0, w, y1): every sample sits at x = w, outside the image; Pillow's affine
    # transform leaves those pixels 0 (the filters find no tap there either)
    x = _image(np.random.default_rng(28), mode)
    h, w = x.shape[:2]
    for resample in FILTERS:
        for bx in ((w, 0, w, h), (0, h, w, h)):
            ref = np.asarray(Image.fromarray(x).resize((3, 4), resample, bx))
            assert np.array_equal(pp.resize(x, (3, 4), resample, bx), ref)


def test_non_finite_f_data_spreads_as_in_pillow() -> None:
    # Pillow multiplies exactly its window's taps (0 * inf = NaN where a tap's weight is 0
    # inside the window): declared as zero_taps="window" (tests/test_nonfinite.py has more)
    x = np.random.default_rng(29).random((20, 30)).astype(np.float32)
    x[5, 7], x[12, 20] = np.inf, np.nan
    ref = np.asarray(Image.fromarray(x).resize((10, 7), pp.LANCZOS))
    with np.errstate(invalid="ignore"):
        got = pp.resize(x, (10, 7), pp.LANCZOS)
    assert np.array_equal(got, ref, equal_nan=True)


def test_nearest_running_sum_matches_pillow_on_every_size_pair() -> None:
    # NEAREST is floor(e) with e = x0 + s/2, then e += s in double (a running sum whose
    # rounding drifts from x0 + (o + 1/2) s); the shared rule float64_accumulate.
    from pixelgrid._arithmetic import sample_positions

    s = 128 / 160
    e, want = 0.0 + s * 0.5, []
    for _ in range(160):  # the loop Pillow runs
        want.append(e - 0.5)
        e += s
    assert sample_positions(s, 0.5, -0.5, 160, "float64_accumulate").tolist() == want
    for n in range(1, 65):
        x = np.arange(n, dtype=np.int32)[None, :]
        im = Image.fromarray(x)
        for m in range(1, 65):
            assert np.array_equal(pp.resize(x, (m, 1), pp.NEAREST),
                                  np.asarray(im.resize((m, 1), pp.NEAREST))), (n, m)


# ----------------------------------------------------------------------------- declared models


def test_block_mean_record_and_engine_reject_bad_input() -> None:
    from pixelgrid._arithmetic import BlockMean
    from pixelgrid._engines.block_mean import apply_block_mean
    from pixelgrid._engines.reference import premultiply_alpha, unpremultiply_alpha

    with pytest.raises(ValueError, match="sums='quads' is not valid"):
        BlockMean(sums="quads")
    with pytest.raises(ValueError, match="divide='exact' is not valid"):
        BlockMean(divide="exact")
    plans = pp.like_plans((4, 4), (2, 2), resample="BOX", reducing_gap=1.0)
    assert all(p.info.get("filter") == "reduce" for _, p in plans)  # a whole-factor reduce
    x = np.arange(16, dtype=np.float32).reshape(4, 4)
    with pytest.raises(TypeError, match="divide='reciprocal24' needs integer data"):
        apply_block_mean(x, plans, BlockMean(divide="reciprocal24"))
    with pytest.raises(ValueError, match="plans must be one"):
        apply_block_mean(x, plans[:1], BlockMean())
    with pytest.raises(ValueError, match="x has 1 dimensions"):
        apply_block_mean(x[0], plans, BlockMean())
    # exact block means by hand: 2x2 blocks of 0..15 -> (0+1+4+5)/4 = 2.5, ...
    assert apply_block_mean(x, plans, BlockMean()).tolist() == [[2.5, 4.5], [10.5, 12.5]]
    with pytest.raises(ValueError, match="rule='x' is not valid"):
        premultiply_alpha(np.zeros((1, 2), np.uint8), "x")
    with pytest.raises(ValueError, match="rule='x' is not valid"):
        unpremultiply_alpha(np.zeros((1, 2), np.uint8), "x")


def test_plans_declare_pillows_arithmetic() -> None:
    p = pp.pillow_plan(10, 4, 0.0, 10.0, pp.LANCZOS, eight_bit=True)
    assert p.arithmetic == pp.RESIZE_ARITHMETIC and p.arithmetic.window == "float64_centre"
    assert p.fixed is not None and p.fixed.bits == 22 and p.fixed.offset == 2**21
    # 22-bit weights rounded half away from zero, no fix-up of the row sums
    assert np.array_equal(p.fixed.weights, np.where(
        p.weight < 0, np.ceil(p.weight * 2**22 - 0.5), np.floor(p.weight * 2**22 + 0.5)))
    q = pp._nearest_plan(10, 4, 0.0, 10.0)
    assert q.arithmetic == pp.NEAREST_ARITHMETIC and q.index[:, 0].tolist() == [1, 3, 6, 8]
