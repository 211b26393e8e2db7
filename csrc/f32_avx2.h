// AVX2 + FMA kernels for float32 rows.  Included by kernels.h inside its anonymous
// namespace, in the AVX2 build only.
// The permute, variable-block and two-phase tables the horizontal kernels below read
// (PlanArgs::pbase, pstart, fw) are built beside them in f32_avx2_tables.cpp.

// Outputs before dst's first 32-byte boundary (done without SIMD, so that every vector
// store of a row is aligned).  NumPy's large arrays start 16 bytes past a page boundary:
// every other unaligned 32-byte store would then straddle two cache lines (a fresh
// 24x1024x1024 float32 output: about 2% of the time).
inline int64_t align_head(const float* dst, int64_t n) {
  const auto a = reinterpret_cast<uintptr_t>(dst);
  return a % 4 != 0 ? 0 : imin(n, static_cast<int64_t>((32 - a % 32) % 32 / 4));
}

// dst[i] = bias + sum_t w[t] * rows[t][i] for i < n, written once: the tap loop runs
// inside a block of 32 outputs held in 4 registers, so every input row is streamed once
// and no accumulator buffer is read back.  (Non-temporal stores were measured slower:
// the output pages were just zeroed by the kernel and are still cached.)
inline void vf32_avx2(const float* const* rows, const float* w, int64_t K, float bias,
                      float* dst, int64_t n) {
  const __m256 vb = _mm256_set1_ps(bias);
  auto scalar = [&](int64_t j) {
    float a = bias;
    for (int64_t t = 0; t < K; ++t) a = std::fma(rows[t][j], w[t], a);
    dst[j] = a;
  };
  const int64_t head = align_head(dst, n);
  for (int64_t j = 0; j < head; ++j) scalar(j);
  int64_t i = head;
  if (K == 2) {  // bilinear: weights stay in registers
    const float* __restrict r0 = rows[0];
    const float* __restrict r1 = rows[1];
    const __m256 w0 = _mm256_set1_ps(w[0]), w1 = _mm256_set1_ps(w[1]);
    for (; i + 32 <= n; i += 32)
      for (int k = 0; k < 4; ++k)
        _mm256_storeu_ps(dst + i + 8 * k,
                         _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i + 8 * k), w1,
                                         _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i + 8 * k), w0, vb)));
  } else {
    for (; i + 32 <= n; i += 32) {
      __m256 a[4] = {vb, vb, vb, vb};
      for (int64_t t = 0; t < K; ++t) {
        const float* __restrict r = rows[t] + i;
        const __m256 wt = _mm256_set1_ps(w[t]);
        for (int k = 0; k < 4; ++k) a[k] = _mm256_fmadd_ps(_mm256_loadu_ps(r + 8 * k), wt, a[k]);
      }
      for (int k = 0; k < 4; ++k) _mm256_storeu_ps(dst + i + 8 * k, a[k]);
    }
  }
  for (; i + 8 <= n; i += 8) {
    __m256 a = vb;
    for (int64_t t = 0; t < K; ++t)
      a = _mm256_fmadd_ps(_mm256_loadu_ps(rows[t] + i), _mm256_set1_ps(w[t]), a);
    _mm256_storeu_ps(dst + i, a);
  }
  for (; i < n; ++i) scalar(i);
}

// Scalar fallback of the horizontal float32 pass: elements [e0, e1) of R strided rows.
inline void hf32_scalar(const float* src, int64_t ss, float* dst, int64_t ds, int64_t R,
                        const PlanArgs& p, int64_t C, int64_t e0, int64_t e1) {
  const int64_t K = p.K;
  const float* w = static_cast<const float*>(p.weight);
  const float* bias = static_cast<const float*>(p.bias);
  for (int64_t r = 0; r < R; ++r, src += ss, dst += ds)
    for (int64_t e = e0; e < e1; ++e) {
      const int64_t o = e / C, c = e % C;
      const float* s = src + static_cast<int64_t>(p.start[o]) * C + c;
      float acc = bias[o];
      for (int64_t t = 0; t < K; ++t) acc += w[o * K + t] * s[t * C];
      dst[e] = acc;
    }
}

// Horizontal float32 pass over R whole rows at fixed strides (row r: src + r*ss ->
// dst + r*ds) using in-register permutes (see PlanArgs).  The tables of a block are read
// once for all R rows, and the row loop only advances two pointers.
// Variable-block form (PlanArgs::pstart), blocks [b0, b1): one load, one permute and
// one FMA per tap for each block of up to 8 outputs.
inline void hf32_var_rows(const float* src, int64_t ss, float* dst, int64_t ds, int64_t R,
                          const PlanArgs& p, int64_t C, int64_t b0, int64_t b1) {
  // The table pointers are copied to locals: the stores below could alias the plan
  // struct as far as the compiler knows, which would reload them for every block.
  const int64_t K = p.K;
  const int32_t* const pstart = p.pstart;
  const int32_t* const pbase = p.pbase;
  const int32_t* const prel = p.prel;
  const float* const pw = p.pw;
  const float* const pbias = p.pbias;
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t e0 = pstart[b], e1 = pstart[b + 1];
    const int32_t base = pbase[b];
    if (base < 0) {
      hf32_scalar(src, ss, dst, ds, R, p, C, e0, e1);
      continue;
    }
    const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(prel + 8 * b));
    const __m256 vb = _mm256_loadu_ps(pbias + 8 * b);
    const float* wb = pw + b * K * 8;
    const float* s = src + base;
    float* d = dst + e0;
    if (K == 2) {
      const __m256 w0 = _mm256_loadu_ps(wb), w1 = _mm256_loadu_ps(wb + 8);
      auto row = [&](const float* sr, float* dr) {
        const __m256 v0 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(sr), idx);
        const __m256 v1 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(sr + C), idx);
        _mm256_storeu_ps(dr, _mm256_fmadd_ps(v1, w1, _mm256_fmadd_ps(v0, w0, vb)));
      };
      int64_t r = 0;
      for (; r + 2 <= R; r += 2, s += 2 * ss, d += 2 * ds) {  // two rows per trip
        row(s, d);
        row(s + ss, d + ds);
      }
      if (r < R) row(s, d);
    } else {
      for (int64_t r = 0; r < R; ++r, s += ss, d += ds) {
        __m256 acc = vb;
        for (int64_t t = 0; t < K; ++t)
          acc = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(s + t * C), idx),
                                _mm256_loadu_ps(wb + 8 * t), acc);
        _mm256_storeu_ps(d, acc);
      }
    }
  }
}

// Two-phase tables (PlanArgs::fw, one channel): the variable blocks before the periodic
// range, then that range (out[2j + q] for 8 values of j per phase: K unaligned loads and
// FMAs each, then two in-lane unpacks and two 128-bit permutes interleave the phases
// into 16 outputs), then the blocks after it.  Same FMA order as the blocks, so every
// output has the same value whichever computes it.  (2x bilinear, 128 rows of 512 ->
// 1024 floats in L2: 0.21 -> 0.11 ns per output; the blocks need two cross-lane
// permutes per 8 outputs, the phases two in-lane unpacks and two permutes per 16.)
inline void hf32_phase_rows(const float* src, int64_t ss, float* dst, int64_t ds, int64_t R,
                            const PlanArgs& p) {
  const int64_t K = p.K;
  hf32_var_rows(src, ss, dst, ds, R, p, 1, 0, p.fb0);
  __m256 we[8], wo[8];
  for (int64_t t = 0; t < K; ++t) {
    we[t] = _mm256_set1_ps(p.fw[t]);
    wo[t] = _mm256_set1_ps(p.fw[K + t]);
  }
  const __m256 be = _mm256_set1_ps(p.fbias[0]), bo = _mm256_set1_ps(p.fbias[1]);
  const int64_t j0 = p.fe0 / 2, j1 = p.fe1 / 2;
  for (int64_t r = 0; r < R; ++r) {
    const float* se = src + r * ss + p.foff[0];
    const float* so = src + r * ss + p.foff[1];
    float* d = dst + r * ds;
    for (int64_t j = j0; j < j1; j += 8) {
      __m256 e = be, o = bo;
      if (K == 2) {
        e = _mm256_fmadd_ps(_mm256_loadu_ps(se + j + 1), we[1],
                            _mm256_fmadd_ps(_mm256_loadu_ps(se + j), we[0], e));
        o = _mm256_fmadd_ps(_mm256_loadu_ps(so + j + 1), wo[1],
                            _mm256_fmadd_ps(_mm256_loadu_ps(so + j), wo[0], o));
      } else {
        for (int64_t t = 0; t < K; ++t) {
          e = _mm256_fmadd_ps(_mm256_loadu_ps(se + j + t), we[t], e);
          o = _mm256_fmadd_ps(_mm256_loadu_ps(so + j + t), wo[t], o);
        }
      }
      const __m256 lo = _mm256_unpacklo_ps(e, o), hi = _mm256_unpackhi_ps(e, o);
      _mm256_storeu_ps(d + 2 * j, _mm256_permute2f128_ps(lo, hi, 0x20));
      _mm256_storeu_ps(d + 2 * j + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    }
  }
  hf32_var_rows(src, ss, dst, ds, R, p, 1, p.fb1, p.pnb);
}

// Horizontal float32 pass with the permute tables: the two-phase or variable-block form
// when the plan has those tables, else fixed blocks of 8 outputs reading 16 floats at
// pbase[b] (two permutes and a blend per tap).
inline void hf32_perm_rows(const float* src, int64_t ss, float* dst, int64_t ds, int64_t R,
                           const PlanArgs& p, int64_t C) {
  if (p.fw != nullptr && C == 1) return hf32_phase_rows(src, ss, dst, ds, R, p);
  if (p.pstart != nullptr) return hf32_var_rows(src, ss, dst, ds, R, p, C, 0, p.pnb);
  const int64_t n = p.out_size * C;
  const int64_t nb = (n + 7) / 8;
  const int64_t K = p.K;
  const __m256i seven = _mm256_set1_epi32(7);
  const __m256i stepC = _mm256_set1_epi32(static_cast<int>(C));
  for (int64_t b = 0; b < nb; ++b) {
    const int32_t base = p.pbase[b];
    if (base < 0 || 8 * b + 8 > n) {
      hf32_scalar(src, ss, dst, ds, R, p, C, 8 * b, imin(n, 8 * b + 8));
      continue;
    }
    const __m256i idx0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.prel + 8 * b));
    const __m256 vb = _mm256_loadu_ps(p.pbias + 8 * b);
    const float* wb = p.pw + b * K * 8;
    const float* s = src + base;
    float* d = dst + 8 * b;
    if (K == 2) {  // bilinear: both taps' permutes and weights stay in registers
      const __m256i idx1 = _mm256_add_epi32(idx0, stepC);
      const __m256 m0 = _mm256_castsi256_ps(_mm256_cmpgt_epi32(idx0, seven));
      const __m256 m1 = _mm256_castsi256_ps(_mm256_cmpgt_epi32(idx1, seven));
      const __m256 w0 = _mm256_loadu_ps(wb), w1 = _mm256_loadu_ps(wb + 8);
      for (int64_t r = 0; r < R; ++r, s += ss, d += ds) {
        const __m256 lo = _mm256_loadu_ps(s);
        const __m256 hi = _mm256_loadu_ps(s + 8);
        const __m256 v0 = _mm256_blendv_ps(_mm256_permutevar8x32_ps(lo, idx0),
                                           _mm256_permutevar8x32_ps(hi, idx0), m0);
        const __m256 v1 = _mm256_blendv_ps(_mm256_permutevar8x32_ps(lo, idx1),
                                           _mm256_permutevar8x32_ps(hi, idx1), m1);
        _mm256_storeu_ps(d, _mm256_fmadd_ps(v1, w1, _mm256_fmadd_ps(v0, w0, vb)));
      }
      continue;
    }
    for (int64_t r = 0; r < R; ++r, s += ss, d += ds) {
      const __m256 lo = _mm256_loadu_ps(s);
      const __m256 hi = _mm256_loadu_ps(s + 8);
      __m256i idx = idx0;
      __m256 acc = vb;
      for (int64_t t = 0; t < K; ++t) {
        const __m256 m = _mm256_castsi256_ps(_mm256_cmpgt_epi32(idx, seven));
        const __m256 v = _mm256_blendv_ps(_mm256_permutevar8x32_ps(lo, idx),
                                          _mm256_permutevar8x32_ps(hi, idx), m);
        acc = _mm256_fmadd_ps(v, _mm256_loadu_ps(wb + 8 * t), acc);
        idx = _mm256_add_epi32(idx, stepC);
      }
      _mm256_storeu_ps(d, acc);
    }
  }
}

// Two output rows that read the same input rows (upsampling: neighbours often share
// their window) in one sweep: every input vector is loaded once for both.  Same FMA
// order as vf32_avx2, so the results are identical to two separate calls.
inline void vf32_two(const float* const* rows, const float* wa, const float* wb, int64_t K,
                     float ba, float bb, float* da, float* db, int64_t n) {
  constexpr int64_t MAXK = 16;
  __m256 va[MAXK], vw[MAXK];
  for (int64_t t = 0; t < K; ++t) {
    va[t] = _mm256_set1_ps(wa[t]);
    vw[t] = _mm256_set1_ps(wb[t]);
  }
  const __m256 vba = _mm256_set1_ps(ba), vbb = _mm256_set1_ps(bb);
  auto scalar = [&](int64_t j) {
    float a = ba, b = bb;
    for (int64_t t = 0; t < K; ++t) {
      a = std::fma(rows[t][j], wa[t], a);
      b = std::fma(rows[t][j], wb[t], b);
    }
    da[j] = a;
    db[j] = b;
  };
  const int64_t head = align_head(da, n);
  for (int64_t j = 0; j < head; ++j) scalar(j);
  int64_t i = head;
  if (K == 2) {
    const float* __restrict r0 = rows[0];
    const float* __restrict r1 = rows[1];
    for (; i + 16 <= n; i += 16)
      for (int k = 0; k < 2; ++k) {
        const __m256 x0 = _mm256_loadu_ps(r0 + i + 8 * k), x1 = _mm256_loadu_ps(r1 + i + 8 * k);
        _mm256_storeu_ps(da + i + 8 * k,
                         _mm256_fmadd_ps(x1, va[1], _mm256_fmadd_ps(x0, va[0], vba)));
        _mm256_storeu_ps(db + i + 8 * k,
                         _mm256_fmadd_ps(x1, vw[1], _mm256_fmadd_ps(x0, vw[0], vbb)));
      }
  } else {
    for (; i + 16 <= n; i += 16) {
      __m256 a0 = vba, a1 = vba, b0 = vbb, b1 = vbb;
      for (int64_t t = 0; t < K; ++t) {
        const __m256 x0 = _mm256_loadu_ps(rows[t] + i), x1 = _mm256_loadu_ps(rows[t] + i + 8);
        a0 = _mm256_fmadd_ps(x0, va[t], a0);
        a1 = _mm256_fmadd_ps(x1, va[t], a1);
        b0 = _mm256_fmadd_ps(x0, vw[t], b0);
        b1 = _mm256_fmadd_ps(x1, vw[t], b1);
      }
      _mm256_storeu_ps(da + i, a0);
      _mm256_storeu_ps(da + i + 8, a1);
      _mm256_storeu_ps(db + i, b0);
      _mm256_storeu_ps(db + i + 8, b1);
    }
  }
  for (; i + 8 <= n; i += 8) {
    __m256 a = vba, b = vbb;
    for (int64_t t = 0; t < K; ++t) {
      const __m256 x = _mm256_loadu_ps(rows[t] + i);
      a = _mm256_fmadd_ps(x, va[t], a);
      b = _mm256_fmadd_ps(x, vw[t], b);
    }
    _mm256_storeu_ps(da + i, a);
    _mm256_storeu_ps(db + i, b);
  }
  for (; i < n; ++i) scalar(i);
}
