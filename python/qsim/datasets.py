"""Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package.

The package installs the four IDX files of the original distribution,
gzipped, under ``/usr/share/datasets/fashion-mnist``::

    train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz   (60,000)
    t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz    (10,000)

:func:`load_fashion_mnist` returns what every qsim model takes (see
docs/Zoo.md): images as float32 ``N x 1 x 28 x 28`` raw pixels scaled to
``[0, 1]`` (``x / 255``, exact in float32 for the 256 byte values) and the
labels as int64 in ``0..9``.  The directory is ``$QSIM_FASHION_MNIST_DIR``
when set; files may be gzipped (``.gz``) or plain.

:func:`read_idx` reads one IDX file and checks it: the magic number (two
zero bytes, the element type 0x08 = unsigned byte, the number of
dimensions), the dimensions against the expected ones, and that the data
holds exactly ``prod(dims)`` bytes (truncated files and trailing bytes are
errors, as is a truncated or corrupt gzip stream).  Every problem raises
:class:`DatasetError` naming the file.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path
from typing import Optional, Sequence, Tuple, Union

import numpy as np

__all__ = [
    "DEFAULT_DIR",
    "CLASS_NAMES",
    "SPLITS",
    "DatasetError",
    "dataset_dir",
    "read_idx",
    "load_fashion_mnist",
]

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

#: split -> (file prefix, number of examples)
SPLITS = {"train": ("train", 60000), "test": ("t10k", 10000)}

_IDX_TYPES = {0x08: np.dtype(np.uint8)}  # the only type the data set uses

PathLike = Union[str, os.PathLike]


class DatasetError(ValueError):
    """A data set file is missing, truncated or not what it should be."""


def dataset_dir(root: Optional[PathLike] = None) -> Path:
    """``root``, else ``$QSIM_FASHION_MNIST_DIR``, else :data:`DEFAULT_DIR`."""
    if root is not None:
        return Path(root)
    env = os.environ.get("QSIM_FASHION_MNIST_DIR")
    return Path(env) if env else DEFAULT_DIR


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except EOFError as e:
        raise DatasetError(f"{path}: truncated gzip stream ({e})") from e
    except (gzip.BadGzipFile, zlib.error) as e:
        raise DatasetError(f"{path}: not a valid gzip file ({e})") from e
    except OSError as e:
        raise DatasetError(f"{path}: cannot read: {e}") from e


def read_idx(path: PathLike, expected_dims: Optional[Sequence[Optional[int]]] = None
             ) -> np.ndarray:
    """Reads an IDX file (``.gz`` or plain) of unsigned bytes.

    ``expected_dims``, if given, is the expected shape: its length is the
    expected number of dimensions and each entry an expected size (``None``
    accepts any).  Returns a uint8 array of the file's shape.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise DatasetError(f"{path}: {len(data)} bytes, too short for an IDX "
                           f"header (4-byte magic number)")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    magic = data[:4].hex()
    if zero != 0:
        raise DatasetError(f"{path}: bad magic number 0x{magic}: an IDX file "
                           f"starts with two zero bytes")
    if dtype_code not in _IDX_TYPES:
        raise DatasetError(f"{path}: bad magic number 0x{magic}: element type "
                           f"0x{dtype_code:02x} is not supported (expected 0x08, "
                           f"unsigned byte)")
    if expected_dims is not None and ndim != len(expected_dims):
        raise DatasetError(f"{path}: bad magic number 0x{magic}: {ndim} "
                           f"dimensions, expected {len(expected_dims)}")
    if ndim == 0:
        raise DatasetError(f"{path}: bad magic number 0x{magic}: 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{path}: truncated header: {len(data)} bytes, "
                           f"{ndim} dimensions need {header}")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    if expected_dims is not None:
        for i, (got, want) in enumerate(zip(dims, expected_dims)):
            if want is not None and got != want:
                raise DatasetError(f"{path}: dimension {i} is {got}, expected "
                                   f"{want} (dimensions {list(dims)})")
    dtype = _IDX_TYPES[dtype_code]
    count = int(np.prod(dims, dtype=np.int64))
    need = count * dtype.itemsize
    have = len(data) - header
    if have < need:
        raise DatasetError(f"{path}: truncated: dimensions {list(dims)} need "
                           f"{need} data bytes, the file has {have}")
    if have > need:
        raise DatasetError(f"{path}: {have - need} trailing bytes after the "
                           f"{need} data bytes of dimensions {list(dims)}")
    return np.frombuffer(data, dtype=dtype, count=count,
                         offset=header).reshape(dims)


def _find(root: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem):
        p = root / name
        if p.is_file():
            return p
    raise DatasetError(
        f"{root / stem}[.gz] not found; install Debian's dataset-fashion-mnist "
        f"(apt-get install dataset-fashion-mnist) or set QSIM_FASHION_MNIST_DIR")


def load_fashion_mnist(split: str = "test", root: Optional[PathLike] = None,
                       limit: Optional[int] = None
                       ) -> Tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` of the ``'train'`` or ``'test'`` split.

    images: float32 ``N x 1 x 28 x 28`` in ``[0, 1]`` (byte / 255);
    labels: int64 ``N`` in ``0..9``.  ``limit`` keeps the first ``limit``
    examples (the files are always read and checked whole).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {sorted(SPLITS)}, not {split!r}")
    prefix, n = SPLITS[split]
    d = dataset_dir(root)
    img_path = _find(d, f"{prefix}-images-idx3-ubyte")
    lbl_path = _find(d, f"{prefix}-labels-idx1-ubyte")
    images = read_idx(img_path, (n, 28, 28))
    labels = read_idx(lbl_path, (n,))
    if labels.max(initial=0) > 9:
        bad = int(np.argmax(labels > 9))
        raise DatasetError(f"{lbl_path}: label {int(labels[bad])} at index {bad} "
                           f"is out of range 0..9")
    if limit is not None:
        if limit < 0:
            raise ValueError(f"limit must be >= 0, not {limit}")
        images, labels = images[:limit], labels[:limit]
    x = (images.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    return x, labels.astype(np.int64)
