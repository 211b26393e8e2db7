// AVX2 + FMA build of the arithmetic-model kernels (models.h), compiled with -mavx2
// -mfma and only called when the CPU reports both (models_bind.cpp).
#define PG_KNS mavx2
#include "models.h"
#include "torch_corners.h"
