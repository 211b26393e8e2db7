// Baseline build of the arithmetic-model kernels (models.h).
#define PG_KNS mbase
#include "models.h"
#include "torch_corners.h"
