// Which outputs kernels may write with non-temporal (streaming) stores: models.h (the
// float32 lerp rows and the int16 / wide uint8 passes), ipp_cubic.h (float32 rows) and
// gather.cpp (window copies) stream an output of g_stream_min bytes or more (where their
// layout allows), and store everything else through the caches.  One threshold for all,
// defined in gather.cpp (set between calls only: the binding stream_min_bytes).
//
// The default is half the last-level cache (sysconf's level-3 size; 16 MiB where it is not
// known): streaming saves reading each output line before it is written, but leaves the
// output out of the caches, where the next step (or the next call) would have found it.
// Below the cache size that costs more than it saves: the earlier machine (AMD EPYC, 32
// MiB L3 per core complex) measured the crossover at half its L3 (gather, float32: 12 MB
// regular stores 0.25 ms, streamed 0.34; 16 MB equal; 24 MB 1.05 vs 0.68 ms).  On the
// Intel Xeon VM measured since (480 MiB L3), streaming 25-28 MB outputs (then from 4 MiB)
// also made calls around them slower: cv2.resize float32 1024^2x3 -> 1536^2 linear, one
// thread, 4.1 ms alone, 5.8 ms between compat.opencv.resize calls that streamed, 3.1 ms
// between ones that did not; and some processes stayed slow for their whole life
// (compat.torch.interpolate float32 8x3x256^2 -> 512^2 bilinear, one pixelgrid thread,
// torch at 2 threads, median of 100 calls per process, 15 processes each way: streamed
// 2.90-3.10 ms in 8, 3.70-3.94 in 6, 10.9 in one; regular stores 2.96-3.47 in all 15),
// which made bench_compat's 2-thread torch_f32_bilinear case 1.38 of torch in 2 of 4
// runs (5.6 ms; 0.42-0.43 in the others, 0.44-0.51 in 4 of 4 without streaming).
#pragma once

#include <cstdint>

namespace pg {
extern int64_t g_stream_min;
}  // namespace pg
