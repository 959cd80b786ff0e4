"""Deploying a model: ``qsim compile`` (compile.py) makes a shared library
with the C ABI of ``qsim_model.h`` (docs/Deploy.md); :func:`load`
(library.py) calls one from Python."""

from .compile import CompileError, compile_model  # noqa: F401
from .library import LibraryError, ModelInputError, load  # noqa: F401

__all__ = ["CompileError", "LibraryError", "ModelInputError", "compile_model", "load"]
