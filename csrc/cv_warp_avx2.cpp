// AVX2 + FMA build of OpenCV's warpAffine kernels (cv_warp.h; used only when the CPU has
// both): 8-lane positions and 8 LINEAR output pixels per step.
#define PG_CVNS avx2
#define PG_CV_AVX2 1
#include "cv_warp.h"
