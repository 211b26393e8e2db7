// AVX2 kernels for 8-bit data with int16 fixed-point weights and an int32 accumulator
// (exact: every product and pair sum fits int32, and the caller proved the total does).
// Included by kernels.h inside its anonymous namespace, in the AVX2 build only.
// The weight quads, group and byte-pair tables they read (PlanArgs::wq, gbase, sbase)
// are built beside them in u8_avx2_tables.cpp.


template <class T>
inline __m256i widen16(__m128i v) {
  if constexpr (std::is_signed_v<T>) return _mm256_cvtepi8_epi16(v);
  else return _mm256_cvtepu8_epi16(v);
}

// Bytes holding 8-bit values zero-extended to int16 -> sign-extend them for int8.
template <class T>
inline __m256i fix_sign(__m256i v) {
  if constexpr (std::is_signed_v<T>) return _mm256_srai_epi16(_mm256_slli_epi16(v, 8), 8);
  else return v;
}

template <class T>
inline __m128i pack8(__m128i a, __m128i b) {  // int16 -> 8-bit with saturation
  if constexpr (std::is_signed_v<T>) return _mm_packs_epi16(a, b);
  else return _mm_packus_epi16(a, b);
}

// Stores the C bytes of one pixel held in the low 4 bytes of v; may write 4 bytes when
// the next byte belongs to a pixel written later by this same call.
template <int CC>
inline void store_px(void* d, uint32_t v, bool may_overwrite) {
  if (CC == 4 || may_overwrite) std::memcpy(d, &v, 4);
  else std::memcpy(d, &v, CC);
}

// Horizontal pass, CC = 3 or 4 channels interleaved, contiguous windows.
// To = int16_t: the wide model's first pass (int16 intermediate, no saturation binds).
template <class T, int CC, class To = T>
void h8_avx2(const T* src, To* dst, const PlanArgs& p, int64_t o0, int64_t o1) {
  const int64_t Lb = p.in_size * CC;
  const int32_t* bias = static_cast<const int32_t*>(p.bias);
  const __m128i sh = _mm_cvtsi32_si128(p.bits);
  const int64_t nq = p.nq;
  const char* s8 = reinterpret_cast<const char*>(src);
  // pixels (t, t+1) of a lane -> int16 [c0 t, c0 t+1, c1 t, c1 t+1, ...]
  const __m256i m2 = CC == 3
      ? _mm256_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,
                         0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1)
      : _mm256_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1,
                         0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1);
  // 4 pixels broadcast to both lanes: low lane pixels 0,1; high lane pixels 2,3
  const __m256i m4 = CC == 3
      ? _mm256_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,
                         6, -1, 9, -1, 7, -1, 10, -1, 8, -1, 11, -1, -1, -1, -1, -1)
      : _mm256_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1,
                         8, -1, 12, -1, 9, -1, 13, -1, 10, -1, 14, -1, 11, -1, 15, -1);
  auto scalar = [&](int64_t o) {
    axis_small<T, int32_t, CC, true, To>(src, dst, p, o, o + 1);
  };
  auto finish_px = [&](__m128i acc, int64_t o) {
    acc = _mm_sra_epi32(_mm_add_epi32(acc, _mm_set1_epi32(bias[o])), sh);
    const __m128i v16 = _mm_packs_epi32(acc, acc);
    if constexpr (std::is_same_v<To, int16_t>) {
      const uint64_t v = static_cast<uint64_t>(_mm_cvtsi128_si64(v16));
      if (CC == 4 || o + 1 < o1) std::memcpy(dst + o * CC, &v, 8);
      else std::memcpy(dst + o * CC, &v, 2 * CC);
    } else {
      const uint32_t v = static_cast<uint32_t>(_mm_cvtsi128_si32(pack8<T>(v16, v16)));
      store_px<CC>(dst + o * CC, v, o + 1 < o1);
    }
  };
  if (p.K <= 2 && !p.wsplit) {
    int64_t o = o0;
    for (; o + 1 < o1; o += 2) {
      const int64_t b0 = static_cast<int64_t>(p.start[o]) * CC;
      const int64_t b1 = static_cast<int64_t>(p.start[o + 1]) * CC;
      if (b0 + 8 > Lb || b1 + 8 > Lb) {
        scalar(o);
        scalar(o + 1);
        continue;
      }
      __m256i v = _mm256_inserti128_si256(
          _mm256_castsi128_si256(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s8 + b0))),
          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s8 + b1)), 1);
      v = fix_sign<T>(_mm256_shuffle_epi8(v, m2));
      const __m256i w = _mm256_inserti128_si256(
          _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p.wq + o * 8))),
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(p.wq + (o + 1) * 8)), 1);
      const __m256i acc = _mm256_madd_epi16(v, w);
      finish_px(_mm256_castsi256_si128(acc), o);
      finish_px(_mm256_extracti128_si256(acc, 1), o + 1);
    }
    for (; o < o1; ++o) scalar(o);
    return;
  }
  for (int64_t o = o0; o < o1; ++o) {
    const int64_t b = static_cast<int64_t>(p.start[o]) * CC;
    if (b + (4 * (nq - 1)) * CC + 16 > Lb) {
      scalar(o);
      continue;
    }
    __m256i acc = _mm256_setzero_si256();
    if (p.wsplit) {
      const int32_t* wq = p.wq + o * nq * 16;
      __m256i acl = _mm256_setzero_si256();
      for (int64_t q = 0; q < nq; ++q) {
        __m256i v = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(s8 + b + 4 * q * CC)));
        v = fix_sign<T>(_mm256_shuffle_epi8(v, m4));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(
            v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wq + q * 16))));
        acl = _mm256_add_epi32(acl, _mm256_madd_epi16(
            v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wq + q * 16 + 8))));
      }
      acc = _mm256_add_epi32(_mm256_slli_epi32(acc, 8), acl);
    } else {
      const int32_t* wq = p.wq + o * nq * 8;
      for (int64_t q = 0; q < nq; ++q) {
        __m256i v = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(s8 + b + 4 * q * CC)));
        v = fix_sign<T>(_mm256_shuffle_epi8(v, m4));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(
            v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wq + q * 8))));
      }
    }
    finish_px(_mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1)), o);
  }
}

inline int32_t pack_pair(int32_t w0, int32_t w1) {
  return static_cast<int32_t>((static_cast<uint32_t>(w0) & 0xffffu) |
                              (static_cast<uint32_t>(w1) << 16));
}

// Elements [i, n) of a vertical 8-bit combine without SIMD (sums modulo 2^32, as the
// split-weight kernel's; exact wherever the SIMD kernels are).
template <class T>
void v8_tail(const T* const* rows, const int32_t* w, int64_t K, int32_t bias, int bits, T* dst,
             int64_t i, int64_t n) {
  for (; i < n; ++i) {
    uint32_t acc = static_cast<uint32_t>(bias);
    for (int64_t t = 0; t < K; ++t)
      acc += static_cast<uint32_t>(w[t]) * static_cast<uint32_t>(static_cast<int32_t>(rows[t][i]));
    dst[i] = finish<T, int32_t>(static_cast<int32_t>(acc), bits);
  }
}

// Vertical combine with weights in [-2^23, 2^23): w = hi * 256 + lo, lo in [0, 256).
template <class T>
bool v8_split(const T* const* rows, const int32_t* w, int64_t K, int32_t bias, int bits,
              T* dst, int64_t n) {
  constexpr int64_t MAXP = 64;
  const int64_t np = (K + 1) / 2;
  alignas(32) int32_t wh[MAXP], wl[MAXP];
  const T* rp[2 * MAXP];
  for (int64_t j = 0; j < np; ++j) {
    const int32_t w0 = w[2 * j], w1 = 2 * j + 1 < K ? w[2 * j + 1] : 0;
    wh[j] = pack_pair(w0 >> 8, w1 >> 8);
    wl[j] = pack_pair(w0 & 255, w1 & 255);
    rp[2 * j] = rows[2 * j];
    rp[2 * j + 1] = 2 * j + 1 < K ? rows[2 * j + 1] : rows[2 * j];
  }
  const __m128i sh = _mm_cvtsi32_si128(bits);
  const __m256i vb = _mm256_set1_epi32(bias);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, l0 = vb, l1 = vb;
    for (int64_t j = 0; j < np; ++j) {
      const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rp[2 * j] + i));
      const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rp[2 * j + 1] + i));
      const __m256i u0 = widen16<T>(_mm_unpacklo_epi8(x0, x1));
      const __m256i u1 = widen16<T>(_mm_unpackhi_epi8(x0, x1));
      const __m256i h = _mm256_set1_epi32(wh[j]), l = _mm256_set1_epi32(wl[j]);
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(u0, h));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(u1, h));
      l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(u0, l));
      l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(u1, l));
    }
    a0 = _mm256_sra_epi32(_mm256_add_epi32(_mm256_slli_epi32(a0, 8), l0), sh);
    a1 = _mm256_sra_epi32(_mm256_add_epi32(_mm256_slli_epi32(a1, 8), l1), sh);
    const __m128i lo = _mm_packs_epi32(_mm256_castsi256_si128(a0), _mm256_extracti128_si256(a0, 1));
    const __m128i hi = _mm_packs_epi32(_mm256_castsi256_si128(a1), _mm256_extracti128_si256(a1, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), pack8<T>(lo, hi));
  }
  v8_tail<T>(rows, w, K, bias, bits, dst, i, n);
  return true;
}

// One output element of a horizontal 8-bit pass without SIMD (exact int32 weights).
template <class T, class To = T>
inline To h8_element(const T* src, const PlanArgs& p, int64_t C, int64_t e) {
  const int64_t o = e / C, c = e % C;
  const int32_t* w = static_cast<const int32_t*>(p.weight) + o * p.K;
  const T* s = src + static_cast<int64_t>(p.start[o]) * C + c;
  int32_t acc = static_cast<const int32_t*>(p.bias)[o];
  for (int64_t t = 0; t < p.K; ++t) acc += w[t] * static_cast<int32_t>(s[t * C]);
  return finish<To, int32_t>(acc, p.bits);
}

// Elements [e0, e1) of R strided rows of a horizontal 8-bit pass, without SIMD.
template <class T, class To = T>
void h8_scalar_rows(const T* src, int64_t ss, To* dst, int64_t ds, int64_t R, const PlanArgs& p,
                    int64_t e0, int64_t e1) {
  for (int64_t r = 0; r < R; ++r, src += ss, dst += ds)
    for (int64_t e = e0; e < e1; ++e) dst[e] = h8_element<T, To>(src, p, p.gC, e);
}

// Horizontal 8-bit pass over R rows at fixed strides (row r: src + r*ss -> dst + r*ds)
// with the group tables (see PlanArgs): the tables of a group are read once and applied
// to all R rows.  NP > 0: the number of tap pairs, known at compile time.
template <class T, bool Split, int NP, class To = T>
void h8_groups_impl(const T* src, int64_t ss, To* dst, int64_t ds, int64_t R,
                    const PlanArgs& p) {
  const int64_t C = p.gC, np = NP > 0 ? NP : p.gnp;
  const int64_t n = p.out_size * C;
  const int64_t ng = n / 8;
  const int64_t WS = Split ? 16 : 8;
  const __m128i sh = _mm_cvtsi32_si128(p.bits);
  const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  auto scalar = [&](int64_t e0, int64_t e1) {
    h8_scalar_rows<T, To>(src, ss, dst, ds, R, p, e0, e1);
  };
  int64_t g = 0;
  for (; g + 2 <= ng; g += 2) {
    const int32_t* gb = p.gbase + 2 * g;
    if (gb[0] < 0 || gb[2] < 0) {
      scalar(8 * g, 8 * g + 16);
      continue;
    }
    const __m256i m0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.gmask + 32 * g));
    const __m256i m1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.gmask + 32 * g + 32));
    const __m256i bias0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.gbias + 8 * g));
    const __m256i bias1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.gbias + 8 * g + 8));
    const int32_t* w0 = p.gw + g * np * WS;
    const int32_t* w1 = w0 + np * WS;
    const int64_t o0 = gb[0], o1 = gb[1], o2 = gb[2], o3 = gb[3];
    const char* s = reinterpret_cast<const char*>(src);
    To* d = dst + 8 * g;
    for (int64_t r = 0; r < R; ++r, s += ss * sizeof(T), d += ds) {
      // lines some groups ahead along each of the R rows (as u8_avx512.cpp: the hardware
      // prefetchers do not follow R rows read a group at a time)
      _mm_prefetch(s + o0 + 384, _MM_HINT_T0);
      _mm_prefetch(s + o0 + 448, _MM_HINT_T0);
      __m256i a0 = _mm256_setzero_si256(), a1 = a0, l0 = a0, l1 = a0;
      for (int64_t j = 0; j < np; ++j) {
        const int64_t off = 2 * C * j;
        __m256i v0 = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(s + o1 + off),
                                          reinterpret_cast<const __m128i*>(s + o0 + off));
        __m256i v1 = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(s + o3 + off),
                                          reinterpret_cast<const __m128i*>(s + o2 + off));
        v0 = fix_sign<T>(_mm256_shuffle_epi8(v0, m0));
        v1 = fix_sign<T>(_mm256_shuffle_epi8(v1, m1));
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(
            v0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w0 + j * WS))));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(
            v1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w1 + j * WS))));
        if constexpr (Split) {
          l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(
              v0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w0 + j * WS + 8))));
          l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(
              v1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w1 + j * WS + 8))));
        }
      }
      if constexpr (Split) {
        a0 = _mm256_add_epi32(_mm256_slli_epi32(a0, 8), l0);
        a1 = _mm256_add_epi32(_mm256_slli_epi32(a1, 8), l1);
      }
      a0 = _mm256_sra_epi32(_mm256_add_epi32(a0, bias0), sh);
      a1 = _mm256_sra_epi32(_mm256_add_epi32(a1, bias1), sh);
      // a0: lane0 e0-3, lane1 e4-7; a1: lane0 e8-11, lane1 e12-15
      const __m256i p16 = _mm256_packs_epi32(a0, a1);  // [e0-3 e8-11 | e4-7 e12-15]
      if constexpr (std::is_same_v<To, int16_t>) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), _mm256_permute4x64_epi64(p16, 0xd8));
        continue;
      }
      __m256i p8;
      if constexpr (std::is_signed_v<T>) p8 = _mm256_packs_epi16(p16, p16);
      else p8 = _mm256_packus_epi16(p16, p16);  // dwords: [e0-3, e8-11, ., . | e4-7, e12-15, ., .]
      p8 = _mm256_permutevar8x32_epi32(p8, perm);   // [e0-3, e4-7, e8-11, e12-15, ...]
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm256_castsi256_si128(p8));
    }
  }
  scalar(8 * g, n);
}

// Horizontal 8-bit pass with the small-weight tables (PlanArgs::sbase): one byte pair
// per output, _mm256_maddubs_epi16 sums both taps exactly in int16 (the tables were only
// built where the reduced weights and bias keep every sum in range), 32 outputs per
// step.  int8 data is offset to unsigned (x ^ 0x80 = x + 128) and the bias corrected by
// -128 * (w0 + w1).
// sbits < 0 (the wide model's first pass, To = int16_t): the weights' common power of two
// is above the shift, the result is (sum << -sbits) + bias, exact modulo 2^16 and in
// range by the model's choice of fractional bits.
template <class T, class To = T>
void h8_small(const T* src, int64_t ss, To* dst, int64_t ds, int64_t R, const PlanArgs& p) {
  constexpr bool is_signed = std::is_signed_v<T>;
  const int64_t C = p.gC;
  const int64_t n = p.out_size * C;
  const int64_t ngs = n / 16;
  const bool left = p.sbits < 0;
  const __m128i sh = _mm_cvtsi32_si128(left ? -p.sbits : p.sbits);
  const __m256i flip = _mm256_set1_epi8(-128);
  auto scalar = [&](int64_t e0, int64_t e1) {
    h8_scalar_rows<T, To>(src, ss, dst, ds, R, p, e0, e1);
  };
  int64_t g = 0;
  for (; g + 2 <= ngs; g += 2) {
    const int32_t* gb = p.sbase + 2 * g;
    if (gb[0] < 0 || gb[2] < 0) {
      scalar(16 * g, 16 * g + 32);
      continue;
    }
    const __m256i m0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.smask + 32 * g));
    const __m256i m1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.smask + 32 * g + 32));
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.sw + 32 * g));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.sw + 32 * g + 32));
    __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.sbias + 16 * g));
    __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.sbias + 16 * g + 16));
    if constexpr (is_signed) {
      __m256i c0 = _mm256_maddubs_epi16(flip, w0), c1 = _mm256_maddubs_epi16(flip, w1);
      if (left) {
        c0 = _mm256_sll_epi16(c0, sh);
        c1 = _mm256_sll_epi16(c1, sh);
      }
      b0 = _mm256_sub_epi16(b0, c0);
      b1 = _mm256_sub_epi16(b1, c1);
    }
    const int64_t o0 = gb[0], o1 = gb[1], o2 = gb[2], o3 = gb[3];
    const char* s = reinterpret_cast<const char*>(src);
    To* d = dst + 16 * g;
    for (int64_t r = 0; r < R; ++r, s += ss * static_cast<int64_t>(sizeof(T)), d += ds) {
      __m256i v0 = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(s + o1),
                                        reinterpret_cast<const __m128i*>(s + o0));
      __m256i v1 = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(s + o3),
                                        reinterpret_cast<const __m128i*>(s + o2));
      if constexpr (is_signed) {
        v0 = _mm256_xor_si256(v0, flip);
        v1 = _mm256_xor_si256(v1, flip);
      }
      __m256i a0 = _mm256_maddubs_epi16(_mm256_shuffle_epi8(v0, m0), w0);
      __m256i a1 = _mm256_maddubs_epi16(_mm256_shuffle_epi8(v1, m1), w1);
      if constexpr (std::is_same_v<To, int16_t>) {
        if (left) {
          a0 = _mm256_add_epi16(_mm256_sll_epi16(a0, sh), b0);
          a1 = _mm256_add_epi16(_mm256_sll_epi16(a1, sh), b1);
        } else {
          a0 = _mm256_sra_epi16(_mm256_add_epi16(a0, b0), sh);
          a1 = _mm256_sra_epi16(_mm256_add_epi16(a1, b1), sh);
        }
        // a0: outputs 0-15 of the pair of groups, a1: 16-31, in order
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), a0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 16), a1);
        continue;
      }
      a0 = _mm256_sra_epi16(_mm256_add_epi16(a0, b0), sh);
      a1 = _mm256_sra_epi16(_mm256_add_epi16(a1, b1), sh);
      // [g lane0 | g+1 lane0 || g lane1 | g+1 lane1] -> outputs in order
      __m256i out = is_signed ? _mm256_packs_epi16(a0, a1) : _mm256_packus_epi16(a0, a1);
      out = _mm256_permute4x64_epi64(out, 0xd8);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), out);
    }
  }
  scalar(16 * g, n);
}

template <class T, class To = T>
void h8_groups(const T* src, int64_t ss, To* dst, int64_t ds, int64_t R, const PlanArgs& p) {
  if (p.sbase != nullptr) return h8_small<T, To>(src, ss, dst, ds, R, p);
  // the AVX-512 VNNI kernel (u8_avx512.cpp) where unpack_plan gave its tables
  if constexpr (std::is_same_v<T, uint8_t> && std::is_same_v<To, uint8_t>) {
    if (p.vbase != nullptr) return u8avx512::h8_rows(src, ss, dst, ds, R, p);
  }
  if (p.gnp == 0) {  // AVX-512 tables alone (another dtype here): the per-pixel kernels
    for (int64_t r = 0; r < R; ++r) {
      const T* s = src + r * ss;
      To* d = dst + r * ds;
      switch (p.gC) {
        case 1: axis_small<T, int32_t, 1, true, To>(s, d, p, 0, p.out_size); break;
        case 2: axis_small<T, int32_t, 2, true, To>(s, d, p, 0, p.out_size); break;
        case 3: h8_avx2<T, 3, To>(s, d, p, 0, p.out_size); break;
        default: h8_avx2<T, 4, To>(s, d, p, 0, p.out_size); break;
      }
    }
    return;
  }
  if (p.wsplit) {
    if (p.gnp == 1) return h8_groups_impl<T, true, 1, To>(src, ss, dst, ds, R, p);
    return h8_groups_impl<T, true, 0, To>(src, ss, dst, ds, R, p);
  }
  if (p.gnp == 1) return h8_groups_impl<T, false, 1, To>(src, ss, dst, ds, R, p);
  if (p.gnp == 2) return h8_groups_impl<T, false, 2, To>(src, ss, dst, ds, R, p);
  return h8_groups_impl<T, false, 0, To>(src, ss, dst, ds, R, p);
}

// Sign bytes (0xff for negative) of 8-bit values, zero for unsigned types: unpacking
// with them widens to int16.
template <class T>
inline __m256i sign8(__m256i v) {
  if constexpr (std::is_signed_v<T>) return _mm256_cmpgt_epi8(_mm256_setzero_si256(), v);
  else return _mm256_setzero_si256();
}

// Vertical combine when the weights are small after removing their common power of two
// (ratios like 2x: 0.25 and 0.75 are 1 and 3 times 2^-2).  Exact: w*x + bias with every
// w, bias divisible by 2^s gives the same (acc >> bits) as the reduced sum >> (bits - s);
// the reduced sum fits int16 (checked), so _mm256_maddubs_epi16 does two taps per byte
// pair without saturating.  int8 data is offset to unsigned (x ^ 0x80 = x + 128) and the
// bias corrected by -128 * sum(w).  Returns false if the weights are not small enough.
template <class T>
bool v8_small(const T* const* rows, const int32_t* w, int64_t K, int32_t bias, int bits, T* dst,
              int64_t n) {
  constexpr int64_t MAXP = 16;
  constexpr bool is_signed = std::is_signed_v<T>;
  if (K < 1 || K > 2 * MAXP || n < 32) return false;
  int s = bits;
  for (int64_t t = 0; t < K; ++t)
    if (w[t] != 0) s = std::min(s, __builtin_ctz(static_cast<unsigned>(w[t])));
  if (bias != 0) s = std::min(s, __builtin_ctz(static_cast<unsigned>(bias)));
  int64_t mag = 0, sum = 0;
  for (int64_t t = 0; t < K; ++t) {
    const int64_t v = w[t] >> s;
    if (v < -128 || v > 127) return false;
    mag += v < 0 ? -v : v;
    sum += v;
  }
  const int64_t b = static_cast<int64_t>(bias >> s) - (is_signed ? 128 * sum : 0);
  if (255 * mag + (b < 0 ? -b : b) > 32767) return false;
  const int sh = bits - s;
  const int64_t np = (K + 1) / 2;
  __m256i wp[MAXP];
  const T* rp[2 * MAXP];
  for (int64_t j = 0; j < np; ++j) {
    const int32_t w0 = w[2 * j] >> s, w1 = 2 * j + 1 < K ? w[2 * j + 1] >> s : 0;
    wp[j] = _mm256_set1_epi16(static_cast<int16_t>((w0 & 0xff) | ((w1 & 0xff) << 8)));
    rp[2 * j] = rows[2 * j];
    rp[2 * j + 1] = 2 * j + 1 < K ? rows[2 * j + 1] : rows[2 * j];
  }
  const __m256i vb = _mm256_set1_epi16(static_cast<int16_t>(b));
  const __m128i vsh = _mm_cvtsi32_si128(sh);
  const __m256i flip = _mm256_set1_epi8(is_signed ? -128 : 0);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i lo = vb, hi = vb;
    for (int64_t j = 0; j < np; ++j) {
      __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rp[2 * j] + i));
      __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rp[2 * j + 1] + i));
      if constexpr (is_signed) {
        x0 = _mm256_xor_si256(x0, flip);
        x1 = _mm256_xor_si256(x1, flip);
      }
      lo = _mm256_add_epi16(lo, _mm256_maddubs_epi16(_mm256_unpacklo_epi8(x0, x1), wp[j]));
      hi = _mm256_add_epi16(hi, _mm256_maddubs_epi16(_mm256_unpackhi_epi8(x0, x1), wp[j]));
    }
    lo = _mm256_sra_epi16(lo, vsh);
    hi = _mm256_sra_epi16(hi, vsh);
    // lo: elements 0-7 | 16-23, hi: 8-15 | 24-31 -> packing restores the order
    const __m256i out = is_signed ? _mm256_packs_epi16(lo, hi) : _mm256_packus_epi16(lo, hi);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), out);
  }
  v8_tail<T>(rows, w, K, bias, bits, dst, i, n);
  return true;
}

// Vertical combine of 8-bit rows with int16 weights; returns false if not applicable.
// 32 bytes per step: byte pairs of two rows are widened to int16 pairs and multiplied
// by the packed weight pair with _mm256_madd_epi16 (exact int32).
template <class T>
bool v8_avx2(const T* const* rows, const int32_t* w, int64_t K, int32_t bias, int bits, T* dst,
             int64_t n) {
  constexpr int64_t MAXP = 64;
  if (K < 1 || K > 2 * MAXP) return false;
  bool fits16 = true;
  for (int64_t t = 0; t < K; ++t) {
    if (w[t] < -(1 << 23) || w[t] >= (1 << 23)) return false;
    fits16 = fits16 && w[t] >= -32768 && w[t] <= 32767;
  }
  // uint8 with AVX-512 VNNI (and the switch on): 4 taps per vpdpbusd (u8_avx512.cpp)
  constexpr bool u8 = std::is_same_v<T, uint8_t>;
  if (!fits16) {
    if constexpr (u8) {
      if (u8_avx512_usable() && u8avx512::v8_rows(rows, w, K, bias, bits, dst, n)) return true;
    }
    return v8_split<T>(rows, w, K, bias, bits, dst, n);
  }
  if (v8_small<T>(rows, w, K, bias, bits, dst, n)) return true;
  if constexpr (u8) {
    if (u8_avx512_usable() && u8avx512::v8_rows(rows, w, K, bias, bits, dst, n)) return true;
  }
  const int64_t np = (K + 1) / 2;
  alignas(32) int32_t wp[MAXP];
  const T* rp[2 * MAXP];
  for (int64_t j = 0; j < np; ++j) {
    const int32_t w0 = w[2 * j], w1 = 2 * j + 1 < K ? w[2 * j + 1] : 0;
    wp[j] = pack_pair(w0, w1);
    rp[2 * j] = rows[2 * j];
    rp[2 * j + 1] = 2 * j + 1 < K ? rows[2 * j + 1] : rows[2 * j];
  }
  const __m128i sh = _mm_cvtsi32_si128(bits);
  const __m256i vb = _mm256_set1_epi32(bias);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i a0 = vb, a1 = vb, a2 = vb, a3 = vb;
    for (int64_t j = 0; j < np; ++j) {
      const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rp[2 * j] + i));
      const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rp[2 * j + 1] + i));
      const __m256i l = _mm256_unpacklo_epi8(x0, x1), h = _mm256_unpackhi_epi8(x0, x1);
      const __m256i sl = sign8<T>(l), shh = sign8<T>(h);
      const __m256i wv = _mm256_set1_epi32(wp[j]);
      // int16 pairs: q0 elements 0-3 | 16-19, q1 4-7 | 20-23, q2 8-11 | 24-27, q3 12-15 | 28-31
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi8(l, sl), wv));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi8(l, sl), wv));
      a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_unpacklo_epi8(h, shh), wv));
      a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_unpackhi_epi8(h, shh), wv));
    }
    a0 = _mm256_sra_epi32(a0, sh);
    a1 = _mm256_sra_epi32(a1, sh);
    a2 = _mm256_sra_epi32(a2, sh);
    a3 = _mm256_sra_epi32(a3, sh);
    const __m256i p01 = _mm256_packs_epi32(a0, a1);  // elements 0-7 | 16-23 (int16)
    const __m256i p23 = _mm256_packs_epi32(a2, a3);  // elements 8-15 | 24-31
    const __m256i out = std::is_signed_v<T> ? _mm256_packs_epi16(p01, p23)
                                          : _mm256_packus_epi16(p01, p23);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), out);
  }
  v8_tail<T>(rows, w, K, bias, bits, dst, i, n);
  return true;
}

// --- Wide model (pixelgrid's own 8-bit resize): int16 intermediate rows -----------------

// Stores 32 int16 held as p01 = elements 0-7 | 16-23 and p23 = 8-15 | 24-31.
inline void store16x32(int16_t* d, __m256i p01, __m256i p23) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), _mm256_permute2x128_si256(p01, p23, 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 16),
                      _mm256_permute2x128_si256(p01, p23, 0x31));
}

// Vertical combine of 8-bit rows into the int16 intermediate: (bias + sum w x) >> bits,
// which fits int16 by the model's choice of fractional bits (so the saturating packs
// never bind).  Weights in int16 (one madd per tap pair) or, below 2^23, split as
// hi * 256 + lo (exact modulo 2^32, as v8_split).  False if not applicable.
template <class T>
bool v8w_avx2(const T* const* rows, const int32_t* w, int64_t K, int32_t bias, int bits,
              int16_t* dst, int64_t n) {
  constexpr int64_t MAXP = 64;
  if (K < 1 || K > 2 * MAXP) return false;
  bool fits16 = true;
  for (int64_t t = 0; t < K; ++t) {
    if (w[t] < -(1 << 23) || w[t] >= (1 << 23)) return false;
    fits16 = fits16 && w[t] >= -32768 && w[t] <= 32767;
  }
  const int64_t np = (K + 1) / 2;
  alignas(32) int32_t wh[MAXP], wl[MAXP];
  const T* rp[2 * MAXP];
  for (int64_t j = 0; j < np; ++j) {
    const int32_t w0 = w[2 * j], w1 = 2 * j + 1 < K ? w[2 * j + 1] : 0;
    if (fits16) {
      wh[j] = pack_pair(w0, w1);
    } else {
      wh[j] = pack_pair(w0 >> 8, w1 >> 8);
      wl[j] = pack_pair(w0 & 255, w1 & 255);
    }
    rp[2 * j] = rows[2 * j];
    rp[2 * j + 1] = 2 * j + 1 < K ? rows[2 * j + 1] : rows[2 * j];
  }
  const __m128i sh = _mm_cvtsi32_si128(bits);
  const __m256i vb = _mm256_set1_epi32(bias);
  int64_t i = 0;
  if (fits16) {
    for (; i + 32 <= n; i += 32) {
      __m256i a0 = vb, a1 = vb, a2 = vb, a3 = vb;
      for (int64_t j = 0; j < np; ++j) {
        const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rp[2 * j] + i));
        const __m256i x1 =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rp[2 * j + 1] + i));
        const __m256i l = _mm256_unpacklo_epi8(x0, x1), h = _mm256_unpackhi_epi8(x0, x1);
        const __m256i sl = sign8<T>(l), shh = sign8<T>(h);
        const __m256i wv = _mm256_set1_epi32(wh[j]);
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi8(l, sl), wv));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi8(l, sl), wv));
        a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_unpacklo_epi8(h, shh), wv));
        a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_unpackhi_epi8(h, shh), wv));
      }
      const __m256i p01 = _mm256_packs_epi32(_mm256_sra_epi32(a0, sh), _mm256_sra_epi32(a1, sh));
      const __m256i p23 = _mm256_packs_epi32(_mm256_sra_epi32(a2, sh), _mm256_sra_epi32(a3, sh));
      store16x32(dst + i, p01, p23);
    }
  } else {
    for (; i + 16 <= n; i += 16) {
      __m256i a0 = _mm256_setzero_si256(), a1 = a0, l0 = vb, l1 = vb;
      for (int64_t j = 0; j < np; ++j) {
        const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rp[2 * j] + i));
        const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rp[2 * j + 1] + i));
        const __m256i u0 = widen16<T>(_mm_unpacklo_epi8(x0, x1));
        const __m256i u1 = widen16<T>(_mm_unpackhi_epi8(x0, x1));
        const __m256i hv = _mm256_set1_epi32(wh[j]), lv = _mm256_set1_epi32(wl[j]);
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(u0, hv));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(u1, hv));
        l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(u0, lv));
        l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(u1, lv));
      }
      a0 = _mm256_sra_epi32(_mm256_add_epi32(_mm256_slli_epi32(a0, 8), l0), sh);
      a1 = _mm256_sra_epi32(_mm256_add_epi32(_mm256_slli_epi32(a1, 8), l1), sh);
      const __m128i lo =
          _mm_packs_epi32(_mm256_castsi256_si128(a0), _mm256_extracti128_si256(a0, 1));
      const __m128i hi =
          _mm_packs_epi32(_mm256_castsi256_si128(a1), _mm256_extracti128_si256(a1, 1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), lo);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 8), hi);
    }
  }
  for (; i < n; ++i) {  // exact modulo 2^32 like the vectors
    uint32_t acc = static_cast<uint32_t>(bias);
    for (int64_t t = 0; t < K; ++t)
      acc += static_cast<uint32_t>(w[t]) * static_cast<uint32_t>(static_cast<int32_t>(rows[t][i]));
    dst[i] = finish<int16_t, int32_t>(static_cast<int32_t>(acc), bits);
  }
  return true;
}

// Vertical combine of int16 intermediate rows into 8-bit output (the model's last pass),
// int16 weights only (else false: the caller's scalar loop).  16 elements per madd pair.
template <class To>
bool v16_avx2(const int16_t* const* rows, const int32_t* w, int64_t K, int32_t bias, int bits,
              To* dst, int64_t n) {
  constexpr int64_t MAXP = 64;
  if (K < 1 || K > 2 * MAXP) return false;
  for (int64_t t = 0; t < K; ++t)
    if (w[t] < -32768 || w[t] > 32767) return false;
  const int64_t np = (K + 1) / 2;
  alignas(32) int32_t wp[MAXP];
  const int16_t* rp[2 * MAXP];
  for (int64_t j = 0; j < np; ++j) {
    wp[j] = pack_pair(w[2 * j], 2 * j + 1 < K ? w[2 * j + 1] : 0);
    rp[2 * j] = rows[2 * j];
    rp[2 * j + 1] = 2 * j + 1 < K ? rows[2 * j + 1] : rows[2 * j];
  }
  const __m128i sh = _mm_cvtsi32_si128(bits);
  const __m256i vb = _mm256_set1_epi32(bias);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i a0 = vb, a1 = vb, a2 = vb, a3 = vb;
    for (int64_t j = 0; j < np; ++j) {
      const int16_t* r0 = rp[2 * j] + i;
      const int16_t* r1 = rp[2 * j + 1] + i;
      const __m256i wv = _mm256_set1_epi32(wp[j]);
      const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0));
      const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r1));
      const __m256i y0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0 + 16));
      const __m256i y1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r1 + 16));
      // unpacklo: elements 0-3 | 8-11, unpackhi: 4-7 | 12-15
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), wv));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), wv));
      a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_unpacklo_epi16(y0, y1), wv));
      a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_unpackhi_epi16(y0, y1), wv));
    }
    // packs restores the order within lanes: p0 = 0-7 | 8-15, p1 = 16-23 | 24-31
    const __m256i p0 = _mm256_packs_epi32(_mm256_sra_epi32(a0, sh), _mm256_sra_epi32(a1, sh));
    const __m256i p1 = _mm256_packs_epi32(_mm256_sra_epi32(a2, sh), _mm256_sra_epi32(a3, sh));
    __m256i out = std::is_signed_v<To> ? _mm256_packs_epi16(p0, p1) : _mm256_packus_epi16(p0, p1);
    out = _mm256_permute4x64_epi64(out, 0xd8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), out);
  }
  for (; i < n; ++i) {
    int32_t acc = bias;
    for (int64_t t = 0; t < K; ++t) acc += w[t] * static_cast<int32_t>(rows[t][i]);
    dst[i] = finish<To, int32_t>(acc, bits);
  }
  return true;
}

// Horizontal pass of the int16 intermediate into 8-bit output, CC = 3 or 4 channels
// interleaved, contiguous windows, weights from p.wq (int16 pairs, or split): per output
// pixel and group of 4 taps, the low lane loads the 8 int16 of taps (0, 1), the high lane
// those of taps (2, 3); a shuffle makes int16 pairs (tap t, tap t+1) per channel.
template <class To, int CC>
void h16_avx2(const int16_t* src, To* dst, const PlanArgs& p, int64_t o0, int64_t o1) {
  const int64_t Lb = p.in_size * CC;
  const int32_t* bias = static_cast<const int32_t*>(p.bias);
  const __m128i sh = _mm_cvtsi32_si128(p.bits);
  const int64_t nq = p.nq;
  const __m256i m = CC == 3
      ? _mm256_setr_epi8(0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11, -1, -1, -1, -1,
                         0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11, -1, -1, -1, -1)
      : _mm256_setr_epi8(0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15,
                         0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15);
  const int64_t WS = p.wsplit ? 16 : 8;
  for (int64_t o = o0; o < o1; ++o) {
    const int64_t b = static_cast<int64_t>(p.start[o]) * CC;
    if (b + (4 * (nq - 1) + 2) * CC + 8 > Lb) {
      axis_small<int16_t, int32_t, CC, true, To>(src, dst, p, o, o + 1);
      continue;
    }
    const int32_t* wq = p.wq + o * nq * WS;
    __m256i acc = _mm256_setzero_si256(), acl = acc;
    for (int64_t q = 0; q < nq; ++q) {
      const int16_t* s = src + b + 4 * q * CC;
      __m256i v = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(s + 2 * CC),
                                       reinterpret_cast<const __m128i*>(s));
      v = _mm256_shuffle_epi8(v, m);
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(
          v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wq + q * WS))));
      if (p.wsplit)
        acl = _mm256_add_epi32(acl, _mm256_madd_epi16(
            v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wq + q * WS + 8))));
    }
    if (p.wsplit) acc = _mm256_add_epi32(_mm256_slli_epi32(acc, 8), acl);
    __m128i a = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    a = _mm_sra_epi32(_mm_add_epi32(a, _mm_set1_epi32(bias[o])), sh);
    const __m128i v16 = _mm_packs_epi32(a, a);
    const uint32_t v = static_cast<uint32_t>(_mm_cvtsi128_si32(pack8<To>(v16, v16)));
    store_px<CC>(dst + o * CC, v, o + 1 < o1);
  }
}
