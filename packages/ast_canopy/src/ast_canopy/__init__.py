"""ast_canopy: CUDA C++ header introspection over libclang."""

__version__ = "0.1.0"
