"""Deploying a model: ``qsim compile`` (compile.py) makes a shared library
with the C ABI of ``qsim_model.h`` (docs/Deploy.md); :func:`load`
(library.py) calls one from Python."""

from .compile import CompileError, compile_model  # noqa: F401
from .library import (LibraryError, ModelInputError, keep_freed_heap_memory,  # noqa: F401
                      load)

__all__ = ["CompileError", "LibraryError", "ModelInputError", "compile_model",
           "keep_freed_heap_memory", "load"]
