// libcu++ templates for tests/test_*templates_real.py: cuda::std::min/max and complex.
#pragma once
#include <cuda/std/__algorithm/max.h>
#include <cuda/std/__algorithm/min.h>
#include <cuda/std/complex>
