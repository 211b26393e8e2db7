// AVX2 + FMA build of the point-sampler kernels (-mavx2 -mfma; used only when the CPU
// has both).  -ffp-contract=off keeps every product rounded: results equal the baseline.
#define PG_SNS avx2
#include "sampler_kernels.h"
