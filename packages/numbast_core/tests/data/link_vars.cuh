#pragma once
// tests/test_link_variables.py and tests_mlir/test_mlir_link_variables.py
__device__ int lv_state_d = 7;  // read by the host through the loaded module only
__device__ inline int lv_one() { return 1; }
