"""Realistic inputs of the real-model set (numpy only).

Shared by the exporters (system Python with torch: BatchNorm statistics and
the range check), benchmarks/real_models.py and python/tests/test_real_models.py
(the venv: qsim against onnxruntime), so all of them see the same images.

Images: Fashion-MNIST pictures (Debian's dataset-fashion-mnist, read by
python/qsim/datasets.py) resized 28 -> 224 with bilinear interpolation (as
torch's ``interpolate(mode='bilinear', align_corners=False)``), coloured (a
random foreground and background colour per image, blended by the pixel
value, plus a gentle brightness ramp, so the three channels differ and are
correlated as in photographs) and normalized with the ImageNet mean and
standard deviation, as torchvision's models expect.  The colours come from a
seeded generator: the same (split, indices, seed) give the same bytes.

Sentences: a fixed list of real English sentences for the sentence encoder
(tokenized by the venv's ``tokenizers`` with the model's own tokenizer.json).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "python") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "python"))

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)
IMAGE_SIZE = 224

SENTENCES = (
    "A man is playing a guitar on the stage.",
    "The new movie is awesome and the actors were brilliant.",
    "Stock markets fell sharply after the central bank raised interest rates.",
    "She bought a red dress and a pair of leather boots for the winter.",
    "How do I reset my password if I no longer have access to my email?",
    "The quick brown fox jumps over the lazy dog.",
    "Heavy rain is expected across the northern regions this weekend, with "
    "local flooding possible near rivers.",
    "Photosynthesis converts light energy into chemical energy stored in sugars.",
    "Our team will release the next version of the compiler in March.",
    "A child is riding a bicycle down a quiet street lined with trees.",
    "The restaurant was crowded, but the food was worth the wait.",
    "Quantized neural networks run faster on small devices with little memory.",
    "He forgot his umbrella at the train station again.",
    "What is the capital city of Australia?",
    "The museum's new exhibition covers three centuries of European painting, "
    "from the Baroque to early modernism, and runs until the end of the year.",
    "Two dogs are chasing a ball across the park.",
)


def _resize_matrix(src: int, dst: int) -> np.ndarray:
    """``dst x src`` bilinear interpolation weights, half-pixel centres
    (align_corners=False), edges clamped."""
    m = np.zeros((dst, src), np.float64)
    pos = (np.arange(dst) + 0.5) * (src / dst) - 0.5
    pos = np.clip(pos, 0.0, src - 1)
    i0 = np.floor(pos).astype(int)
    i1 = np.minimum(i0 + 1, src - 1)
    w = pos - i0
    m[np.arange(dst), i0] += 1.0 - w
    m[np.arange(dst), i1] += w
    return m


def colour_images(gray: np.ndarray, seed: int, size: int = IMAGE_SIZE) -> np.ndarray:
    """``N x 1 x h x w`` grey images in [0, 1] -> ``N x 3 x size x size``
    float32 normalized RGB (see the module docstring)."""
    n, _, h, w = gray.shape
    rh, rw = _resize_matrix(h, size), _resize_matrix(w, size)
    big = rh @ gray[:, 0].astype(np.float64) @ rw.T
    rng = np.random.default_rng(seed)
    fg = rng.uniform(0.15, 1.0, (n, 3, 1, 1))
    bg = rng.uniform(0.0, 0.6, (n, 3, 1, 1))
    # A brightness ramp in a random direction, +-15 %.
    ang = rng.uniform(0, 2 * np.pi, n)
    yy, xx = np.meshgrid(np.linspace(-1, 1, size), np.linspace(-1, 1, size), indexing="ij")
    ramp = 1.0 + 0.15 * (np.cos(ang)[:, None, None] * xx + np.sin(ang)[:, None, None] * yy)
    p = big[:, None]
    rgb = np.clip((bg * (1.0 - p) + fg * p) * ramp[:, None], 0.0, 1.0)
    out = (rgb.astype(np.float32) - IMAGENET_MEAN[None, :, None, None]) \
        / IMAGENET_STD[None, :, None, None]
    return np.ascontiguousarray(out, np.float32)


def images(split: str, indices: Sequence[int], seed: int) -> np.ndarray:
    """Coloured 224 x 224 images of Fashion-MNIST ``split`` at ``indices``."""
    from qsim import datasets

    x, _ = datasets.load_fashion_mnist(split)
    return colour_images(x[np.asarray(indices)], seed)


def eval_images(n: int = 1, seed: int = 1) -> np.ndarray:
    """The benchmark's and tests' images: the first ``n`` test images."""
    return images("test", range(n), seed)


def tokenize(tokenizer_json: Path, sentences: Sequence[str] = SENTENCES,
             seq: int = 128):
    """``(input_ids, attention_mask, token_type_ids)`` int64 ``len x seq``
    from the model's tokenizer (venv: PyPI ``tokenizers``), padded with
    [PAD] and truncated to ``seq``."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.enable_truncation(max_length=seq)
    tok.enable_padding(length=seq, pad_id=0, pad_type_id=0, pad_token="[PAD]")
    enc = tok.encode_batch(list(sentences))
    ids = np.array([e.ids for e in enc], np.int64)
    mask = np.array([e.attention_mask for e in enc], np.int64)
    types = np.array([e.type_ids for e in enc], np.int64)
    return ids, mask, types
