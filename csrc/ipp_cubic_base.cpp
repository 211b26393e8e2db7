// Baseline build of the fused IPP cubic model (ipp_cubic.h); its own translation unit so
// that the model kernels (models_base.cpp) do not recompile with it.
#define PG_KNS mbase
#include "ipp_cubic.h"
