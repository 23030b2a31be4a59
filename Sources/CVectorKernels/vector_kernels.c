// Int8 dot products for the vector index (QuantizedVectors). Swift compiles for the x86-64
// baseline, where widening int8 products vectorize poorly (about 100 ns for 384 values here);
// with AVX2, sixteen values a step through vpmaddwd take about 25 ns. The AVX2 path is chosen
// at run time, so the binary still runs on processors without it (decision 0024).
#include "vector_kernels.h"

int32_t mediagw_dot_i8_plain(const int8_t *a, const int8_t *b, size_t count) {
    int32_t sum = 0;
    for (size_t i = 0; i < count; i++) sum += (int32_t)a[i] * (int32_t)b[i];
    return sum;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2"))) static int32_t dot_avx2(const int8_t *a, const int8_t *b, size_t count) {
    __m256i total = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(a + i)));
        __m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + i)));
        // Pairs of 16-bit products summed into 32-bit lanes: exact for int8 inputs.
        total = _mm256_add_epi32(total, _mm256_madd_epi16(x, y));
    }
    __m128i half = _mm_add_epi32(_mm256_castsi256_si128(total), _mm256_extracti128_si256(total, 1));
    half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4E));
    half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0xB1));
    int32_t sum = _mm_cvtsi128_si32(half);
    for (; i < count; i++) sum += (int32_t)a[i] * (int32_t)b[i];
    return sum;
}

// -1 until the first call asks the processor; every thread computes the same answer.
static int avx2 = -1;

int mediagw_dot_i8_uses_avx2(void) {
    int known = __atomic_load_n(&avx2, __ATOMIC_RELAXED);
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&avx2, known, __ATOMIC_RELAXED);
    }
    return known;
}

int32_t mediagw_dot_i8(const int8_t *a, const int8_t *b, size_t count) {
    return mediagw_dot_i8_uses_avx2() ? dot_avx2(a, b, count) : mediagw_dot_i8_plain(a, b, count);
}
#else
int mediagw_dot_i8_uses_avx2(void) { return 0; }

int32_t mediagw_dot_i8(const int8_t *a, const int8_t *b, size_t count) {
    return mediagw_dot_i8_plain(a, b, count);
}
#endif
