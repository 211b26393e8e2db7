// AVX-512 (F, BW, VL, DQ) build of the fused IPP cubic model (ipp_cubic.h): uint8 rows in
// groups of 16 elements; only called where the CPU reports them (ipp_cubic_bind.cpp).
#define PG_KNS mavx512
#include "ipp_cubic.h"
