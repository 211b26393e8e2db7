"""A pytest plugin that routes a peer library's resize calls through pixelgrid's emulation.

Loaded with ``-p pixelgrid_peer_shim`` into a pytest run of the peer's *own* test
files (``tests/test_peer_suites.py`` starts that run).  ``PIXELGRID_PEER_SHIM``
names the peer (``pillow``, ``skimage``, ``scipy``) or ``off`` (the real library,
the run to compare with); ``PIXELGRID_PEER_LOG`` is a JSON file that receives how
many calls went to pixelgrid and how many fell back to the real function.

Which calls are routed (the functions pixelgrid emulates):

* Pillow: ``Image.Image.resize`` and ``Image.Image.reduce`` for the modes
  :mod:`pixelgrid.compat.pillow` supports (L, LA, RGB, RGBA, I, F).  Other modes
  (1, P, I;16, CMYK, ...) and calls on the C core (``im.im.resize``) stay Pillow's.
* scikit-image: ``skimage.transform.resize`` and ``rescale`` (every call).
* SciPy: ``scipy.ndimage.zoom`` for real input and output dtypes (complex data
  stays SciPy's: the emulation supports real dtypes only).

The patches are installed when the plugin is imported, before the peer's test
modules import the functions by name.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
from collections import Counter
from typing import Any

import numpy as np

SHIM = os.environ.get("PIXELGRID_PEER_SHIM", "off")
if os.environ.get("PIXELGRID_PEER_MEMORY"):
    # cap the address space, so a runaway allocation fails one test, not the machine
    import resource

    _cap = int(os.environ["PIXELGRID_PEER_MEMORY"])
    resource.setrlimit(resource.RLIMIT_AS, (_cap, _cap))
LOG = os.environ.get("PIXELGRID_PEER_LOG")
CALLS: Counter[str] = Counter()


def _write_log() -> None:
    if LOG:
        with open(LOG, "w") as f:
            json.dump({"shim": SHIM, "calls": dict(CALLS)}, f)


atexit.register(_write_log)


def _patch_pillow() -> None:
    from PIL import Image

    from pixelgrid.compat import pillow as pg

    real_resize, real_reduce = Image.Image.resize, Image.Image.reduce
    modes = ("L", "LA", "RGB", "RGBA", "I", "F")

    @functools.wraps(real_resize)
    def resize(self: Any, size: Any, resample: Any = None, box: Any = None,
               reducing_gap: Any = None) -> Any:
        if self.mode not in modes:
            CALLS["Image.resize fallback (mode)"] += 1
            return real_resize(self, size, resample, box, reducing_gap)
        CALLS["Image.resize"] += 1
        if isinstance(size, list):
            size = tuple(size)
        self.load()
        return pg.resize(self, size, resample, box, reducing_gap)

    @functools.wraps(real_reduce)
    def reduce(self: Any, factor: Any, box: Any = None) -> Any:
        if self.mode not in modes:
            CALLS["Image.reduce fallback (mode)"] += 1
            return real_reduce(self, factor, box)
        CALLS["Image.reduce"] += 1
        self.load()
        return pg.reduce(self, factor, box)

    Image.Image.resize = resize  # type: ignore[method-assign]
    Image.Image.reduce = reduce  # type: ignore[method-assign]


def _patch_skimage() -> None:
    import skimage.transform
    import skimage.transform._warps as warps

    from pixelgrid.compat import skimage as pg

    def counted(name: str, fn: Any) -> Any:
        @functools.wraps(getattr(warps, name))
        def call(*args: Any, **kwargs: Any) -> Any:
            CALLS[name] += 1
            return fn(*args, **kwargs)
        return call

    for name in ("resize", "rescale"):
        wrapped = counted(name, getattr(pg, name))
        setattr(warps, name, wrapped)
        setattr(skimage.transform, name, wrapped)


def _patch_scipy() -> None:
    import scipy.ndimage
    import scipy.ndimage._interpolation as interp

    from pixelgrid.compat import scipy as pg

    real_zoom = interp.zoom

    @functools.wraps(real_zoom)
    def zoom(input: Any, zoom: Any, output: Any = None, order: int = 3,
             mode: str = "constant", cval: float = 0.0, prefilter: bool = True, *,
             grid_mode: bool = False) -> Any:
        out_dtype = output.dtype if isinstance(output, np.ndarray) else output
        if np.iscomplexobj(input) or (out_dtype is not None
                                      and np.dtype(out_dtype).kind == "c"):
            CALLS["zoom fallback (complex)"] += 1
            return real_zoom(input, zoom, output, order, mode, cval, prefilter,
                             grid_mode=grid_mode)
        CALLS["zoom"] += 1
        return pg.zoom(input, zoom, output, order, mode, cval, prefilter,
                       grid_mode=grid_mode)

    # SciPy's test helpers look the function up in its array-API capability table
    from scipy._lib._array_api import xp_capabilities_table

    xp_capabilities_table[zoom] = xp_capabilities_table[scipy.ndimage.zoom]
    interp.zoom = zoom
    scipy.ndimage.zoom = zoom


_PATCHES = {"pillow": _patch_pillow, "skimage": _patch_skimage, "scipy": _patch_scipy}
if SHIM != "off":
    _PATCHES[SHIM]()
