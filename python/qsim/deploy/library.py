"""``qsim.load``: a library made by ``qsim compile``, called from Python.

The library is opened with ctypes; its shapes and element types come from
the library itself (``qsim_model.h``), so a model is called as
``y = m(x)`` (several outputs: a tuple) with numpy arrays, and an input of
the wrong count, shape or dtype is a :class:`ModelInputError` naming it.
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Optional, Tuple, Union

import numpy as np

__all__ = ["ABI_VERSION", "CompiledLibrary", "LibraryError", "ModelInputError",
           "keep_freed_heap_memory", "load"]

#: QSIM_MODEL_ABI_VERSION of qsim_model.h.
ABI_VERSION = 2

#: enum qsim_dtype -> numpy dtype.
_DTYPES = {1: np.float32, 2: np.float64, 3: np.int8, 4: np.uint8, 5: np.int16,
           6: np.int32, 7: np.int64, 8: np.bool_}

_STATUS = {1: "QSIM_ERROR_NULL_POINTER", 2: "QSIM_ERROR_RESULT_SHAPE"}


class LibraryError(RuntimeError):
    """The library cannot be loaded, is not a qsim model or its run failed."""


class ModelInputError(ValueError):
    """The arrays passed do not match the model's inputs."""


def _shape_str(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


class CompiledLibrary:
    """A loaded model library. ``inputs`` and ``outputs`` are lists of
    ``(shape, numpy dtype)``; ``version`` is ``qsim_model_version()``;
    ``compiled_threads`` is ``qsim_model_compiled_threads()`` (0: the team
    size is chosen at run time, :meth:`set_num_threads`)."""

    def __init__(self, path: Union[str, Path]):
        self.path = Path(path)
        if not self.path.is_file():
            raise LibraryError(f"cannot open '{self.path}': no such file")
        try:
            lib = ctypes.CDLL(str(self.path.resolve()))
        except OSError as e:
            raise LibraryError(f"cannot load '{self.path}': {e}") from e
        try:
            abi = lib.qsim_model_abi_version
        except AttributeError:
            raise LibraryError(f"'{self.path}' is not a library made by qsim compile "
                               f"(it has no qsim_model_abi_version)") from None
        abi.restype = ctypes.c_int
        if abi() != ABI_VERSION:
            raise LibraryError(f"'{self.path}' has C ABI version {abi()}; this qsim "
                               f"reads version {ABI_VERSION}")
        self._lib = lib
        lib.qsim_model_version.restype = ctypes.c_char_p
        lib.qsim_model_run.restype = ctypes.c_int
        lib.qsim_model_run.argtypes = [ctypes.POINTER(ctypes.c_void_p)] * 2
        lib.qsim_model_set_num_threads.argtypes = [ctypes.c_int]
        lib.qsim_model_set_num_threads.restype = ctypes.c_int
        self.version = lib.qsim_model_version().decode()
        self.compiled_threads = int(lib.qsim_model_compiled_threads())
        self.inputs = self._specs("input", lib.qsim_model_num_inputs())
        self.outputs = self._specs("output", lib.qsim_model_num_outputs())

    def _specs(self, kind: str, count: int):
        rank = getattr(self._lib, f"qsim_model_{kind}_rank")
        shape = getattr(self._lib, f"qsim_model_{kind}_shape")
        dtype = getattr(self._lib, f"qsim_model_{kind}_dtype")
        shape.restype = ctypes.POINTER(ctypes.c_int64)
        out = []
        for i in range(count):
            r = rank(i)
            dims = shape(i)
            code = dtype(i)
            if code not in _DTYPES:
                raise LibraryError(f"'{self.path}': {kind} #{i} has unknown element "
                                   f"type code {code}")
            out.append((tuple(int(dims[d]) for d in range(r)), np.dtype(_DTYPES[code])))
        return out

    def set_num_threads(self, n: int) -> None:
        """Runs the following calls on ``n`` threads (process-wide: the OpenMP
        runtime's team size); only for a library compiled with threads 0 (or
        ``n`` equal to its fixed count). The results are the same bits."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{self.path.name}: the thread count must be an int of at "
                             f"least 1, got {n!r}")
        if self._lib.qsim_model_set_num_threads(n) != 0:
            fixed = ("no parallel loops (compiled with threads 1, or every loop is too "
                     "small for threads)" if self.compiled_threads == 1 else
                     f"a fixed team of {self.compiled_threads}" if self.compiled_threads > 1
                     else "a fixed team")
            raise LibraryError(f"{self.path.name}: cannot run on {n} threads: the library "
                               f"has {fixed}; compile it with qsim compile --threads 0")

    def __call__(self, *arrays) -> Union[np.ndarray, Tuple[np.ndarray, ...]]:
        if len(arrays) != len(self.inputs):
            raise ModelInputError(
                f"{self.path.name}: the model takes {len(self.inputs)} input(s) "
                f"{', '.join(_shape_str(s) + ' ' + str(d) for s, d in self.inputs)}, "
                f"got {len(arrays)}")
        held = []
        for i, (a, (shape, dtype)) in enumerate(zip(arrays, self.inputs)):
            if not isinstance(a, np.ndarray):
                raise ModelInputError(f"{self.path.name}: input #{i} is a "
                                      f"{type(a).__name__}, not a numpy array")
            if a.dtype != dtype:
                raise ModelInputError(
                    f"{self.path.name}: input #{i} has dtype {a.dtype}, the model "
                    f"expects {dtype} (shape {_shape_str(shape)})")
            if a.shape != shape:
                raise ModelInputError(
                    f"{self.path.name}: input #{i} has shape {_shape_str(a.shape)}, "
                    f"the model expects {_shape_str(shape)} ({dtype})")
            held.append(np.ascontiguousarray(a))
        results = [np.empty(shape, dtype) for shape, dtype in self.outputs]
        ins = (ctypes.c_void_p * max(len(held), 1))(*[h.ctypes.data for h in held])
        outs = (ctypes.c_void_p * max(len(results), 1))(*[r.ctypes.data for r in results])
        status = self._lib.qsim_model_run(ins, outs)
        if status != 0:
            raise LibraryError(f"{self.path.name}: qsim_model_run returned {status} "
                               f"({_STATUS.get(status, 'unknown status')})")
        return results[0] if len(results) == 1 else tuple(results)


def keep_freed_heap_memory() -> bool:
    """Makes glibc keep freed memory for the next call, as qsim-run does at
    start-up (qsim::runtime::keepFreedHeapMemory): the compiled code mallocs
    its intermediate buffers on every call and frees them, and by default
    glibc returns buffers above 128 KiB to the OS, so every call page-faults
    on all of its intermediate memory (about half the time of a small CNN).
    Process-wide, hence not done by :func:`load`. Returns False where the C
    library is not glibc (nothing is changed)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
    # 32 MiB is glibc's largest mmap threshold on 64-bit targets.
    return bool(mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(M_TRIM_THRESHOLD, 1 << 30))


def load(path: Union[str, Path], threads: Optional[int] = None) -> CompiledLibrary:
    """Loads a library made by ``qsim compile``: ``m = qsim.load(p); y = m(x)``;
    ``threads``: :meth:`CompiledLibrary.set_num_threads` (default: the OpenMP
    runtime's, OMP_NUM_THREADS or every core)."""
    lib = CompiledLibrary(path)
    if threads is not None:
        lib.set_num_threads(threads)
    return lib
