"""pixelgrid: resample arrays with an explicit pixel grid.

A resize is, per axis: a **grid convention** (where output sample ``o`` sits
in input coordinates), a **kernel** (how neighbours are weighted), an
**antialias** rule (stretch the kernel when downsampling) and a **boundary**
rule (taps outside the input).  :func:`plan` computes that once per axis as an
:class:`AxisPlan`; engines apply plans.  ``pixelgrid.compat`` translates each
library's own resize signature into this model.

Examples
--------
>>> import numpy as np, pixelgrid
>>> pixelgrid.resize(np.array([0.0, 1.0]), 4, antialias=False).tolist()
[0.0, 0.25, 0.75, 1.0]

"""

from . import grid, kernels, warp
from ._arithmetic import Arithmetic
from ._explain import Explanation, explain, register_like
from ._grid import Affine, output_size
from ._identify import identify
from ._kernels import Kernel
from ._plan import BOUNDARIES, fixed_point, plan
from ._plan_types import AxisPlan, FixedPoint
from ._pyramid import pyramid, pyramid_transforms
from ._resize import make_plans, resize
from ._translate import translate
from .coords import CoordMap, crop_map, resize_flow, resize_map
from .labels import resize_labels
from .warp import (
    affine_to_cv2,
    affine_to_scipy,
    affine_to_theta,
    compose,
    convert_affine,
    crop_and_resize,
    image_center,
    invert,
    normalized_to_pixel,
    pixel_to_normalized,
    resample_region,
    roi_align,
    rotation,
    sample,
    scaling,
    shear,
    translation,
    warp_affine,
)

__version__ = "0.1.0"

__all__ = [
    "BOUNDARIES",
    "Affine",
    "Arithmetic",
    "AxisPlan",
    "CoordMap",
    "Explanation",
    "FixedPoint",
    "Kernel",
    "__version__",
    "affine_to_cv2",
    "affine_to_scipy",
    "affine_to_theta",
    "compose",
    "convert_affine",
    "crop_and_resize",
    "crop_map",
    "explain",
    "fixed_point",
    "grid",
    "identify",
    "image_center",
    "invert",
    "kernels",
    "make_plans",
    "normalized_to_pixel",
    "output_size",
    "pixel_to_normalized",
    "plan",
    "pyramid",
    "pyramid_transforms",
    "register_like",
    "resample_region",
    "resize",
    "resize_flow",
    "resize_labels",
    "resize_map",
    "roi_align",
    "rotation",
    "sample",
    "scaling",
    "shear",
    "translate",
    "translation",
    "warp",
    "warp_affine",
]
