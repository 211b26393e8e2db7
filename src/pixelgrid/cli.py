"""Command line: ``pixelgrid explain`` and ``pixelgrid resize``.

Examples (shell)::

    pixelgrid --version
    pixelgrid explain 4 8 --align-corners true -o grid.png
    pixelgrid explain 4 8 --like torch --mode bilinear
    pixelgrid explain 4x4 8x8 --like opencv --interpolation INTER_CUBIC
    pixelgrid explain 640x480 320x240 --dtype uint16
    pixelgrid explain 8x8 3x3 --like scipy --set order=3 --set grid_mode=True
    pixelgrid resize in.png out.png --size 640x480 --kernel cubic
    pixelgrid resize photos/ small/ --scale 0.25 --workers 4

Sizes are written ``WxH`` (width x height) for images, or ``N`` for one axis.
Images: PNG (8/16-bit, grey or colour, alpha), JPEG, BMP, WebP and TIFF (any dtype,
compressed too); ``pip install 'pixelgrid[cli]'`` brings Pillow, tifffile and
imagecodecs (see :mod:`pixelgrid._cli_io` for which reader serves which file).  The
EXIF orientation is applied on read; the bit depth, ICC profile, EXIF, resolution
and text are kept where the output format can hold them.  Outputs are written
atomically beside the target (a ``.NAME.pixelgrid-PID-XXXXXXXX.tmp`` file, then
``os.replace``), with the umask's default mode; a later run deletes such files left by
a killed run.  An input file is never overwritten.  Errors go to stderr with exit
status 1 (2 for command-line usage errors; in folder mode 1 if any file failed, after a
summary of every failure).

Subcommands are registered in :data:`COMMANDS` (name -> a function adding its parser
and the function running it): add a subcommand there.
"""

from __future__ import annotations

import argparse
import ast
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _cli_io as cio
from . import _identify_cli, _pyramid_cli

__all__ = ["COMMANDS", "main"]

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
    if args.like == "jax" and "method" not in lib:
        raise CliError("--like jax needs --method (jax.image.resize has no default: "
                       "nearest, linear, cubic, lanczos3, lanczos5)")
    return lib


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("pixelgrid")
    except Exception:  # not installed (a source checkout on sys.path)
        from . import __version__

        return str(__version__)


def _max_pixels(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a pixel count (0: no limit), got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 (0: no limit), got {text!r}")
    return n


def _quality(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 100:
        raise argparse.ArgumentTypeError(f"expected an integer 1..100, got {text!r}")
    return n


def _add_explain(sub: Any) -> argparse.ArgumentParser:
    ex: argparse.ArgumentParser = sub.add_parser(
        "explain", help="print (and draw) what a resize does",
        description="Explain a resize: coordinate map, kernel, taps, weights. With "
                    "--align-corners, -o draws align_corners False and True side by side; "
                    "a 1-D size is drawn as a square image (up to 32 px).  A library call "
                    "that resizes 2-D images (torch bilinear/bicubic, tensorflow, opencv, "
                    "pillow, matlab) given 1-D sizes is explained on N x N.")
    ex.add_argument("input_size", type=_dims, help="input size: N or WxH")
    ex.add_argument("output_size", type=_dims, help="output size: N or WxH")
    ex.add_argument("-o", "--output", help="write a figure (PNG/SVG/PDF) there")
    ex.add_argument("--plot", choices=("grids", "sampling", "matrix"), default="grids",
                    help="which figure -o writes (default: grids)")
    ex.add_argument("--rows", type=int, default=12, help="table rows per axis (default 12)")
    ex.add_argument("--dtype", action="append", metavar="DTYPE",
                    help="input dtype whose arithmetic to print, e.g. uint8 (repeatable; "
                         "default: float32 and uint8)")
    # For explain, --align-corners with --like torch is the library's own flag.
    _add_resize_options(ex)
    return ex


def _add_resize(sub: Any) -> argparse.ArgumentParser:
    rs: argparse.ArgumentParser = sub.add_parser(
        "resize", help="resize an image file or a folder of images",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Resize IN to OUT (files), or every image of folder IN into folder OUT.",
        epilog=_RESIZE_EPILOG)
    rs.add_argument("input", help="image file or folder")
    rs.add_argument("output", help="output file or folder (never the input)")
    size = rs.add_mutually_exclusive_group(required=True)
    size.add_argument("--size", type=_dims, help="output size WxH")
    size.add_argument("--scale", type=float,
                      help="scale factor (output/input); sizes as pixelgrid.resize(scale=) "
                           "gives them: floor(n * scale), computed exactly")
    rs.add_argument("--workers", type=int, default=1, help="parallel files in folder mode")
    rs.add_argument("--quality", type=_quality, default=95,
                    help="JPEG and lossy WebP quality 1..100 (default 95; a WebP is "
                         "lossless when its input was lossless)")
    rs.add_argument("--max-pixels", type=_max_pixels, default=cio.DEFAULT_MAX_PIXELS,
                    metavar="N",
                    help="refuse larger images, a guard against decompression bombs "
                         f"(default {cio.DEFAULT_MAX_PIXELS}, Pillow's limit; 0: no limit)")
    _add_resize_options(rs)
    return rs


_RESIZE_EPILOG = f"""\
files:
  formats {', '.join(sorted(cio.FORMATS))}
  (by suffix; the output's suffix picks its format)
  PNG 8/16-bit grey, grey+alpha, RGB, RGBA; TIFF any dtype, compressed too (the input's
  compression is kept); JPEG, BMP, WebP 8-bit.  Data a format cannot hold (16-bit into
  JPEG, alpha into BMP) is an error, never a silent conversion.
  The EXIF orientation is applied on read: --size is the upright image's WxH, and the
  output has no orientation tag.  ICC profile, EXIF, resolution, PNG text and XMP are
  kept where the output format can hold them.  A WebP is lossless when its input was
  lossless (PNG, BMP, TIFF, lossless WebP), else lossy at --quality.
  Outputs appear complete or not at all (a .NAME.pixelgrid-PID-XXXXXXXX.tmp beside the
  target, renamed over it; removed on any error, Ctrl-C or SIGTERM, and by the next run
  after a kill), with the umask's default mode.  Inputs are never overwritten.
folders:
  every image file is tried; failures (corrupt, too large, out of memory) are listed in
  a summary at the end.  Exit status: 0 all written, 1 some failed, 130/143 interrupted.
examples:
  pixelgrid resize in.png out.png --size 320x240 --like pillow --filter bicubic
  pixelgrid resize photos/ small/ --scale 0.25 --workers 4
  pixelgrid resize scan.tif half.tif --scale 0.5 --kernel lanczos3
"""

Command = tuple[Callable[[Any], argparse.ArgumentParser], Callable[[argparse.Namespace], int]]
#: Subcommands: name -> (function adding its parser to the subparsers, function running it).
COMMANDS: dict[str, Command] = {}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelgrid", description="Resample images with an explicit pixel grid.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  pixelgrid explain 4 8 --align-corners true -o grid.png\n"
               "  pixelgrid explain 4 8 --like torch --mode bilinear\n"
               "  pixelgrid resize in.png out.png --size 320x240 --like pillow "
               "--filter bicubic\n"
               "run 'pixelgrid COMMAND --help' for each command's options")
    parser.add_argument("--version", action="version", version=f"pixelgrid {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add, run in COMMANDS.values():
        p = add(sub)
        p.set_defaults(run=run)
    return parser


class _Terminated(BaseException):
    """SIGTERM, turned into an exception so that temporary files are removed."""


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 2 usage)."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse has printed the usage error (or --version)
        return int(exc.code) if isinstance(exc.code, int) else 2
    try:
        with _sigterm_raises(), cio.pillow_bomb_check_off():
            return int(args.run(args))
    except BrokenPipeError:
        # The reader of stdout went away (``pixelgrid explain ... | head``): stop
        # quietly, as Unix tools do, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("pixelgrid: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("pixelgrid: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except (CliError, cio.ImageFileError) as exc:
        print(f"pixelgrid: error: {exc}", file=sys.stderr)
        return 1
    except MemoryError:
        print("pixelgrid: error: out of memory", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError, ImportError) as exc:
        print(f"pixelgrid: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # never a traceback for a user; say what failed
        print(f"pixelgrid: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


# -- explain -------------------------------------------------------------------------------

# Library calls that resize a fixed number of spatial axes (the rest resize any number).
_LIKE_AXES: dict[str, int] = {"tensorflow": 2, "tf": 2, "tensorflow.v1": 2, "tf.v1": 2,
                              "opencv": 2, "cv2": 2, "pillow": 2, "pil": 2, "matlab": 2}
_TORCH_MODE_AXES = {"bilinear": 2, "bicubic": 2, "trilinear": 3}
_SQUARE_LIMIT = 32  # 1-D sizes up to this are drawn as a square image


def _axes_needed(like: str | None, opts: dict[str, Any]) -> int | None:
    if like in ("torch", "pytorch"):
        return _TORCH_MODE_AXES.get(str(opts.get("mode", "nearest")))
    return _LIKE_AXES.get(like) if like else None


def _explain(args: argparse.Namespace) -> int:
    import dataclasses

    from ._explain import explain

    opts = _options(args)
    if len(args.input_size) != len(args.output_size):
        raise CliError(f"input size and output size have different numbers of axes "
                       f"({len(args.input_size)} vs {len(args.output_size)})")
    shape, size = args.input_size, args.output_size
    need = _axes_needed(args.like, opts)
    if need is not None and len(shape) == 1 and need > 1:
        # `explain 4 8 --like torch --mode bilinear`: the call resizes (H, W); explain
        # it on a square input, the same map on every axis, instead of failing.
        shape, size = shape * need, size * need
        print(f"pixelgrid: note: {_like_call(args.like, opts)} resizes {need}-D images; "
              f"explaining {'x'.join(map(str, shape))} -> {'x'.join(map(str, size))}",
              file=sys.stderr)
    if args.like is None and "antialias" not in opts:
        opts["antialias"] = True
    # a library call gets its sizes as a tuple (jax.image.resize's shape must be one)
    e = explain(shape if len(shape) > 1 else shape[0],
                size if len(size) > 1 or args.like else size[0],
                like=args.like, dtype=args.dtype, **opts)
    e = dataclasses.replace(e, max_rows=args.rows)
    if args.output:  # the figure first: it must not depend on a reader of stdout (| head)
        _check_suffix(args.output, (".png", ".svg", ".pdf"), "figure")
        if args.plot == "grids" and "align_corners" in opts:
            _plot_align_corners(args.output, shape, size, args.like, opts, args.dtype)
        elif args.plot == "grids":
            e.plot_grids(args.output)
        elif args.plot == "sampling":
            e.plot_sampling(args.output)
        else:
            e.plot_matrix(args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    print(e)
    return 0


def _like_call(like: str | None, opts: dict[str, Any]) -> str:
    mode = opts.get("mode")
    return f"{like}" + (f" mode={mode!r}" if mode else "")


def _plot_align_corners(path: str, shape: tuple[int, ...], size: tuple[int, ...],
                        like: str | None, opts: dict[str, Any], dtype: Any) -> None:
    """The README's picture: the same resize with align_corners False and True, side by side."""
    from ._explain import explain, plot_grids_side_by_side

    if len(shape) == 1 and max(shape[0], size[0]) <= _SQUARE_LIMIT:
        shape, size = shape * 2, size * 2  # a 1-D strip hides the picture: draw N x N
    panels, titles = [], []
    for value in (False, True):
        o = {**opts, "align_corners": value}
        panels.append(explain(shape if len(shape) > 1 else shape[0],
                              size if len(size) > 1 else size[0], like=like, dtype=dtype, **o))
        name = f"{like} " if like else ""
        titles.append(f"{name}align_corners={value}" + (" (half_pixel)" if not value else ""))
    plot_grids_side_by_side(panels, path, titles=titles)


def _check_suffix(path: str, allowed: Sequence[str], what: str) -> None:
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise CliError(f"{path}: unsupported {what} format {suffix or '(none)'}; "
                       f"use one of {', '.join(allowed)}")


# -- resize --------------------------------------------------------------------------------

def _resize_array(arr: NDArray[Any], args: argparse.Namespace, opts: dict[str, Any],
                  threads: int | None) -> NDArray[Any]:
    if arr.ndim not in (2, 3):
        raise CliError(f"expected a 2-D image (H, W) or (H, W, C), got shape {arr.shape}")
    if args.size is not None:
        if len(args.size) != 2:
            raise CliError("--size must be WxH for images")
        out = args.size
    else:
        if not (np.isfinite(args.scale) and args.scale > 0):
            raise CliError(f"--scale must be finite and > 0, got {args.scale}")
        if args.like is None:
            from ._resize import resize

            # the API's own size rule (pixelgrid.output_size, floor), one definition
            return resize(arr, scale=(args.scale, args.scale), axes=(0, 1),  # type: ignore[no-any-return]
                          threads=threads, **opts)
        from ._grid import output_size

        out = tuple(output_size(n, args.scale) for n in arr.shape[:2])
    if args.like is None:
        from ._resize import resize

        return resize(arr, out, axes=(0, 1), threads=threads, **opts)  # type: ignore[no-any-return]
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
    cio.format_of(dst)  # an unsupported output suffix fails before any work
    _remove_stale(dst.parent)
    _resize_file(src, dst, args, opts, None)
    return 0


def _remove_stale(folder: Path) -> None:
    for p in cio.remove_stale_temps(folder):
        print(f"pixelgrid: removed {p.name}, left by an interrupted run", file=sys.stderr)


def _resize_file(src: Path, dst: Path, args: argparse.Namespace, opts: dict[str, Any],
                 threads: int | None) -> list[str]:
    """Read, resize, write one file; returns notes (e.g. metadata that could not be kept)."""
    pic = cio.read(src, args.max_pixels or None)
    pic.pixels = _resize_array(pic.pixels, args, opts, threads)
    cio.write(dst, pic, quality=args.quality)
    for note in pic.notes:
        print(f"pixelgrid: note: {src.name}: {note}", file=sys.stderr)
    return pic.notes


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def _failure(path: Path, exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return f"{path.name}: out of memory ({exc or 'MemoryError'})"
    text = str(exc)
    if isinstance(exc, (CliError, cio.ImageFileError)):
        return text if text.startswith(str(path)) else f"{path.name}: {text}"
    if isinstance(exc, (ValueError, TypeError, OSError)):
        return f"{path.name}: {text}"
    return f"{path.name}: internal error: {type(exc).__name__}: {text}"


def _resize_folder(src: Path, dst: Path, args: argparse.Namespace,
                   opts: dict[str, Any]) -> int:
    if _inside(dst, src):
        raise CliError(f"output folder {dst} is inside (or is) the input folder {src}; "
                       "refusing to write into the input folder")
    if dst.exists() and not dst.is_dir():
        raise CliError(f"{dst} is a file; in folder mode the output must be a folder")
    entries = sorted(p for p in src.iterdir() if p.is_file())
    files = [p for p in entries if p.suffix.lower() in cio.FORMATS]
    skipped = len(entries) - len(files)
    if not files:
        raise CliError(f"{src}: no image files ({', '.join(sorted(cio.FORMATS))})")
    dst.mkdir(parents=True, exist_ok=True)
    _remove_stale(dst)
    lock = threading.Lock()
    done: list[Path] = []
    failures: list[str] = []
    threads = 1 if args.workers > 1 else None

    def work(path: Path) -> None:
        error = None
        try:
            _resize_file(path, dst / path.name, args, opts, threads)
        except Exception as exc:  # MemoryError included: one file never stops the batch
            error = _failure(path, exc)
        with lock:
            done.append(path)
            status = "failed" if error else "ok"
            print(f"[{len(done)}/{len(files)}] {path.name}: {status}", file=sys.stderr)
            if error:
                failures.append(error)
                print(f"pixelgrid: error: {error}", file=sys.stderr)

    interrupted: BaseException | None = None
    try:
        if args.workers == 1:
            for f in files:
                work(f)
        else:
            with ThreadPoolExecutor(max_workers=args.workers) as pool:
                futures = [pool.submit(work, f) for f in files]
                try:
                    for fut in futures:
                        fut.result()
                except BaseException:
                    # Ctrl-C / SIGTERM: start no new file; the running ones finish (their
                    # temporary files are renamed or removed) before the pool closes.
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
    except (KeyboardInterrupt, _Terminated) as exc:
        interrupted = exc
    written = len(done) - len(failures)
    lines = [f"pixelgrid: {written} of {len(files)} files written to {dst}"
             + (f", {len(failures)} failed" if failures else "")
             + (f", {len(files) - len(done)} not done (interrupted)" if interrupted else "")
             + (f"; {skipped} other file(s) skipped" if skipped else "")]
    if failures:
        lines.append("failed:")
        lines.extend(f"  {f}" for f in failures)
    print("\n".join(lines), file=sys.stderr)
    if interrupted is not None:
        raise interrupted
    return 1 if failures else 0


COMMANDS["explain"] = (_add_explain, _explain)
COMMANDS["resize"] = (_add_resize, _resize_command)
COMMANDS["identify"] = (_identify_cli.add_parser, _identify_cli.run)
COMMANDS["pyramid"] = (_pyramid_cli.add_parser, _pyramid_cli.run)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
