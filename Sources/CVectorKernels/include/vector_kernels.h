#ifndef MEDIAGW_VECTOR_KERNELS_H
#define MEDIAGW_VECTOR_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The sum of a[i]·b[i] over `count` int8 values, accumulated in 32 bits. Uses AVX2 when the
/// processor has it (checked once, at run time), a plain loop otherwise; both give the same
/// integer.
int32_t mediagw_dot_i8(const int8_t *a, const int8_t *b, size_t count);

/// 1 when mediagw_dot_i8 uses AVX2 on this processor, else 0.
int mediagw_dot_i8_uses_avx2(void);

/// The plain loop alone, for tests that compare the two.
int32_t mediagw_dot_i8_plain(const int8_t *a, const int8_t *b, size_t count);

#endif
