"""Command line: ``pixelgrid explain`` and ``pixelgrid resize``.

Examples (shell)::

    pixelgrid explain 4 8 --align-corners true -o grid.png
    pixelgrid explain 4x4 8x8 --like torch --mode bilinear --align-corners true
    pixelgrid explain 4x4 8x8 --like opencv --interpolation INTER_CUBIC
    pixelgrid explain 640x480 320x240 --dtype uint16
    pixelgrid explain 8x8 3x3 --like scipy --set order=3 --set grid_mode=True
    pixelgrid resize in.png out.png --size 640x480 --kernel cubic
    pixelgrid resize photos/ small/ --scale 0.25 --workers 4

Sizes are written ``WxH`` (width x height) for images, or ``N`` for one axis.
Images: PNG and JPEG (8-bit, 16-bit grey PNG) with Pillow, TIFF (any dtype,
including float) with tifffile; both come with ``pip install 'pixelgrid[image]'``.
Outputs are written atomically (a temporary file, then ``os.replace``) and
an input file is never overwritten.  Errors go to stderr with exit status 1
(2 for command-line usage errors).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["main"]

_IMAGE_SUFFIXES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF",
                   ".tiff": "TIFF"}
_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


class CliError(Exception):
    """A user-facing error: printed without a traceback."""


def _bool(text: str) -> bool:
    t = text.lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _dims(text: str) -> tuple[int, ...]:
    """``"N"`` -> ``(N,)``; ``"WxH"`` -> ``(H, W)`` (array order)."""
    parts = text.lower().split("x")
    try:
        vals = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected N or WxH with positive integers, got {text!r}") from None
    if not vals or any(v < 1 for v in vals):
        raise argparse.ArgumentTypeError(f"sizes must be >= 1, got {text!r}")
    return tuple(reversed(vals))


def _literal(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value  # a bare word such as bilinear


def _add_resize_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("pixelgrid options (without --like)")
    g.add_argument("--kernel", help="nearest, linear, cubic, lanczos3, area, box, ...")
    g.add_argument("--grid", help="half_pixel (default), align_corners, asymmetric, ...")
    g.add_argument("--align-corners", type=_bool, metavar="true|false")
    g.add_argument("--antialias", type=_bool, metavar="true|false")
    g.add_argument("--boundary", help="renormalize, clamp, reflect, symmetric, wrap, constant")
    lib = p.add_argument_group("another library's call (with --like)")
    lib.add_argument("--like", help="torch, tensorflow, tensorflow.v1, jax, opencv, pillow, "
                                    "onnx, scipy, skimage, matlab")
    lib.add_argument("--mode", help="the library's mode (torch: bilinear, bicubic, ...; "
                                    "onnx: linear, cubic, nearest; scipy/skimage: boundary)")
    lib.add_argument("--method", help="the library's method (tensorflow, jax, matlab; "
                                      "tensorflow.v1: the op, e.g. bilinear, area)")
    lib.add_argument("--filter", help="the library's filter (pillow: bicubic, lanczos, ...)")
    lib.add_argument("--interpolation", help="the library's interpolation (opencv: "
                                             "INTER_CUBIC, ...)")
    lib.add_argument("--set", type=_literal, action="append", default=[], metavar="KEY=VALUE",
                     help="any other keyword argument of the library call (repeatable)")


def _options(args: argparse.Namespace) -> dict[str, Any]:
    core = {k: getattr(args, k) for k in ("kernel", "grid", "align_corners", "antialias",
                                          "boundary") if getattr(args, k) is not None}
    lib = {k: getattr(args, k) for k in ("mode", "method", "filter", "interpolation")
           if getattr(args, k) is not None}
    lib.update(dict(args.set))
    if args.like is None:
        if lib:
            raise CliError(f"options {sorted(lib)} need --like LIBRARY")
        return core
    # The generic flags under each library's own keyword name: Pillow's filter is
    # ``resample``, a tf.compat.v1 op is chosen with ``op``.
    renames = {"pillow": {"filter": "resample"}, "pil": {"filter": "resample"},
               "tensorflow.v1": {"method": "op"}, "tf.v1": {"method": "op"}}
    for old, new in renames.get(args.like, {}).items():
        if old in lib:
            lib[new] = lib.pop(old)
    # align_corners and antialias are also the library's own flags (torch, jax, tensorflow).
    for k in ("align_corners", "antialias"):
        if k in core:
            lib[k] = core.pop(k)
    if core:
        raise CliError(f"--like {args.like} takes the library's own options; "
                       f"{sorted(core)} are pixelgrid options")
    return lib


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelgrid", description="Resample images with an explicit pixel grid.")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("explain", help="print (and draw) what a resize does",
                        description="Explain a resize: coordinate map, kernel, taps, weights.")
    ex.add_argument("input_size", type=_dims, help="input size: N or WxH")
    ex.add_argument("output_size", type=_dims, help="output size: N or WxH")
    ex.add_argument("-o", "--output", help="write a figure (PNG/SVG/PDF) there")
    ex.add_argument("--plot", choices=("grids", "sampling", "matrix"), default="grids",
                    help="which figure -o writes (default: grids)")
    ex.add_argument("--rows", type=int, default=12, help="table rows per axis (default 12)")
    ex.add_argument("--dtype", action="append", metavar="DTYPE",
                    help="input dtype whose arithmetic to print, e.g. uint8 (repeatable; "
                         "default: float32 and uint8)")
    _add_resize_options(ex)
    # For explain, --align-corners with --like torch is the library's own flag.
    rs = sub.add_parser("resize", help="resize an image file or a folder of images",
                        description="Resize IN to OUT (files), or every image of folder IN "
                                    "into folder OUT.")
    rs.add_argument("input", help="image file or folder")
    rs.add_argument("output", help="output file or folder (never the input)")
    size = rs.add_mutually_exclusive_group(required=True)
    size.add_argument("--size", type=_dims, help="output size WxH")
    size.add_argument("--scale", type=float, help="scale factor (output/input)")
    rs.add_argument("--workers", type=int, default=1, help="parallel files in folder mode")
    _add_resize_options(rs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 2 usage)."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse has printed the usage error
        return int(exc.code) if isinstance(exc.code, int) else 2
    try:
        if args.command == "explain":
            return _explain(args)
        return _resize_command(args)
    except BrokenPipeError:
        # The reader of stdout went away (``pixelgrid explain ... | head``): stop
        # quietly, as Unix tools do, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except CliError as exc:
        print(f"pixelgrid: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError, ImportError) as exc:
        print(f"pixelgrid: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # never a traceback for a user; say what failed
        print(f"pixelgrid: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


# -- explain -------------------------------------------------------------------------------

def _explain(args: argparse.Namespace) -> int:
    import dataclasses

    from ._explain import explain

    opts = _options(args)
    if len(args.input_size) != len(args.output_size):
        raise CliError(f"input size and output size have different numbers of axes "
                       f"({len(args.input_size)} vs {len(args.output_size)})")
    shape, size = args.input_size, args.output_size
    if args.like is None and "antialias" not in opts:
        opts["antialias"] = True
    e = explain(shape if len(shape) > 1 else shape[0], size if len(size) > 1 else size[0],
                like=args.like, dtype=args.dtype, **opts)
    e = dataclasses.replace(e, max_rows=args.rows)
    if args.output:  # the figure first: it must not depend on a reader of stdout (| head)
        _check_suffix(args.output, (".png", ".svg", ".pdf"), "figure")
        if args.plot == "grids":
            e.plot_grids(args.output)
        elif args.plot == "sampling":
            e.plot_sampling(args.output)
        else:
            e.plot_matrix(args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    print(e)
    return 0


def _check_suffix(path: str, allowed: Sequence[str], what: str) -> None:
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise CliError(f"{path}: unsupported {what} format {suffix or '(none)'}; "
                       f"use one of {', '.join(allowed)}")


# -- image I/O -----------------------------------------------------------------------------

def _read(path: Path) -> NDArray[Any]:
    fmt = _IMAGE_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise CliError(f"{path}: unsupported image format {path.suffix or '(none)'}; "
                       f"use one of {', '.join(sorted(_IMAGE_SUFFIXES))}")
    if fmt == "TIFF":
        tifffile = _need("tifffile")
        try:
            return np.asarray(tifffile.imread(str(path)))
        except Exception as exc:
            raise CliError(f"{path}: cannot read TIFF ({exc})") from None
    image_mod = _need("PIL.Image")
    try:
        with image_mod.open(path) as img:
            img.load()
            if img.mode == "P":
                img = img.convert("RGBA" if "transparency" in img.info else "RGB")
            elif img.mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
                img = img.convert("L" if img.mode == "1" else "RGB")
            arr = np.asarray(img)
    except CliError:
        raise
    except Exception as exc:
        raise CliError(f"{path}: cannot read image ({exc})") from None
    if arr.dtype == np.int32 and arr.size and arr.min() >= 0 and arr.max() <= 65535:
        arr = arr.astype(np.uint16)  # Pillow opens some 16-bit PNGs as 32-bit "I"
    return arr


def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0].replace("PIL", "pillow")
        raise CliError(f"reading and writing images needs {package}: "
                       f"pip install 'pixelgrid[image]'") from None


def _write_atomic(path: Path, arr: NDArray[Any]) -> None:
    fmt = _IMAGE_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise CliError(f"{path}: unsupported output format {path.suffix or '(none)'}; "
                       f"use one of {', '.join(sorted(_IMAGE_SUFFIXES))}")
    if fmt in ("PNG", "JPEG"):
        image_mod = _need("PIL.Image")
        ok = arr.dtype == np.uint8 or (fmt == "PNG" and arr.dtype == np.uint16 and arr.ndim == 2)
        if not ok:
            raise CliError(f"{path}: {fmt} cannot store {arr.dtype} data of shape {arr.shape}; "
                           "write a .tif instead")
        img = image_mod.fromarray(arr)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if fmt == "TIFF":
            _need("tifffile").imwrite(tmp, arr)
        else:
            img.save(tmp, format=fmt)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- resize --------------------------------------------------------------------------------

def _resize_array(arr: NDArray[Any], args: argparse.Namespace, opts: dict[str, Any],
                  threads: int | None) -> NDArray[Any]:
    spatial = arr.shape[:2]
    if arr.ndim not in (2, 3):
        raise CliError(f"expected a 2-D image (H, W) or (H, W, C), got shape {arr.shape}")
    if args.size is not None:
        if len(args.size) != 2:
            raise CliError("--size must be WxH for images")
        out = args.size
    else:
        if not (np.isfinite(args.scale) and args.scale > 0):
            raise CliError(f"--scale must be finite and > 0, got {args.scale}")
        out = tuple(max(1, int(np.floor(n * args.scale + 0.5))) for n in spatial)
    if args.like is None:
        from ._resize import resize

        if args.size is not None:
            return resize(arr, out, axes=(0, 1), threads=threads, **opts)  # type: ignore[no-any-return]
        return resize(arr, scale=(args.scale, args.scale), axes=(0, 1),  # type: ignore[no-any-return]
                      size_rounding="round", threads=threads, **opts)
    return _resize_like(arr, out, args.like, opts)


def _resize_like(arr: NDArray[Any], out: tuple[int, ...], like: str,
                 opts: dict[str, Any]) -> NDArray[Any]:
    from ._translate import flag_value

    if like in ("torch", "pytorch"):
        from .compat.torch import interpolate

        x = np.moveaxis(arr if arr.ndim == 3 else arr[..., None], -1, 0)[None]
        if x.dtype.kind != "f" and x.dtype != np.uint8:
            x = x.astype(np.float32)
        y = interpolate(np.ascontiguousarray(x), size=tuple(out), **opts)
        res = np.moveaxis(y[0], 0, -1)
        res = res if arr.ndim == 3 else res[..., 0]
        if res.dtype != arr.dtype:  # 16-bit files go through float32, as torch has no uint16
            from ._arithmetic import store

            res = store(res, arr.dtype, "half_even")
        return np.ascontiguousarray(res)
    # OpenCV and Pillow have their own integer arithmetic: their compat resize
    # functions reproduce it bit for bit, so 8-bit files come out as the library writes them.
    if like == "opencv":
        from .compat import opencv

        o = dict(opts)
        flag = flag_value(opencv, o.pop("interpolation", "INTER_LINEAR"), "INTER_")
        if not o and flag in opencv.INTERPOLATIONS \
                and arr.dtype.name in opencv.INTERPOLATIONS[flag].dtypes:
            return opencv.resize(arr, (out[1], out[0]), interpolation=flag)
    if like in ("pillow", "pil") and _pillow_mode(arr):
        from .compat import pillow

        o = dict(opts)
        resample = flag_value(pillow, o.pop("resample", "BICUBIC"))
        if set(o) <= {"box", "reducing_gap"} and resample in pillow.FILTERS:
            y = pillow.resize(arr, (out[1], out[0]), resample, **o)
            return np.asarray(y)
    from ._arrays import run_plans
    from ._explain import like_plans

    plans = like_plans(like, arr.shape[:2], tuple(out), **opts)
    return run_plans(arr, plans)


def _pillow_mode(arr: NDArray[Any]) -> bool:
    """True if Pillow's resize has a mode for this array (L, LA, RGB, RGBA, I, F)."""
    if arr.dtype == np.uint8:
        return arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (2, 3, 4))
    return arr.ndim == 2 and arr.dtype in (np.int32, np.float32)


def _resize_command(args: argparse.Namespace) -> int:
    opts = _options(args)
    src, dst = Path(args.input), Path(args.output)
    if not src.exists():
        raise CliError(f"{src}: no such file or folder")
    if args.workers < 1:
        raise CliError(f"--workers must be >= 1, got {args.workers}")
    if src.is_dir():
        return _resize_folder(src, dst, args, opts)
    if dst.is_dir():
        dst = dst / src.name
    if (dst.exists() and os.path.samefile(src, dst)) or dst.resolve() == src.resolve():
        raise CliError(f"output {dst} is the input file; refusing to overwrite it")
    if not dst.parent.exists():
        raise CliError(f"{dst.parent}: output folder does not exist")
    arr = _read(src)
    _write_atomic(dst, _resize_array(arr, args, opts, None))
    return 0


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def _resize_folder(src: Path, dst: Path, args: argparse.Namespace,
                   opts: dict[str, Any]) -> int:
    if _inside(dst, src):
        raise CliError(f"output folder {dst} is inside (or is) the input folder {src}; "
                       "refusing to write into the input folder")
    if dst.exists() and not dst.is_dir():
        raise CliError(f"{dst} is a file; in folder mode the output must be a folder")
    files = sorted(p for p in src.iterdir()
                   if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES)
    if not files:
        raise CliError(f"{src}: no image files ({', '.join(sorted(_IMAGE_SUFFIXES))})")
    dst.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    done = [0]
    failures: list[str] = []
    threads = 1 if args.workers > 1 else None

    def work(path: Path) -> None:
        error = None
        try:
            _write_atomic(dst / path.name, _resize_array(_read(path), args, opts, threads))
        except CliError as exc:
            error = str(exc)
        except (ValueError, TypeError, OSError) as exc:
            error = f"{path}: {exc}"
        with lock:
            done[0] += 1
            status = "failed" if error else "ok"
            print(f"[{done[0]}/{len(files)}] {path.name}: {status}", file=sys.stderr)
            if error:
                failures.append(error)
                print(f"pixelgrid: error: {error}", file=sys.stderr)

    if args.workers == 1:
        for f in files:
            work(f)
    else:
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            list(pool.map(work, files))
    if failures:
        print(f"pixelgrid: {len(failures)} of {len(files)} files failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
