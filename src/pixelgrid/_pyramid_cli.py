"""``pixelgrid pyramid IN OUT.zarr --levels N``: an OME-Zarr multiscale pyramid.

Reads a TIFF (lazily, tile by tile, through tifffile's Zarr view), a Zarr array (or
an OME-Zarr image: its level 0) or any image the ``resize`` command reads (PNG,
JPEG...: these are decoded whole), builds the levels with :func:`pixelgrid.pyramid`
on Dask (each level from the previous one, block by block) and writes them with
OME-NGFF 0.4 metadata: axes in the spec's order (``t, c, z, y, x``; an image's
``(H, W, C)`` becomes ``(c, y, x)``) and, per level, a ``scale`` and a
``translation`` from :func:`pixelgrid.pyramid_transforms` (the grid convention,
exact: level ``k`` sample ``i`` sits at ``scale * i + translation`` times the pixel
size), so a viewer places every level exactly.  Only ``y`` and ``x`` are
downscaled.

The store is written under a temporary name beside ``OUT`` and renamed when every
level is complete: a killed run leaves no ``OUT``, only a ``.OUT.pixelgrid-PID.tmp``
folder that the next run into the same folder removes.  Dask's progress bar goes
to stderr.  Needs ``pip install 'pixelgrid[dask,zarr]'`` (and tifffile for TIFF).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run", "write_pyramid"]

_OME_ORDER = "tczyx"
_OPEN: list[Any] = []  # tifffile Zarr stores of the running command
_TYPES = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``pyramid`` subcommand to ``sub`` (argparse subparsers)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "pyramid", help="write an OME-Zarr multiscale pyramid (larger than memory)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Build a multiscale pyramid of IN (TIFF, Zarr, PNG, ...) and write it "
                    "to OUT as OME-Zarr (NGFF 0.4): each level is the previous one "
                    "downscaled by --factor along y and x, computed block by block with "
                    "Dask; per-level scale and translation follow the grid convention.  "
                    "OUT appears only when complete.",
        epilog="examples:\n"
               "  pixelgrid pyramid slide.tif slide.ome.zarr --levels 6\n"
               "  pixelgrid pyramid scan.zarr scan.ome.zarr --levels 4 --kernel lanczos3 "
               "--pixel-size 0.25 --unit micrometer")
    p.add_argument("input", help="TIFF, Zarr array/OME-Zarr image, or an image file")
    p.add_argument("output", help="the OME-Zarr folder to write (e.g. out.ome.zarr)")
    p.add_argument("--levels", type=int, required=True,
                   help="number of levels, the full size included")
    p.add_argument("--factor", type=int, default=2, help="downscale per level (default 2)")
    p.add_argument("--kernel", default="area", help="resize kernel (default area)")
    p.add_argument("--grid", default="half_pixel",
                   help="grid convention (default half_pixel: every level tiles the extent)")
    p.add_argument("--chunks", type=int, default=512,
                   help="Zarr chunk length along y and x (default 512)")
    p.add_argument("--axes", help="axis names of a Zarr input, e.g. czyx (default by ndim: "
                                  "yx, cyx, czyx, tczyx)")
    p.add_argument("--pixel-size", default="1",
                   help="physical pixel size of level 0: one value or 'Y,X' (default 1)")
    p.add_argument("--unit", help="unit of --pixel-size, e.g. micrometer")
    p.add_argument("--workers", type=int, help="threads (default: all cores)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _open(path: Path, axes: str | None) -> tuple[Any, str]:
    """The input as a Dask array and its axis names (``y``/``x`` always present)."""
    da, zarr = _mod("dask.array"), _mod("zarr")
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".zarr":
        node = zarr.open(str(path), mode="r")
        if isinstance(node, zarr.Group):
            ms = node.attrs.get("multiscales")
            if not ms:
                raise ValueError(f"{path} is a Zarr group without OME multiscales metadata; "
                                 "give the path of an array")
            first = ms[0]
            names = "".join(a["name"] if isinstance(a, dict) else a for a in first["axes"])
            return da.from_zarr(node[first["datasets"][0]["path"]]), axes or names
        arr = da.from_zarr(node)
        return arr, axes or {2: "yx", 3: "cyx", 4: "czyx", 5: "tczyx"}.get(arr.ndim, "")
    if suffix in (".tif", ".tiff"):
        tifffile = _mod("tifffile")
        with tifffile.TiffFile(path) as tif:
            series_axes = tif.series[0].axes
        store = tifffile.imread(path, aszarr=True)
        _OPEN.append(store)  # closed by run() when the pyramid is written
        arr = da.from_zarr(zarr.open(store, mode="r"))
        names = series_axes.lower().replace("s", "c").replace("q", "c").replace("i", "z")
        return arr, axes or names
    from . import _cli_io as cio

    pixels = cio.read(path).pixels
    return da.from_array(pixels, chunks=(2048, 2048, *pixels.shape[2:])), \
        axes or ("yx" if pixels.ndim == 2 else "yxc")


def _mod(name: str) -> Any:
    """An optional dependency, imported when used (Dask, Zarr, tifffile)."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        extra = {"dask": "dask", "zarr": "zarr", "tifffile": "image"}[name.split(".")[0]]
        raise ImportError(f"pixelgrid pyramid needs {name.split('.')[0]}: "
                          f"pip install 'pixelgrid[{extra}]'") from None


def _ome_order(arr: Any, names: str) -> tuple[Any, str]:
    if len(names) != arr.ndim or len(set(names)) != len(names) or \
            not set(names) <= set(_OME_ORDER) or not {"y", "x"} <= set(names):
        raise ValueError(f"axes {names!r} do not name the {arr.ndim} dimensions of the input "
                         f"with distinct letters of {_OME_ORDER!r} including y and x; "
                         "give --axes")
    order = sorted(range(arr.ndim), key=lambda i: _OME_ORDER.index(names[i]))
    return arr.transpose(order), "".join(names[i] for i in order)


def write_pyramid(arr: Any, names: str, out: Path, levels: int, *, factor: int = 2,
                  kernel: str = "area", grid: str = "half_pixel", chunks: int = 512,
                  pixel_size: tuple[float, float] = (1.0, 1.0), unit: str | None = None,
                  name: str = "image", progress: bool = True,
                  num_workers: int | None = None) -> list[tuple[int, ...]]:
    """Write ``arr`` (Dask, axes ``names`` in OME order) as an OME-Zarr 0.4 pyramid.

    Atomic: written to ``.OUT.pixelgrid-PID.tmp`` beside ``out``, renamed at the end.
    Returns the levels' shapes.
    """
    dask, zarr = _mod("dask"), _mod("zarr")
    store = _mod("dask.array").store
    progress_bar = _mod("dask.diagnostics").ProgressBar

    from . import __version__
    from ._pyramid import pyramid, pyramid_transforms

    ax = [names.index("y"), names.index("x")]
    lv = pyramid(arr, levels, factor=factor, axes=ax, kernel=kernel, grid=grid)
    trans = pyramid_transforms(arr.shape, levels, factor=factor, axes=ax, grid=grid)
    tmp = out.with_name(f".{out.name}.pixelgrid-{os.getpid()}.tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        root = zarr.open_group(str(tmp), mode="w", zarr_format=2)
        targets, sources = [], []
        for k, a in enumerate(lv):
            zc = tuple(min(chunks, n) if names[i] in "yx" else 1 for i, n in enumerate(a.shape))
            z = root.create_array(str(k), shape=a.shape, chunks=zc, dtype=a.dtype,
                                  chunk_key_encoding={"name": "v2", "separator": "/"})
            targets.append(z)
            sources.append(a.rechunk(zc))
        size = {"y": pixel_size[0], "x": pixel_size[1]}
        datasets = []
        for k, (scale, translation) in enumerate(trans):
            phys = [size.get(n, 1.0) for n in names]
            datasets.append({"path": str(k), "coordinateTransformations": [
                {"type": "scale", "scale": [s * p for s, p in zip(scale, phys, strict=True)]},
                {"type": "translation",
                 "translation": [t * p for t, p in zip(translation, phys, strict=True)]}]})
        axes_md: list[dict[str, str]] = []
        for n in names:
            entry = {"name": n, "type": _TYPES[n]}
            if unit and _TYPES[n] == "space":
                entry["unit"] = unit
            axes_md.append(entry)
        # Zarr's own decode pool (CPUs + 4 threads) adds no speed under Dask's threads and
        # holds freed chunk buffers in a malloc arena per thread (benchmarks/bench_scale.py:
        # peak 9-11% of the array with it, 6.6-8.5% with one thread)
        with dask.config.set(scheduler="threads", num_workers=num_workers), \
                zarr.config.set({"threading.max_workers": 1}):
            if progress:
                with progress_bar(out=sys.stderr):
                    store(sources, targets, lock=False)
            else:
                store(sources, targets, lock=False)
        # the metadata last: a store without it is not an image to a reader
        root.attrs["multiscales"] = [{
            "version": "0.4", "name": name, "axes": axes_md, "datasets": datasets,
            "type": kernel,
            "metadata": {"method": "pixelgrid.pyramid", "version": __version__,
                         "kernel": kernel, "grid": grid, "factor": factor},
        }]
        if out.exists():
            old = out.with_name(f".{out.name}.pixelgrid-{os.getpid()}.old")
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [tuple(int(n) for n in a.shape) for a in lv]


def _stale(out: Path) -> None:
    """Remove temporaries of killed runs into ``out`` (their process is gone)."""
    for p in out.parent.glob(f".{out.name}.pixelgrid-*.tmp"):
        try:
            pid = int(p.name.rsplit("-", 1)[1].split(".")[0])
        except ValueError:
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except PermissionError:
            pass


def run(args: argparse.Namespace) -> int:
    """Run ``pixelgrid pyramid``."""
    src, out = Path(args.input), Path(args.output)
    if not src.exists():
        raise ValueError(f"{src}: no such file or folder")
    if out.exists() and not args.overwrite:
        raise ValueError(f"{out} exists; give --overwrite to replace it")
    if args.levels < 1:
        raise ValueError(f"--levels {args.levels}: must be >= 1")
    try:
        sizes = [float(v) for v in str(args.pixel_size).split(",")]
    except ValueError:
        raise ValueError(f"--pixel-size {args.pixel_size!r}: expected a number or 'Y,X'") \
            from None
    if len(sizes) not in (1, 2) or not all(v > 0 for v in sizes):
        raise ValueError(f"--pixel-size {args.pixel_size!r}: expected one or two numbers > 0")
    pixel = (sizes[0], sizes[-1])
    _stale(out)
    try:
        arr, names = _open(src, args.axes)
        arr, names = _ome_order(arr, names)
        shapes = write_pyramid(arr, names, out, args.levels, factor=args.factor,
                               kernel=args.kernel, grid=args.grid, chunks=args.chunks,
                               pixel_size=pixel, unit=args.unit, name=src.stem,
                               progress=not args.quiet, num_workers=args.workers)
    finally:
        while _OPEN:
            _OPEN.pop().close()
    print(f"{out}: {len(shapes)} levels, axes {names}: "
          + ", ".join("x".join(map(str, s)) for s in shapes))
    return 0
