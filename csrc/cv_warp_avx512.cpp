// AVX-512 (F, BW, VL, DQ) build of OpenCV's warpAffine kernels (cv_warp.h; used only when
// the CPU has them, else the AVX2 build): the AVX2 kernels plus the ipp model's uint8 3-4
// channel all-inside groups in 512-bit registers (group8_u8_vf512; same operations on the
// same values, bit-identical).
#define PG_CVNS avx512
#define PG_CV_AVX2 1
#define PG_CV_AVX512 1
#include "cv_warp.h"
