"""Fashion-MNIST reader: the real files of dataset-fashion-mnist, and
corrupted copies (bad magic, wrong sizes, truncation, trailing bytes, broken
gzip) that must fail with a clear DatasetError."""

import gzip
import struct

import numpy as np
import pytest

from qsim import datasets as ds

REAL = ds.dataset_dir()
needs_real = pytest.mark.skipif(
    not (REAL / "t10k-labels-idx1-ubyte.gz").is_file(),
    reason=f"Fashion-MNIST not installed in {REAL} (dataset-fashion-mnist)")


# ---------------------------------------------------------------------------
# The real files
# ---------------------------------------------------------------------------


@needs_real
def test_test_split():
    x, y = ds.load_fashion_mnist("test")
    assert x.shape == (10000, 1, 28, 28) and x.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    assert np.all(np.bincount(y) == 1000)  # the test split is balanced
    # First labels of t10k-labels (bytes 8.. of the file): 9 2 1 1 6 1 4 6.
    assert y[:8].tolist() == [9, 2, 1, 1, 6, 1, 4, 6]


@needs_real
def test_train_split():
    x, y = ds.load_fashion_mnist("train")
    assert x.shape == (60000, 1, 28, 28)
    assert y.shape == (60000,)
    assert np.all(np.bincount(y) == 6000)
    assert y[:8].tolist() == [9, 0, 0, 3, 0, 2, 7, 2]


@needs_real
def test_pixels_are_bytes_over_255():
    raw = ds.read_idx(REAL / "t10k-images-idx3-ubyte.gz", (10000, 28, 28))
    with gzip.open(REAL / "t10k-images-idx3-ubyte.gz", "rb") as f:
        head = f.read(16 + 28 * 28)
    assert head[:16] == bytes.fromhex("00000803" "00002710" "0000001c" "0000001c")
    assert raw[0].tobytes() == head[16:]
    x, _ = ds.load_fashion_mnist("test", limit=3)
    assert x.shape == (3, 1, 28, 28)
    np.testing.assert_array_equal(x[0, 0], raw[0].astype(np.float32) / np.float32(255))


def test_bad_split_and_limit():
    with pytest.raises(ValueError, match="split"):
        ds.load_fashion_mnist("validation")


# ---------------------------------------------------------------------------
# Corrupted copies
# ---------------------------------------------------------------------------


def _idx(dims, data=None, dtype_code=0x08, zero=0):
    n = int(np.prod(dims))
    if data is None:
        data = (np.arange(n) % 10).astype(np.uint8).tobytes()
    return (struct.pack(">HBB", zero, dtype_code, len(dims))
            + struct.pack(f">{len(dims)}I", *dims) + data)


def _write_set(tmp_path, n=5, images=None, labels=None, gz=True):
    """A small 'test' split in tmp_path (with SPLITS patched by the caller)."""
    images = _idx((n, 28, 28)) if images is None else images
    labels = _idx((n,)) if labels is None else labels
    for stem, blob in (("t10k-images-idx3-ubyte", images),
                       ("t10k-labels-idx1-ubyte", labels)):
        if gz:
            with gzip.open(tmp_path / (stem + ".gz"), "wb") as f:
                f.write(blob)
        else:
            (tmp_path / stem).write_bytes(blob)


@pytest.fixture
def small_split(monkeypatch):
    monkeypatch.setitem(ds.SPLITS, "test", ("t10k", 5))


@pytest.mark.parametrize("gz", [True, False])
def test_small_copy_loads(tmp_path, small_split, gz):
    _write_set(tmp_path, gz=gz)
    x, y = ds.load_fashion_mnist("test", root=tmp_path)
    assert x.shape == (5, 1, 28, 28)
    assert y.tolist() == [0, 1, 2, 3, 4]
    want = np.arange(3, dtype=np.float32) / np.float32(255)
    np.testing.assert_array_equal(x[0, 0, 0, :3], want)


def test_env_override(tmp_path, small_split, monkeypatch):
    _write_set(tmp_path)
    monkeypatch.setenv("QSIM_FASHION_MNIST_DIR", str(tmp_path))
    assert ds.dataset_dir() == tmp_path
    assert ds.load_fashion_mnist("test")[0].shape == (5, 1, 28, 28)


def test_missing_file(tmp_path):
    with pytest.raises(ds.DatasetError, match=r"t10k-images-idx3-ubyte\[\.gz\] not found"):
        ds.load_fashion_mnist("test", root=tmp_path)


@pytest.mark.parametrize("blob, message", [
    (b"\x00\x00", "too short for an IDX header"),
    (_idx((5,), zero=1), "two zero bytes"),
    (_idx((5,), dtype_code=0x0D), "element type 0x0d is not supported"),
    (_idx((5, 1)), "2 dimensions, expected 1"),
    (_idx((5,))[:6], "truncated header"),
    (_idx((6,)), "dimension 0 is 6, expected 5"),
    (_idx((5,))[:-1], "truncated: dimensions \\[5\\] need 5 data bytes, the file has 4"),
    (_idx((5,)) + b"\x00\x00", "2 trailing bytes"),
])
def test_corrupt_labels(tmp_path, small_split, blob, message):
    _write_set(tmp_path, labels=blob)
    with pytest.raises(ds.DatasetError, match=message) as e:
        ds.load_fashion_mnist("test", root=tmp_path)
    assert "t10k-labels-idx1-ubyte.gz" in str(e.value)


def test_corrupt_images(tmp_path, small_split):
    _write_set(tmp_path, images=_idx((5, 28, 27)))
    with pytest.raises(ds.DatasetError, match="dimension 2 is 27, expected 28"):
        ds.load_fashion_mnist("test", root=tmp_path)
    _write_set(tmp_path, images=_idx((5, 28, 28))[:-100])
    with pytest.raises(ds.DatasetError, match="truncated: .* need 3920 data bytes, the file has 3820"):
        ds.load_fashion_mnist("test", root=tmp_path)


def test_label_out_of_range(tmp_path, small_split):
    _write_set(tmp_path, labels=_idx((5,), data=bytes([0, 1, 12, 3, 4])))
    with pytest.raises(ds.DatasetError, match="label 12 at index 2 is out of range"):
        ds.load_fashion_mnist("test", root=tmp_path)


def test_truncated_gzip(tmp_path, small_split):
    _write_set(tmp_path)
    p = tmp_path / "t10k-images-idx3-ubyte.gz"
    p.write_bytes(p.read_bytes()[:-20])
    with pytest.raises(ds.DatasetError, match="truncated gzip stream"):
        ds.load_fashion_mnist("test", root=tmp_path)


def test_not_gzip(tmp_path, small_split):
    _write_set(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"this is not gzip data")
    with pytest.raises(ds.DatasetError, match="not a valid gzip file"):
        ds.load_fashion_mnist("test", root=tmp_path)
