// AVX2 + FMA build of the fused IPP cubic model (ipp_cubic.h), compiled with -mavx2 -mfma
// and only called when the CPU reports both (ipp_cubic_bind.cpp).
#define PG_KNS mavx2
#include "ipp_cubic.h"
