// Baseline build of the arithmetic-model kernels (models.h).
#define PG_KNS mbase
#include "models.h"
#include "ipp_cubic.h"
#include "torch_corners.h"
