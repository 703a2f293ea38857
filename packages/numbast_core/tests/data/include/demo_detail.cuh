// Included by demo.cuh; its declarations are not bound unless listed in File List.
#pragma once
__device__ int demo_detail_version();
