// CBLAS from OpenBLAS (Debian: libopenblas-dev), used by the sentence-embedding encoder.
#include <cblas.h>
