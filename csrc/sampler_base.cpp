// Baseline build of the point-sampler kernels.
#define PG_SNS base
#include "sampler_kernels.h"
