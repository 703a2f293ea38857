"""numbast_core: config -> plan -> Python text for Numba-CUDA bindings of CUDA C++ headers."""

__version__ = "0.1.0"
