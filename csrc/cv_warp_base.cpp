// Baseline (scalar) build of OpenCV's warpAffine kernels (cv_warp.h).
#define PG_CVNS base
#include "cv_warp.h"
