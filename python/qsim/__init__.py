"""qsim: Python side of qsim-mlir.

* :mod:`qsim.numerics` -- numpy reference of the integer semantics
  (``include/qsim/Numerics/Numerics.h``).
* :mod:`qsim.tools` -- running ``qsim-opt`` and reading its output.
"""

from . import numerics, tools  # noqa: F401
from .numerics import RoundingMode  # noqa: F401

__all__ = ["numerics", "tools", "RoundingMode"]
__version__ = "0.1.0"
