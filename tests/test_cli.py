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
