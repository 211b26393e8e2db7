"""The command line end to end, on files created in tmp_path."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

import pixelgrid
from pixelgrid.cli import main

Image = pytest.importorskip("PIL.Image")
tifffile = pytest.importorskip("tifffile")


def _load(path):
    with Image.open(path) as im:
        return np.array(im)


def _size(path):
    with Image.open(path) as im:
        return im.size


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_explain_prints_and_draws(tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["explain", "4", "8", "--align-corners", "true", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "x_in = 3/7 (~0.428571) * x_out + 0" in text
    assert out.stat().st_size > 1000


def test_explain_like_torch(capsys):
    assert main(["explain", "4x4", "8x8", "--like", "torch", "--mode", "bilinear",
                 "--align-corners", "true"]) == 0
    text = capsys.readouterr().out
    assert "like='torch'" in text and "boundary        clamp" in text


def test_resize_png_8bit_rgb(tmp_path):
    # A constant image stays constant (any normalised kernel), independent of pixelgrid.
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(np.full((20, 30, 3), 77, dtype=np.uint8)).save(src)
    assert main(["resize", str(src), str(dst), "--size", "12x8", "--kernel", "cubic"]) == 0
    y = _load(dst)
    assert y.shape == (8, 12, 3) and y.dtype == np.uint8 and np.all(y == 77)


def test_resize_png_16bit_box_is_block_mean(tmp_path):
    # Box kernel with an integer factor averages 2x2 blocks (hand derivation); the
    # block means are integers (4k + 1000 data), so no rounding is involved.
    x = (np.arange(16 * 12, dtype=np.uint16).reshape(16, 12) * 4 + 1000)
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(x).save(src)
    assert main(["resize", str(src), str(dst), "--size", "6x8", "--kernel", "box"]) == 0
    y = _load(dst).astype(np.int64)
    block = x.reshape(8, 2, 6, 2).astype(np.float64).mean(axis=(1, 3))
    np.testing.assert_array_equal(y, np.floor(block + 0.5).astype(np.int64))


def test_resize_float_tiff_and_jpeg(tmp_path):
    x = np.random.default_rng(0).random((10, 14)).astype(np.float32)
    src, dst = tmp_path / "a.tif", tmp_path / "b.tiff"
    tifffile.imwrite(src, x)
    assert main(["resize", str(src), str(dst), "--scale", "0.5", "--kernel", "box"]) == 0
    y = tifffile.imread(dst)
    assert y.dtype == np.float32 and y.shape == (5, 7)
    np.testing.assert_allclose(y, x.reshape(5, 2, 7, 2).mean(axis=(1, 3)), atol=1e-6)
    jpg_in, jpg_out = tmp_path / "c.jpg", tmp_path / "d.jpg"
    Image.fromarray(np.full((16, 16, 3), 128, dtype=np.uint8)).save(jpg_in)
    assert main(["resize", str(jpg_in), str(jpg_out), "--size", "8x8"]) == 0
    assert _size(jpg_out) == (8, 8)


def test_resize_like_torch_matches_torch(tmp_path):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).integers(0, 256, (12, 10, 3), dtype=np.uint8)
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(x).save(src)
    assert main(["resize", str(src), str(dst), "--size", "7x9", "--like", "torch",
                 "--mode", "bicubic", "--antialias", "true"]) == 0
    t = torch.from_numpy(x).permute(2, 0, 1)[None]
    ref = torch.nn.functional.interpolate(t, size=(9, 7), mode="bicubic", antialias=True)
    np.testing.assert_array_equal(_load(dst), ref[0].permute(1, 2, 0).numpy())


@pytest.mark.parametrize("filt", ["nearest", "bilinear", "bicubic", "lanczos", "box", "hamming"])
def test_resize_like_pillow_is_what_pillow_writes(tmp_path, filt):
    x = np.random.default_rng(2).integers(0, 256, (31, 45, 3), dtype=np.uint8)
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(x).save(src)
    assert main(["resize", str(src), str(dst), "--size", "17x40", "--like", "pillow",
                 "--filter", filt]) == 0
    ref = Image.fromarray(x).resize((17, 40), getattr(Image.Resampling, filt.upper()))
    np.testing.assert_array_equal(_load(dst), np.array(ref))


@pytest.mark.parametrize("flag", ["INTER_NEAREST", "INTER_LINEAR", "INTER_AREA",
                                  "INTER_LANCZOS4", "INTER_LINEAR_EXACT"])
def test_resize_like_opencv_is_what_opencv_writes(tmp_path, flag):
    cv2 = pytest.importorskip("cv2")
    x = np.random.default_rng(3).integers(0, 256, (30, 44, 3), dtype=np.uint8)
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(x).save(src)
    assert main(["resize", str(src), str(dst), "--size", "15x61", "--like", "opencv",
                 "--interpolation", flag]) == 0
    np.testing.assert_array_equal(_load(dst), cv2.resize(x, (15, 61),
                                                         interpolation=getattr(cv2, flag)))


def test_batch_folder(tmp_path, capsys):
    ind, outd = tmp_path / "in", tmp_path / "out"
    ind.mkdir()
    rng = np.random.default_rng(2)
    for i in range(5):
        Image.fromarray(rng.integers(0, 256, (16, 12), dtype=np.uint8)).save(ind / f"{i}.png")
    (ind / "notes.txt").write_text("not an image")
    before = {p.name: _digest(p) for p in ind.iterdir()}
    assert main(["resize", str(ind), str(outd), "--size", "6x8", "--workers", "2"]) == 0
    err = capsys.readouterr().err
    assert "[5/5]" in err
    assert sorted(p.name for p in outd.iterdir()) == [f"{i}.png" for i in range(5)]
    for i in range(5):
        x = _load(ind / f"{i}.png")
        np.testing.assert_array_equal(_load(outd / f"{i}.png"),
                                      pixelgrid.resize(x, (8, 6)))
    assert {p.name: _digest(p) for p in ind.iterdir()} == before


def test_refuses_to_overwrite_input(tmp_path, capsys):
    src = tmp_path / "a.png"
    Image.fromarray(np.zeros((4, 4), dtype=np.uint8)).save(src)
    digest = _digest(src)
    assert main(["resize", str(src), str(src), "--size", "2x2"]) == 1
    assert "is the input file" in capsys.readouterr().err
    assert main(["resize", str(tmp_path), str(tmp_path), "--size", "2x2"]) == 1
    assert main(["resize", str(tmp_path), str(tmp_path / "sub"), "--size", "2x2"]) == 1
    assert "refusing to write into the input folder" in capsys.readouterr().err
    assert _digest(src) == digest and sorted(os.listdir(tmp_path)) == ["a.png"]


def test_bad_input_is_a_message_not_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    assert main(["resize", str(bad), str(tmp_path / "o.png"), "--size", "2x2"]) == 1
    err = capsys.readouterr().err
    assert "cannot read image" in err and "Traceback" not in err
    assert not (tmp_path / "o.png").exists()
    assert main(["resize", str(bad), str(tmp_path / "o.png"), "--size", "2x2",
                 "--kernel", "bogus"]) == 1
    assert main(["resize", str(tmp_path / "missing.png"), "o.png", "--size", "2x2"]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["resize", "a.png", "b.png", "--size", "0x2"]) == 2
    assert main(["explain", "4", "8", "--frobnicate"]) == 2
    assert main(["explain", "4", "8", "--mode", "bilinear"]) == 1
    assert "need --like" in capsys.readouterr().err
    # a kernel error while resizing: the message names the parameter; no partial file
    src = tmp_path / "ok.png"
    Image.fromarray(np.zeros((4, 4), dtype=np.uint8)).save(src)
    assert main(["resize", str(src), str(tmp_path / "o.png"), "--size", "2x2",
                 "--kernel", "bogus"]) == 1
    assert "kernel='bogus' is not valid" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["bad.png", "ok.png"]


def test_subprocess_entry_point(tmp_path):
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(np.zeros((4, 6), dtype=np.uint8)).save(src)
    r = subprocess.run([sys.executable, "-m", "pixelgrid.cli", "resize", str(src), str(dst),
                        "--size", "3x2"], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert _size(dst) == (3, 2)
    r = subprocess.run([sys.executable, "-m", "pixelgrid.cli", "resize", str(src), str(src),
                        "--size", "3x2"], capture_output=True, text=True, check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr


@pytest.mark.parametrize(("like", "options", "shown"), [
    ("opencv", ["--interpolation", "INTER_CUBIC"], "cubic(a=-0.75)"),
    ("pillow", ["--filter", "lanczos"], "integer model   8-bit modes"),
    ("tensorflow", ["--method", "bicubic"], "cubic(a=-0.5, table=1024)"),
    ("tensorflow.v1", ["--method", "bilinear", "--align-corners", "true"], "align_corners"),
    ("jax", ["--method", "lanczos3"], "lanczos3"),
    ("onnx", ["--mode", "cubic", "--set", "cubic_coeff_a=-0.5"], "cubic(a=-0.5)"),
    ("scipy", ["--set", "order=3", "--set", "mode='mirror'"], "bspline3"),
    ("skimage", ["--set", "order=1", "--set", "clip=False"], "bspline1"),
    ("matlab", ["--method", "bicubic"], "symmetric"),
])
def test_explain_like_every_library(like, options, shown, capsys):
    # Each library's call is explained end to end; the numbers are checked against the
    # real libraries in test_explain.py (test_like_plans_equal_the_real_library).
    assert main(["explain", "4x4", "8x8", "--like", like, *options]) == 0
    text = capsys.readouterr().out
    assert f"like={like!r}" in text and shown in text
    assert "input (4, 4) -> output (8, 8)" in text


def test_explain_like_opencv_subprocess():
    # the installed entry point, as a user runs it
    r = subprocess.run([sys.executable, "-m", "pixelgrid.cli", "explain", "4x4", "8x8",
                        "--like", "opencv", "--interpolation", "INTER_CUBIC"],
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert "integer model   uint8: 11-bit weights" in r.stdout


def test_explain_like_bad_library_option(capsys):
    assert main(["explain", "4x4", "8x8", "--like", "opencv", "--interpolation",
                 "INTER_FOO"]) == 1
    assert "interpolation='INTER_FOO' is not valid" in capsys.readouterr().err


def test_explain_into_a_closed_pipe_is_quiet_and_writes_the_figure(tmp_path):
    # `pixelgrid explain ... -o fig.png | head -1`: the figure is still written, no traceback
    fig = tmp_path / "grid.png"
    proc = subprocess.run(
        f"{sys.executable} -m pixelgrid.cli explain 60 120 -o {fig} | head -1",
        shell=True, capture_output=True, text=True, check=False)
    assert proc.stdout.startswith("explain(")
    assert "Traceback" not in proc.stderr and "Broken pipe" not in proc.stderr
    assert fig.exists() and fig.stat().st_size > 0


def test_explain_dtype_prints_that_arithmetic(capsys):
    # 6 -> 3 antialiased linear: the largest weight is 3/7, so uint8 gets 16-bit weights
    # (floor(3/7 * 2**16 + 0.5) + 4 < 2**15; 2**17 is too many, see test_explain.py)
    assert main(["explain", "6", "3", "--dtype", "uint8", "--dtype", "float64"]) == 0
    text = capsys.readouterr().out
    assert "arithmetic      uint8: 16-bit weights" in text
    assert "float64: positions exact; weights float64, normalised" in text
    assert main(["explain", "6", "3", "--dtype", "complex64"]) == 1
    assert "is not an integer or float dtype" in capsys.readouterr().err


def test_cli_uses_only_public_compat_names():
    # import direction: the command line calls compat modules through their public names
    import ast
    import inspect

    import pixelgrid.cli as cli

    tree = ast.parse(inspect.getsource(cli))
    compat_names = {"opencv", "pillow", "torch", "onnx", "jax", "tensorflow", "scipy",
                    "skimage", "matlab"}
    private = [node.attr for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
               and node.value.id in compat_names and node.attr.startswith("_")]
    assert private == []
    imports = [a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and node.module and "compat" in node.module for a in node.names]
    assert all(not name.startswith("_") for name in imports), imports


# -- files keep bit depth, mode, orientation, metadata and permissions (issue 12) ----------

def _cv2():
    return pytest.importorskip("cv2")


def _identity(src, dst, *extra):
    # scale 1 with nearest copies every pixel: what comes out is what was read
    return main(["resize", str(src), str(dst), "--scale", "1", "--kernel", "nearest", *extra])


@pytest.mark.parametrize(("shape", "dtype"), [
    ((9, 7), np.uint8), ((9, 7, 2), np.uint8), ((9, 7, 3), np.uint8), ((9, 7, 4), np.uint8),
    ((9, 7), np.uint16), ((9, 7, 2), np.uint16), ((9, 7, 3), np.uint16), ((9, 7, 4), np.uint16),
])
def test_png_round_trip_keeps_depth_and_channels(tmp_path, shape, dtype):
    pytest.importorskip("imagecodecs")
    cv = _cv2()
    x = np.random.default_rng(5).integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    # written by OpenCV (libpng), independent of the CLI's writer; BGR(A) order on disk
    disk = x if x.ndim == 2 or x.shape[2] == 2 else x[..., [2, 1, 0, 3][:x.shape[2]]]
    if x.ndim == 3 and x.shape[2] == 2:
        imagecodecs = pytest.importorskip("imagecodecs")
        src.write_bytes(imagecodecs.png_encode(x))
    else:
        assert cv.imwrite(str(src), disk)
    assert _identity(src, dst) == 0
    if x.ndim == 3 and x.shape[2] == 2:
        y = pytest.importorskip("imagecodecs").png_decode(dst.read_bytes())
    else:
        y = cv.imread(str(dst), cv.IMREAD_UNCHANGED)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, disk)


def test_png_16bit_rgb_resize_stays_16bit(tmp_path):
    # constant 16-bit colour: any normalised kernel keeps it, at full depth
    cv = _cv2()
    pytest.importorskip("imagecodecs")
    x = np.empty((30, 20, 3), np.uint16)
    x[:] = (1234, 40001, 65535)
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    cv.imwrite(str(src), x)
    assert main(["resize", str(src), str(dst), "--size", "13x17", "--kernel", "lanczos3"]) == 0
    y = cv.imread(str(dst), cv.IMREAD_UNCHANGED)
    assert y.dtype == np.uint16 and y.shape == (17, 13, 3)
    assert np.all(y == x[:1, :1])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 3])
def test_lzw_tiff_written_by_opencv_is_read_and_written(tmp_path, dtype, channels):
    cv = _cv2()
    shape = (12, 10) if channels == 1 else (12, 10, 3)
    x = np.random.default_rng(6).integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)
    src, dst = tmp_path / "a.tif", tmp_path / "b.tif"
    assert cv.imwrite(str(src), x)  # OpenCV writes LZW
    with tifffile.TiffFile(src) as t:
        assert t.pages.first.compression == tifffile.COMPRESSION.LZW
    assert _identity(src, dst) == 0
    y = cv.imread(str(dst), cv.IMREAD_UNCHANGED)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, x)
    with tifffile.TiffFile(dst) as t:  # the input's compression is kept
        assert t.pages.first.compression == tifffile.COMPRESSION.LZW


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16, np.uint32])
def test_tiff_any_dtype_round_trip(tmp_path, dtype):
    x = (np.random.default_rng(7).random((6, 5, 3)) * 1000).astype(dtype)
    src, dst = tmp_path / "a.tif", tmp_path / "b.tif"
    tifffile.imwrite(src, x, photometric="rgb")
    assert _identity(src, dst) == 0
    y = tifffile.imread(dst)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_bmp_round_trip(tmp_path, mode):
    x = np.random.default_rng(8).integers(0, 256, (9, 7, 3), dtype=np.uint8)
    img = Image.fromarray(x).convert(mode)
    src, dst = tmp_path / "a.bmp", tmp_path / "b.bmp"
    img.save(src)
    assert _identity(src, dst) == 0
    with Image.open(dst) as y:
        assert y.format == "BMP" and y.mode == mode
        np.testing.assert_array_equal(np.array(y), np.array(img))


def _webp_kind(path):
    data = path.read_bytes()
    return "VP8L" if b"VP8L" in data[12:64] else "VP8 " if b"VP8 " in data[12:64] else "?"


@pytest.mark.parametrize("channels", [3, 4])
def test_webp_lossless_in_lossless_out(tmp_path, channels):
    x = np.random.default_rng(9).integers(0, 256, (9, 7, channels), dtype=np.uint8)
    src, dst, png = tmp_path / "a.webp", tmp_path / "b.webp", tmp_path / "c.png"
    Image.fromarray(x).save(src, lossless=True, exact=True)
    assert _identity(src, dst) == 0
    assert _webp_kind(dst) == "VP8L"
    np.testing.assert_array_equal(_load(dst), x)
    Image.fromarray(x).save(png)  # a PNG (lossless) also gives a lossless WebP
    assert _identity(png, tmp_path / "d.webp") == 0
    np.testing.assert_array_equal(_load(tmp_path / "d.webp"), x)


def test_webp_from_jpeg_is_lossy_with_quality(tmp_path):
    x = np.random.default_rng(10).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    src = tmp_path / "a.jpg"
    Image.fromarray(x).save(src)
    assert main(["resize", str(src), str(tmp_path / "b.webp"), "--size", "16x16",
                 "--quality", "80"]) == 0
    assert _webp_kind(tmp_path / "b.webp") == "VP8 "
    assert main(["resize", str(src), str(tmp_path / "c.webp"), "--size", "16x16",
                 "--quality", "0"]) == 2


def _portrait_jpeg(path, orientation, rng):
    # a 24x40 (H x W) landscape sensor image tagged to be shown rotated: a portrait photo
    x = rng.integers(0, 256, (24, 40, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "pixelgrid test camera"
    Image.fromarray(x).save(path, exif=exif.tobytes(), quality=95)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_applied_and_tag_removed(tmp_path, orientation):
    ImageOps = pytest.importorskip("PIL.ImageOps")
    src, dst = tmp_path / "a.jpg", tmp_path / "b.png"
    _portrait_jpeg(src, orientation, np.random.default_rng(orientation))
    assert _identity(src, dst) == 0
    with Image.open(src) as im:
        upright = np.array(ImageOps.exif_transpose(im))
    np.testing.assert_array_equal(_load(dst), upright)
    with Image.open(dst) as out:
        exif = out.getexif()
        assert 0x0112 not in exif  # no stale orientation: viewers must not rotate again
        assert exif[0x010F] == "pixelgrid test camera"  # the rest of the EXIF is kept


def test_exif_orientation_jpeg_to_jpeg_portrait_size(tmp_path):
    src, dst = tmp_path / "a.jpg", tmp_path / "b.jpg"
    _portrait_jpeg(src, 6, np.random.default_rng(0))
    # --size is the upright (displayed) image's WxH: portrait 24 wide, 40 high -> 12x20
    assert main(["resize", str(src), str(dst), "--size", "12x20"]) == 0
    with Image.open(dst) as out:
        assert out.size == (12, 20) and 0x0112 not in out.getexif()


def test_tiff_orientation_applied(tmp_path):
    x = np.arange(4 * 6, dtype=np.uint16).reshape(4, 6)
    src, dst = tmp_path / "a.tif", tmp_path / "b.tif"
    tifffile.imwrite(src, x, extratags=[(274, "H", 1, 8, True)])  # rotate 90 CCW to show
    assert _identity(src, dst) == 0
    np.testing.assert_array_equal(tifffile.imread(dst), np.rot90(x, 1))
    with tifffile.TiffFile(dst) as t:
        assert "Orientation" not in t.pages.first.tags or \
            t.pages.first.tags["Orientation"].value == 1


def _icc():
    ImageCms = pytest.importorskip("PIL.ImageCms")
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize(("src_name", "dst_name"), [
    ("a.png", "b.png"), ("a.jpg", "b.jpg"), ("a.jpg", "b.png"), ("a.png", "b.webp"),
    ("a.png", "b.tif"), ("a.tif", "b.jpg"), ("a16.png", "b.png"),
])
def test_icc_profile_and_dpi_kept(tmp_path, src_name, dst_name):
    icc = _icc()
    src, dst = tmp_path / src_name, tmp_path / dst_name
    if src_name == "a16.png":
        pytest.importorskip("imagecodecs")
        from pixelgrid import _cli_io

        pic = _cli_io.Picture(np.full((8, 8, 3), 30000, np.uint16), "PNG", icc_profile=icc,
                              dpi=(300.0, 300.0))
        src.write_bytes(_cli_io.encode(pic, "PNG"))
    elif src.suffix == ".tif":
        tifffile.imwrite(src, np.zeros((8, 8, 3), np.uint8), photometric="rgb",
                         iccprofile=icc, resolution=(300, 300), resolutionunit="INCH")
    else:
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(src, icc_profile=icc,
                                                            dpi=(300, 300))
    assert main(["resize", str(src), str(dst), "--size", "4x4"]) == 0
    with Image.open(dst) as out:
        assert out.info.get("icc_profile") == icc
        if dst.suffix != ".webp":  # WebP has no resolution field
            assert np.allclose(out.info["dpi"], (300, 300), atol=0.01)
        if src_name == "a16.png":  # the 16-bit path keeps its depth too
            assert out.mode in ("RGB;16", "RGB") and dst.read_bytes()[24] == 16


def test_png_text_kept(tmp_path):
    PngImagePlugin = pytest.importorskip("PIL.PngImagePlugin")
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", "a field")
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(src, pnginfo=info)
    assert main(["resize", str(src), str(dst), "--size", "4x4"]) == 0
    with Image.open(dst) as out:
        assert out.text["Title"] == "a field"


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_output_mode_follows_umask(tmp_path, umask):
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(src)
    dst.write_bytes(b"old")  # replacing an existing file too
    os.chmod(dst, 0o600)
    old = os.umask(umask)
    try:
        assert main(["resize", str(src), str(dst), "--size", "4x4"]) == 0
    finally:
        os.umask(old)
    assert os.stat(dst).st_mode & 0o777 == 0o666 & ~umask


def test_refuses_to_lose_depth_or_alpha(tmp_path, capsys):
    pytest.importorskip("imagecodecs")
    src = tmp_path / "a.png"
    from pixelgrid import _cli_io

    src.write_bytes(_cli_io.encode(_cli_io.Picture(np.zeros((4, 4, 3), np.uint16), "PNG"),
                                   "PNG"))
    assert main(["resize", str(src), str(tmp_path / "b.jpg"), "--size", "2x2"]) == 1
    assert "JPEG cannot store uint16 data" in capsys.readouterr().err
    rgba = tmp_path / "c.png"
    Image.fromarray(np.zeros((4, 4, 4), np.uint8)).save(rgba)
    assert main(["resize", str(rgba), str(tmp_path / "d.bmp"), "--size", "2x2"]) == 1
    assert "drops alpha" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "c.png"]


def test_scale_uses_the_api_size_rule(tmp_path):
    # 299 * 0.5 = 149.5: pixelgrid.resize(scale=0.5) gives floor = 149 rows (and 10 columns)
    x = np.zeros((299, 20), np.uint8)
    src = tmp_path / "a.png"
    Image.fromarray(x).save(src)
    assert pixelgrid.output_size(299, 0.5) == 149
    for extra in ([], ["--like", "torch", "--mode", "bilinear"],
                  ["--like", "opencv", "--interpolation", "INTER_AREA"]):
        dst = tmp_path / "b.png"
        assert main(["resize", str(src), str(dst), "--scale", "0.5", *extra]) == 0
        assert _size(dst) == (10, 149), extra


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"pixelgrid {pixelgrid.__version__}"


def test_explain_like_torch_bilinear_on_1d_sizes(capsys):
    # the first command a confused PyTorch user types: torch's bilinear needs (N, C, H, W),
    # so the 1-D sizes are explained on 4x4 -> 8x8, per axis
    assert main(["explain", "4", "8", "--like", "torch", "--mode", "bilinear"]) == 0
    out, err = capsys.readouterr()
    assert "explaining 4x4 -> 8x8" in err
    assert "axis 0: 4 -> 8" in out and "axis 1: 4 -> 8" in out
    # torch's half-pixel map for 4 -> 8 (align_corners=False): x_in = (x + 0.5) / 2 - 0.5
    assert "x_in = 0.5 * x_out - 0.25" in out
    assert main(["explain", "4", "8", "--like", "torch", "--mode", "bilinear",
                 "--align-corners", "true"]) == 0
    # torch holds 3/7 as a float32: 14380471/33554432
    assert "(~0.428571) * x_out + 0   [align_corners" in capsys.readouterr().out


def test_explain_figure_is_the_readme_picture(tmp_path):
    # README: `pixelgrid explain 4 8 --align-corners true -o grid.png` draws the picture
    # below it (docs/images/align_corners_grids.png): align_corners False and True side by
    # side on 4x4 -> 8x8.  Drawn with the same matplotlib, it is the same image.
    from pathlib import Path

    pytest.importorskip("matplotlib")
    out = tmp_path / "grid.png"
    assert main(["explain", "4", "8", "--align-corners", "true", "-o", str(out)]) == 0
    readme = Path(__file__).resolve().parents[1] / "docs" / "images" / "align_corners_grids.png"
    fig, ref = _load(out), _load(readme)
    assert fig.shape == ref.shape  # two 5-inch panels, not one 1-D strip
    assert np.mean(fig != ref) < 0.01  # fonts may differ slightly across machines


def test_readme_cli_commands_verbatim(tmp_path, monkeypatch):
    # the two commands of the README's CLI paragraph, as written
    monkeypatch.chdir(tmp_path)
    Image.fromarray(np.zeros((480, 640, 3), np.uint8)).save("in.png")
    import shlex

    assert main(shlex.split("explain 4 8 --align-corners true -o grid.png")) == 0
    assert main(shlex.split(
        "resize in.png out.png --size 320x240 --like pillow --filter bicubic")) == 0
    assert _size("out.png") == (320, 240) and os.path.getsize("grid.png") > 1000


@pytest.mark.parametrize("kind", ["miniswhite", "palette", "cmyk", "bilevel"])
def test_tiff_colour_models_read_as_they_look(tmp_path, kind):
    # the output (min-is-black grey or RGB) shows what Pillow shows for the input
    rng = np.random.default_rng(11)
    src, dst = tmp_path / "a.tif", tmp_path / "b.tif"
    x = rng.integers(0, 256, (9, 7, 3), dtype=np.uint8)
    if kind == "miniswhite":
        tifffile.imwrite(src, x[..., 0], photometric="miniswhite")
    elif kind == "palette":
        Image.fromarray(x).convert("P").save(src)
    elif kind == "cmyk":
        Image.fromarray(x).convert("CMYK").save(src)
    else:
        Image.fromarray(x[..., 0] > 128).save(src)
    assert _identity(src, dst) == 0
    with Image.open(src) as im:
        expected = np.array(im.convert("L" if im.mode in ("1", "L") else "RGB"))
    np.testing.assert_array_equal(tifffile.imread(dst), expected)


def test_phone_mpo_jpeg_uses_the_photo_and_animation_is_refused(tmp_path, capsys):
    a = np.full((16, 16, 3), 200, np.uint8)
    b = np.full((8, 8, 3), 10, np.uint8)
    mpo = tmp_path / "phone.jpg"  # a primary photo plus a second picture, as phones write
    Image.fromarray(a).save(mpo, format="MPO", save_all=True,
                            append_images=[Image.fromarray(b)])
    with Image.open(mpo) as im:
        assert im.format == "MPO" and im.n_frames == 2
    assert main(["resize", str(mpo), str(tmp_path / "o.png"), "--size", "4x4"]) == 0
    y = _load(tmp_path / "o.png")
    assert y.shape == (4, 4, 3) and np.all(np.abs(y.astype(int) - 200) <= 2)
    apng = tmp_path / "anim.png"
    Image.fromarray(a).save(apng, save_all=True, append_images=[Image.fromarray(a[::-1])])
    assert main(["resize", str(apng), str(tmp_path / "p.png"), "--size", "4x4"]) == 1
    assert "has 2 frames" in capsys.readouterr().err


def test_explain_like_jax_without_method_says_so(capsys):
    assert main(["explain", "4", "8", "--like", "jax"]) == 1
    assert "--like jax needs --method" in capsys.readouterr().err
    assert main(["explain", "4", "8", "--like", "jax", "--method", "linear"]) == 0


def test_jpeg_with_exif_too_long_for_jpeg_still_written(tmp_path, capsys):
    # a PNG may carry more EXIF than a JPEG's 64 kB APP1 segment holds
    src, dst = tmp_path / "a.png", tmp_path / "b.jpg"
    exif = Image.Exif()
    exif[0x010E] = "x" * 70000  # ImageDescription
    Image.fromarray(np.full((8, 8, 3), 50, np.uint8)).save(src, exif=exif.tobytes())
    assert main(["resize", str(src), str(dst), "--size", "4x4"]) == 0
    assert "EXIF not written" in capsys.readouterr().err
    assert _size(dst) == (4, 4)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_png_exif_orientation_applied(tmp_path, dtype):
    # PNG eXIf chunk with orientation 8 (rotate 90 degrees counter-clockwise to show)
    from pixelgrid import _cli_io

    x = (np.arange(4 * 6 * 3).reshape(4, 6, 3) * (700 if dtype == np.uint16 else 3)).astype(dtype)
    exif = Image.Exif()
    exif[0x0112] = 8
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    src.write_bytes(_cli_io.encode(_cli_io.Picture(x, "PNG", exif=exif), "PNG"))
    with Image.open(src) as im:
        assert im.getexif()[0x0112] == 8
    assert _identity(src, dst) == 0
    y = (pytest.importorskip("imagecodecs").png_decode(dst.read_bytes()) if dtype == np.uint16
         else _load(dst))
    np.testing.assert_array_equal(y, np.rot90(x, 1))
    with Image.open(dst) as im:
        assert 0x0112 not in im.getexif()
