"""qsim: Python side of qsim-mlir.

* :mod:`qsim.numerics` -- numpy reference of the integer semantics
  (``include/qsim/Numerics/Numerics.h``).
* :mod:`qsim.tools` -- running ``qsim-opt`` and reading its output.
* :func:`qsim.load` -- a library made by ``qsim compile``, as a callable
  (:mod:`qsim.deploy`).
"""

from . import numerics, tools  # noqa: F401
from .numerics import RoundingMode  # noqa: F401

__all__ = ["numerics", "tools", "RoundingMode", "load"]
__version__ = "0.1.0"


def load(path, threads=None):
    """Loads a library made by ``qsim compile``: ``m = qsim.load(path)``,
    then ``y = m(x)`` with numpy arrays (qsim.deploy.library); ``threads``:
    the team size of a library compiled with threads 0."""
    from .deploy.library import load as _load
    return _load(path, threads)
