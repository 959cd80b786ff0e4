"""A user's data for ``qsim quantize`` and ``qsim compare``: loading,
checking, preprocessing, and writing it to disk for the tools.

Four routes, chosen by :func:`open_source` from the path:

* ``file.npy``: an ``(N, ...)`` array, for a model with one input (opened
  with ``mmap_mode='r'``, so only the samples read are in memory);
* ``file.npz``: one ``(N, ...)`` array per graph input, keyed by the input's
  name (a model with one input also takes an npz holding one array under
  any name);
* a folder of images (``.jpg``, ``.png``, ... found recursively, sorted by
  path), decoded with Pillow and preprocessed (:class:`Preprocess`) for a
  model with one 4-D float input;
* ``file.py`` or ``file.py:NAME``: a Python file defining a function that
  yields arrays (one input) or dicts of arrays (input name -> array), each a
  single sample or a batch of samples.  The function is ``NAME``, else
  ``data``, else the file's only function; it is called without arguments,
  or with a dict ``{input name: InputSpec}`` if it takes a parameter.

Every sample is checked against the module's arguments
(:class:`InputSpec`): the shape after the batch dimension and the dtype
kind (float data for a float input, integers for an integer input, bools
or 0/1 integers for a bool input); data of another width is converted
(float64 -> float32, int32 -> int64 when every value fits).  Every problem
raises :class:`DataError` naming the file and the input; so does a sample
holding NaN or infinity (naming its index), unless ``skip_nonfinite`` leaves
such samples out.

:func:`write_npy` writes a range of samples to one ``.npy`` per input with
``numpy.lib.format.open_memmap``, ``chunk`` samples at a time, so memory
stays flat however many images there are; ``qsim-collect`` then streams the
files.  A generator's samples are first spooled to raw files (their count is
unknown until it ends) and read back through ``numpy.memmap``.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import re
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = [
    "DataError",
    "InputSpec",
    "Preprocess",
    "PRESETS",
    "IMAGE_EXTENSIONS",
    "parse_preprocess",
    "Source",
    "open_source",
    "without_nonfinite",
    "nonfinite_samples",
    "NONFINITE_HINT",
    "write_npy",
    "parse_signature",
]

PathLike = Union[str, Path]

#: Image file suffixes the folder route reads (case-insensitive).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm", ".pbm",
                    ".tif", ".tiff", ".webp", ".gif")

_NP_DTYPES = {"f32": np.dtype(np.float32), "f64": np.dtype(np.float64),
              "i64": np.dtype(np.int64), "i32": np.dtype(np.int32),
              "i16": np.dtype(np.int16), "i8": np.dtype(np.int8),
              "ui8": np.dtype(np.uint8), "i1": np.dtype(np.bool_)}


class DataError(ValueError):
    """Calibration or comparison data that cannot feed the model; the message
    names the file and, where it matters, the input."""


@dataclass(frozen=True)
class InputSpec:
    """One argument of the module: ``shape`` includes the batch dimension
    (dimension 0); a sample has ``shape[1:]``."""

    name: str
    shape: Tuple[int, ...]
    dtype: np.dtype

    @property
    def sample_shape(self) -> Tuple[int, ...]:
        return tuple(self.shape[1:])

    @property
    def batch(self) -> int:
        return self.shape[0]

    def describe(self) -> str:
        return f"'{self.name}' ({'x'.join(map(str, self.shape))} {self.dtype})"


# ---------------------------------------------------------------------------
# Module signatures
# ---------------------------------------------------------------------------


def _unescape(s: str) -> str:
    return re.sub(r'\\(["\\])', r"\1", s)


def _matching_paren(text: str, open_idx: int) -> int:
    """Index of the ')' closing the '(' at ``open_idx`` (strings skipped)."""
    depth, i = 0, open_idx
    while i < len(text):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        elif c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        i += 1
    raise ValueError("unbalanced parentheses")


def _tensor_types(text: str) -> List[Tuple[Tuple[int, ...], str]]:
    from . import tools
    return [tools.parse_tensor_type(m.group(0))
            for m in re.finditer(r"tensor<[^>]*>", text)]


def parse_signature(text: str, entry: Optional[str] = None
                    ) -> Tuple[List[Tuple[Tuple[int, ...], str]],
                               List[Tuple[Tuple[int, ...], str]], List[str]]:
    """``(arguments, results, names)`` of a module's entry: each argument
    and result as ``(shape, element type)``; ``names`` the arguments'
    location names (``loc("input")``, which ``qsim import-onnx`` writes) or
    ``''``.  Works on tensor-level modules and on ones lowered by
    ``--qsim-cpu-pipeline`` (whose entry records ``qsim.entry_type``)."""
    fn = r"@" + (re.escape(entry) if entry else r"[\w$.]+")
    m = re.search(r"func\.func\s+(?:public\s+)?" + fn + r"\(", text)
    if m:
        open_idx = m.end() - 1
        close = _matching_paren(text, open_idx)
        args_text = text[open_idx + 1:close]
        rest = text[close + 1:]
        rm = re.match(r"\s*->\s*", rest)
        res_text = ""
        if rm:
            j = rm.end()
            if rest[j] == "(":
                res_text = rest[j:_matching_paren(rest, j) + 1]
            else:
                tm = re.match(r"tensor<[^>]*>", rest[j:])
                res_text = tm.group(0) if tm else ""
        args, names = [], []
        for am in re.finditer(r'%[\w$.]+\s*:\s*(tensor<[^>]*>)(?:\s*loc\("((?:[^"\\]|\\.)*)"\))?',
                              args_text):
            args.extend(_tensor_types(am.group(1)))
            names.append(_unescape(am.group(2)) if am.group(2) is not None else "")
        return args, _tensor_types(res_text), names
    m = re.search(r"qsim\.entry_type\s*=\s*\(", text)
    if m:
        open_idx = m.end() - 1
        close = _matching_paren(text, open_idx)
        rest = text[close + 1:]
        rm = re.match(r"\s*->\s*(\((?:[^()]*)\)|tensor<[^>]*>)", rest)
        args = _tensor_types(text[open_idx + 1:close])
        return args, _tensor_types(rm.group(1) if rm else ""), [""] * len(args)
    raise ValueError("no entry function with tensor arguments")


def specs_from_signature(args, names: Sequence[str]) -> List[InputSpec]:
    out = []
    for i, ((shape, elt), name) in enumerate(zip(args, names)):
        if elt not in _NP_DTYPES:
            raise DataError(f"argument #{i} has element type {elt}, which has no data route")
        if len(shape) < 1:
            raise DataError(f"argument #{i} is a scalar; samples need a batch dimension")
        out.append(InputSpec(name or f"arg{i}", tuple(shape), _NP_DTYPES[elt]))
    return out


# ---------------------------------------------------------------------------
# Checking and converting samples
# ---------------------------------------------------------------------------


def _shape_str(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _as_batch(arr, spec: InputSpec, where: str) -> np.ndarray:
    """``arr`` as a batch ``(k, *sample_shape)`` of the input's dtype:
    one sample or a batch, of a compatible dtype kind."""
    if not isinstance(arr, np.ndarray):
        if isinstance(arr, (list, tuple, int, float, bool, np.generic)):
            arr = np.asarray(arr)
        else:
            raise DataError(f"{where}: input '{spec.name}' got a {type(arr).__name__}, "
                            f"not an array")
    s = spec.sample_shape
    if arr.shape == s:
        arr = arr[None]
    elif arr.ndim != len(s) + 1 or tuple(arr.shape[1:]) != s:
        raise DataError(f"{where}: input '{spec.name}' takes samples of shape "
                        f"{_shape_str(s)} (an array (N, {', '.join(map(str, s))})), "
                        f"got an array of shape {_shape_str(arr.shape)}")
    return _convert(arr, spec, where)


def _convert(arr: np.ndarray, spec: InputSpec, where: str) -> np.ndarray:
    want = spec.dtype
    kind = arr.dtype.kind
    if arr.dtype == want:
        return arr
    bad = None
    if want.kind == "f":
        if kind != "f":
            bad = "floating-point"
    elif want.kind == "b":
        if kind in "iu":
            if arr.size and not np.isin(arr, (0, 1)).all():
                bad = "booleans (0/1)"
        elif kind != "b":
            bad = "booleans"
    else:  # integers
        if kind in "iu":
            info = np.iinfo(want)
            if arr.size and (arr.min() < info.min or arr.max() > info.max):
                raise DataError(f"{where}: input '{spec.name}' takes {want}; the data "
                                f"({arr.dtype}) holds values outside "
                                f"[{info.min}, {info.max}]")
        elif kind != "b":
            bad = "integers"
    if bad is not None:
        raise DataError(f"{where}: input '{spec.name}' takes {want} ({bad}), "
                        f"got dtype {arr.dtype}")
    return arr.astype(want)


# ---------------------------------------------------------------------------
# Image preprocessing
# ---------------------------------------------------------------------------

_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class Preprocess:
    """How an image becomes a sample, in this order: decode (Pillow, RGB or
    grayscale for one channel), ``resize`` (``None``: to the input's size
    when no crop is set; an int: the shorter side to that many pixels,
    keeping the aspect ratio, as torchvision's ``Resize(int)``; ``(h, w)``:
    exactly; ``'height'``: the input's height keeping the ratio, the width at
    most the input's, the rest padded with 0 after normalisation, as
    PaddleOCR's recognizer), ``crop`` (centre crop ``(h, w)``; ``'input'``:
    the input's size), then float ``x * scale``, ``(x - mean) / std`` per
    channel, channel ``order`` (``rgb`` or ``bgr``) and ``layout`` (``nchw``
    or ``nhwc``; ``None``: told from the input's shape).  Bilinear
    resampling (Pillow's, with its antialiasing when shrinking)."""

    resize: Union[None, int, Tuple[int, int], str] = None
    crop: Union[None, Tuple[int, int], str] = None
    scale: float = 1.0 / 255.0
    mean: Tuple[float, ...] = (0.0,)
    std: Tuple[float, ...] = (1.0,)
    order: str = "rgb"
    layout: Optional[str] = None
    resize_ratio: Optional[float] = None  # resize = crop / ratio (torchvision's 0.875)

    def describe(self) -> str:
        r = self.resize
        parts = []
        if self.resize_ratio is not None:
            parts.append(f"resize shorter side to crop/{self.resize_ratio:g}")
        elif r is None:
            parts.append("resize to the input size" if self.crop is None else "no resize")
        elif r == "height":
            parts.append("resize to the input height keeping the ratio, pad the width")
        elif isinstance(r, int):
            parts.append(f"resize shorter side to {r}")
        else:
            parts.append(f"resize to {r[0]}x{r[1]}")
        if self.crop == "input":
            parts.append("centre crop to the input size")
        elif self.crop is not None:
            parts.append(f"centre crop {self.crop[0]}x{self.crop[1]}")
        parts.append(f"x*{self.scale:.6g}")
        parts.append("mean " + ",".join(f"{v:g}" for v in self.mean))
        parts.append("std " + ",".join(f"{v:g}" for v in self.std))
        parts.append(self.order.upper())
        parts.append(self.layout.upper() if self.layout else "layout from the input shape")
        return ", ".join(parts)


#: Named settings for ``--preprocess``; items after a preset override it.
PRESETS: Dict[str, Preprocess] = {
    # torchvision's ImageNet evaluation: Resize(256), CenterCrop(224) for a
    # 224 input (the resize is crop / 0.875 for other sizes), ToTensor,
    # Normalize(ImageNet mean/std); RGB, NCHW.
    "torchvision": Preprocess(resize=None, crop="input", scale=1.0 / 255.0,
                              mean=_IMAGENET_MEAN, std=_IMAGENET_STD, order="rgb",
                              layout="nchw", resize_ratio=0.875),
    # PaddleOCR's recognizer (cv2 loads BGR): resize to the input height
    # keeping the ratio, (x/255 - 0.5) / 0.5, pad the width with 0; NCHW.
    "paddleocr": Preprocess(resize="height", crop=None, scale=1.0 / 255.0,
                            mean=(0.5,), std=(0.5,), order="bgr", layout="nchw"),
    # Pixels / 255 in [0, 1], resized to the input size.
    "none": Preprocess(),
}

_PREPROCESS_KEYS = ("resize", "crop", "mean", "std", "scale", "order", "layout")


def _size(text: str, what: str) -> Union[int, Tuple[int, int]]:
    m = re.fullmatch(r"(\d+)(?:[x,](\d+))?", text.strip())
    if not m or int(m.group(1)) < 1 or (m.group(2) and int(m.group(2)) < 1):
        raise DataError(f"--preprocess {what}={text}: expected N or HxW (positive)")
    if m.group(2):
        return int(m.group(1)), int(m.group(2))
    return int(m.group(1))


def _floats(text: str, what: str) -> Tuple[float, ...]:
    try:
        vals = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise DataError(f"--preprocess {what}={text}: expected numbers separated "
                        f"by commas") from None
    if not vals:
        raise DataError(f"--preprocess {what}=: no value")
    return vals


def parse_preprocess(items: Sequence[str]) -> Preprocess:
    """``--preprocess`` values (each split on whitespace) -> Preprocess.

    Items: a preset (``torchvision``, ``paddleocr``, ``none``),
    ``resize=N|HxW|height``, ``crop=N|HxW``, ``mean=a,b,c``, ``std=a,b,c``,
    ``scale=X`` (or ``scale=1/255``), ``order=rgb|bgr`` (or ``rgb``, ``bgr``),
    ``layout=nchw|nhwc`` (or ``nchw``, ``nhwc``); later items win."""
    p = Preprocess()
    for item in (t for s in items for t in s.split()):
        key, sep, val = item.partition("=")
        key = key.strip().lower()
        if not sep:
            if key in PRESETS:
                p = PRESETS[key]
            elif key in ("rgb", "bgr"):
                p = replace(p, order=key)
            elif key in ("nchw", "nhwc"):
                p = replace(p, layout=key)
            else:
                raise DataError(f"--preprocess: unknown item '{item}' (presets: "
                                f"{', '.join(PRESETS)}; keys: {', '.join(_PREPROCESS_KEYS)})")
            continue
        val = val.strip()
        if key == "resize":
            if val.lower() == "height":
                p = replace(p, resize="height", resize_ratio=None)
            else:
                p = replace(p, resize=_size(val, key), resize_ratio=None)
        elif key == "crop":
            c = _size(val, key)
            p = replace(p, crop=(c, c) if isinstance(c, int) else c)
        elif key in ("mean", "std"):
            vals = _floats(val, key)
            if key == "std" and any(v == 0 for v in vals):
                raise DataError(f"--preprocess std={val}: a standard deviation is 0")
            p = replace(p, **{key: vals})
        elif key == "scale":
            try:
                num, _, den = val.partition("/")
                scale = float(num) / (float(den) if den else 1.0)
            except (ValueError, ZeroDivisionError):
                raise DataError(f"--preprocess scale={val}: expected a number or "
                                f"A/B") from None
            p = replace(p, scale=scale)
        elif key == "order":
            if val.lower() not in ("rgb", "bgr"):
                raise DataError(f"--preprocess order={val}: expected rgb or bgr")
            p = replace(p, order=val.lower())
        elif key == "layout":
            if val.lower() not in ("nchw", "nhwc"):
                raise DataError(f"--preprocess layout={val}: expected nchw or nhwc")
            p = replace(p, layout=val.lower())
        else:
            raise DataError(f"--preprocess: unknown key '{key}' in '{item}' (keys: "
                            f"{', '.join(_PREPROCESS_KEYS)}; presets: {', '.join(PRESETS)})")
    return p


def image_geometry(spec: InputSpec, pre: Preprocess) -> Tuple[str, int, int, int]:
    """``(layout, channels, height, width)`` of an image input."""
    if len(spec.shape) != 4 or spec.dtype.kind != "f":
        raise DataError(f"images feed a 4-D float input (N, C, H, W) or (N, H, W, C); "
                        f"input {spec.describe()} is not one")
    _, a, b, c = spec.shape
    layout = pre.layout
    if layout is None:
        if a in (1, 3) and c not in (1, 3):
            layout = "nchw"
        elif c in (1, 3) and a not in (1, 3):
            layout = "nhwc"
        elif a in (1, 3):
            layout = "nchw"
        else:
            raise DataError(f"cannot tell the channel dimension of input "
                            f"{spec.describe()}: pass --preprocess layout=nchw or "
                            f"layout=nhwc")
    ch, h, w = (a, b, c) if layout == "nchw" else (c, a, b)
    if ch not in (1, 3):
        raise DataError(f"input {spec.describe()} has {ch} channels in {layout.upper()}; "
                        f"images give 1 (grayscale) or 3 (RGB/BGR)")
    for what, vals in (("mean", pre.mean), ("std", pre.std)):
        if len(vals) not in (1, ch):
            raise DataError(f"--preprocess {what} has {len(vals)} values; input "
                            f"'{spec.name}' has {ch} channel(s)")
    return layout, ch, h, w


def preprocess_image(path: Path, spec: InputSpec, pre: Preprocess) -> np.ndarray:
    """One image file -> one sample (float32, the input's sample shape)."""
    from PIL import Image

    layout, ch, H, W = image_geometry(spec, pre)
    try:
        with Image.open(path) as im:
            im.load()
            img = im.convert("L" if ch == 1 else "RGB")
    except Exception as e:  # noqa: BLE001 - Pillow raises many types
        raise DataError(f"cannot decode image '{path}': {e}") from None
    w0, h0 = img.size
    crop = (H, W) if pre.crop == "input" else pre.crop
    resize = pre.resize
    if pre.resize_ratio is not None and crop is not None:
        resize = int(math.floor(min(crop) / pre.resize_ratio + 0.5))
    bilinear = Image.Resampling.BILINEAR
    pad_to = None
    if resize is None:
        if crop is None and (h0, w0) != (H, W):
            img = img.resize((W, H), bilinear)
    elif resize == "height":
        nw = min(W, int(math.ceil(H * w0 / h0)))
        img = img.resize((max(1, nw), H), bilinear)
        pad_to = (H, W)
    elif isinstance(resize, int):
        short, long_ = (w0, h0) if w0 <= h0 else (h0, w0)
        new_long = int(resize * long_ / short)
        size = (resize, new_long) if w0 <= h0 else (new_long, resize)
        if size != (w0, h0):
            img = img.resize(size, bilinear)
    else:
        img = img.resize((resize[1], resize[0]), bilinear)
    if crop is not None:
        ch_, cw = crop
        iw, ih = img.size
        if ih < ch_ or iw < cw:
            raise DataError(f"image '{path}' is {ih}x{iw} (HxW) after resizing, smaller "
                            f"than the crop {ch_}x{cw}")
        top = int(round((ih - ch_) / 2.0))
        left = int(round((iw - cw) / 2.0))
        img = img.crop((left, top, left + cw, top + ch_))
    x = np.asarray(img, dtype=np.float32)
    if x.ndim == 2:
        x = x[:, :, None]
    if pre.order == "bgr" and ch == 3:
        x = x[:, :, ::-1]
    x = x * np.float32(pre.scale)
    x = (x - np.asarray(pre.mean, np.float32)) / np.asarray(pre.std, np.float32)
    if pad_to is not None:
        full = np.zeros((H, W, ch), np.float32)
        full[:, :x.shape[1]] = x
        x = full
    if x.shape[:2] != (H, W):
        raise DataError(f"image '{path}' is {x.shape[0]}x{x.shape[1]} (HxW) after "
                        f"preprocessing ({pre.describe()}); input '{spec.name}' takes "
                        f"{H}x{W}: set resize= and crop= in --preprocess")
    if layout == "nchw":
        x = x.transpose(2, 0, 1)
    return np.ascontiguousarray(x, dtype=np.float32)


# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------


@dataclass
class Source:
    """Samples with random access: ``get(start, stop)`` -> input name ->
    array ``(stop - start, *sample_shape)`` of the input's dtype."""

    path: Path
    kind: str                        # npy, npz, images, python
    specs: List[InputSpec]
    count: int
    getter: Callable[[int, int], Dict[str, np.ndarray]]
    description: str
    # Per input: a .npy file holding exactly these samples in the input's
    # dtype (usable as is, without a copy), if there is one.
    files: Dict[str, Path] = field(default_factory=dict)
    # Samples left out for NaN or infinity (open_source(skip_nonfinite=True)).
    skipped: int = 0

    def get(self, start: int, stop: int) -> Dict[str, np.ndarray]:
        return self.getter(start, stop)


#: What an error about a non-finite sample says after naming it.
NONFINITE_HINT = "holds NaN or infinity (--skip-nonfinite leaves such samples out)"

#: Samples read at a time when scanning for non-finite ones.
SCAN_CHUNK = 256


def nonfinite_samples(batch: np.ndarray) -> np.ndarray:
    """Per sample of ``batch`` (N, ...): whether it holds NaN or infinity
    (never, for integer and bool data)."""
    batch = np.asarray(batch)
    if batch.dtype.kind != "f":
        return np.zeros(len(batch), bool)
    return ~np.isfinite(batch.reshape(len(batch), -1)).all(axis=1)


def withoutnonfinite_samples(source: Source, chunk: int = SCAN_CHUNK) -> Source:
    """``source`` less the samples where any float input holds NaN or
    infinity: one pass over the data finds them (an image folder is decoded
    twice), the others keep their order.  No finite sample left is a
    :class:`DataError`."""
    keep = np.ones(source.count, bool)
    for i in range(0, source.count, chunk):
        j = min(source.count, i + chunk)
        got = source.get(i, j)
        for s in source.specs:
            keep[i:j] &= ~nonfinite_samples(got[s.name])
    skipped = int(source.count - keep.sum())
    if not skipped:
        return source
    index = np.flatnonzero(keep)
    if not len(index):
        raise DataError(f"calibration data '{source.path}': every one of its "
                        f"{source.count} sample(s) holds NaN or infinity")

    def get(start, stop):
        want = index[start:stop]
        # Contiguous runs of kept samples, one read each.
        cuts = np.flatnonzero(np.diff(want) != 1) + 1
        parts = [source.get(int(r[0]), int(r[-1]) + 1) for r in np.split(want, cuts) if len(r)]
        return {s.name: np.concatenate([p[s.name] for p in parts]) for s in source.specs}
    return replace(source, count=len(index), getter=get, files={}, skipped=skipped,
                   description=f"{source.description}, {skipped} sample(s) with NaN or "
                   f"infinity skipped")


def _names(specs: Sequence[InputSpec]) -> str:
    return ", ".join(s.describe() for s in specs)


def _check_arrays(arrays: Dict[str, np.ndarray], specs: Sequence[InputSpec],
                  where: str) -> int:
    """Checks shape and dtype kind of whole arrays (before streaming them);
    returns their common sample count."""
    count = None
    first = None
    for s in specs:
        a = arrays[s.name]
        if a.ndim != len(s.sample_shape) + 1 or tuple(a.shape[1:]) != s.sample_shape:
            raise DataError(f"{where}: input '{s.name}' takes samples of shape "
                            f"{_shape_str(s.sample_shape)} (an array (N, "
                            f"{', '.join(map(str, s.sample_shape))})), got an array of "
                            f"shape {_shape_str(a.shape)}")
        _convert(a[:0], s, where)  # dtype kind only; values are checked per chunk
        if count is None:
            count, first = len(a), s.name
        elif len(a) != count:
            raise DataError(f"{where}: input '{s.name}' has {len(a)} samples, "
                            f"'{first}' has {count}; every input needs the same number")
    if not count:
        raise DataError(f"{where}: holds no sample (N = 0)")
    return count


class FileArray:
    """An ``(N, ...)`` array stored C-ordered at ``offset`` in a file, read by
    slices with plain file reads: unlike a memory map, the pages read do not
    stay in the process's resident set, so streaming a large file keeps
    memory flat."""

    def __init__(self, path: Path, offset: int, dtype: np.dtype, shape: Tuple[int, ...]):
        self.path, self.offset = Path(path), offset
        self.dtype, self.shape = np.dtype(dtype), tuple(shape)
        self.ndim = len(self.shape)
        self._row = int(np.prod(self.shape[1:], dtype=np.int64)) if self.ndim else 1

    @classmethod
    def npy(cls, path: Path) -> Union["FileArray", np.ndarray]:
        """The array of an .npy file (a memory map for Fortran order)."""
        from numpy.lib import format as fmt
        with open(path, "rb") as f:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(f)
            else:
                shape, fortran, dtype = fmt.read_array_header_2_0(f)
            offset = f.tell()
        if fortran or dtype.hasobject or not shape:
            return np.load(path, mmap_mode="r", allow_pickle=False)
        need = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        size = Path(path).stat().st_size
        if size < need:
            raise ValueError(f"truncated: shape {shape} of {dtype} needs {need} bytes, the "
                             f"file has {size}")
        return cls(path, offset, dtype, shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, sl) -> np.ndarray:
        if not isinstance(sl, slice) or sl.step not in (None, 1):
            raise TypeError("FileArray takes contiguous slices")
        start, stop, _ = sl.indices(self.shape[0])
        n = max(0, stop - start)
        with open(self.path, "rb") as f:
            f.seek(self.offset + start * self._row * self.dtype.itemsize)
            a = np.fromfile(f, dtype=self.dtype, count=n * self._row)
        if len(a) != n * self._row:
            raise DataError(f"'{self.path}': truncated at sample {start + len(a) // self._row}")
        return a.reshape((n, *self.shape[1:]))


def _array_source(path: Path, kind: str, specs, arrays: Dict[str, np.ndarray],
                  description: str) -> Source:
    where = f"calibration data '{path}'"
    count = _check_arrays(arrays, specs, where)

    def get(start, stop):
        return {s.name: _convert(np.asarray(arrays[s.name][start:stop]), s, where)
                for s in specs}
    files = {}
    if kind == "npy":
        a = arrays[specs[0].name]
        if isinstance(a, FileArray) and a.dtype == specs[0].dtype and a.dtype.isnative:
            files[specs[0].name] = path
    return Source(path, kind, list(specs), count, get, description, files)


def _open_npy(path: Path, specs) -> Source:
    if len(specs) != 1:
        raise DataError(f"calibration data '{path}': an .npy feeds a model with one "
                        f"input; this one has {len(specs)} ({_names(specs)}): give an "
                        f".npz with one array per input name")
    try:
        arr = FileArray.npy(path)
    except Exception as e:  # noqa: BLE001 - numpy raises ValueError, OSError, ...
        raise DataError(f"cannot read calibration data '{path}': {e}") from None
    return _array_source(path, "npy", specs, {specs[0].name: arr},
                         f"'{path}' ({arr.shape[0] if arr.ndim else 0} samples, {arr.dtype})")


def _open_npz(path: Path, specs) -> Source:
    try:
        npz = np.load(path, allow_pickle=False)
        keys = list(npz.keys())
        data = {k: npz[k] for k in keys}
    except Exception as e:  # noqa: BLE001
        raise DataError(f"cannot read calibration data '{path}': {e}") from None
    arrays: Dict[str, np.ndarray] = {}
    if len(specs) == 1 and len(keys) == 1:
        arrays[specs[0].name] = data[keys[0]]
    else:
        missing = [s.name for s in specs if s.name not in data]
        if missing:
            raise DataError(f"calibration data '{path}' has no array for input(s) "
                            f"{', '.join(repr(m) for m in missing)} (arrays: "
                            f"{', '.join(repr(k) for k in keys) or 'none'}; inputs: "
                            f"{_names(specs)})")
        arrays = {s.name: data[s.name] for s in specs}
    return _array_source(path, "npz", specs, arrays,
                         f"'{path}' (" + ", ".join(f"{k} {_shape_str(a.shape)} {a.dtype}"
                                                   for k, a in arrays.items()) + ")")


def list_images(folder: Path) -> List[Path]:
    files = sorted(p for p in folder.rglob("*")
                   if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        others = sum(1 for p in folder.rglob("*") if p.is_file())
        raise DataError(f"calibration data folder '{folder}' holds no image files "
                        f"({', '.join(IMAGE_EXTENSIONS)})"
                        + (f"; it has {others} other file(s)" if others else "; it is empty"))
    return files


def _open_images(path: Path, specs, pre: Preprocess) -> Source:
    if len(specs) != 1:
        raise DataError(f"an image folder ('{path}') feeds a model with one input; this "
                        f"one has {len(specs)} ({_names(specs)}): give an .npz or a "
                        f"Python file")
    spec = specs[0]
    layout, ch, h, w = image_geometry(spec, pre)
    files = list_images(path)

    def get(start, stop):
        out = np.empty((stop - start, *spec.sample_shape), np.float32)
        for i, f in enumerate(files[start:stop]):
            out[i] = preprocess_image(f, spec, pre)
        return {spec.name: out}
    dims = f"{ch}x{h}x{w}" if layout == "nchw" else f"{h}x{w}x{ch}"
    desc = pre.describe() if pre.layout else f"{pre.describe()}: {layout.upper()}"
    return Source(path, "images", [spec], len(files), get,
                  f"{len(files)} images in '{path}' ({desc}, {dims})")


def _load_function(path: Path, name: Optional[str]):
    modname = f"qsim_user_data_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(modname, path)
    if spec is None or spec.loader is None:
        raise DataError(f"cannot load Python data file '{path}'")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as e:  # noqa: BLE001 - the user's code, SystemExit included
        if isinstance(e, KeyboardInterrupt):
            raise
        raise DataError(f"Python data file '{path}' raised {_user_error(e, path)} "
                        f"while loading") from None
    if name:
        fn = getattr(module, name, None)
        if not callable(fn):
            raise DataError(f"Python data file '{path}' defines no function '{name}'")
        return fn
    if callable(getattr(module, "data", None)):
        return module.data
    fns = [v for k, v in vars(module).items()
           if inspect.isfunction(v) and v.__module__ == modname and not k.startswith("_")]
    if len(fns) != 1:
        raise DataError(f"Python data file '{path}' defines "
                        f"{len(fns)} public functions "
                        f"({', '.join(f.__name__ for f in fns) or 'none'}) and no 'data': "
                        f"name the one to call as '{path}:NAME'")
    return fns[0]


def _user_error(e: BaseException, path: Path) -> str:
    """``Type: message (at file:line)``, the line being the innermost frame
    in the user's file."""
    where = ""
    for fr in reversed(traceback.extract_tb(e.__traceback__)):
        if Path(fr.filename).resolve() == path.resolve():
            where = f" (at {path}:{fr.lineno})"
            break
    return f"{type(e).__name__}: {e}{where}"


def _open_python(path: Path, func: Optional[str], specs, workdir: Path,
                 limit: Optional[int], skip_nonfinite: bool = False) -> Source:
    fn = _load_function(path, func)
    label = f"{path}:{fn.__name__}"
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.default is inspect.Parameter.empty
                  and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    where = f"Python data '{label}'"
    names = [s.name for s in specs]
    spools = {s.name: workdir / f"spool.{i}.raw" for i, s in enumerate(specs)}
    handles = {k: open(p, "wb") for k, p in spools.items()}
    count = 0
    it = None
    try:
        try:
            it = fn({s.name: s for s in specs}) if params else fn()
            it = iter(it)
        except DataError:
            raise
        except BaseException as e:  # noqa: BLE001
            if isinstance(e, KeyboardInterrupt):
                raise
            raise DataError(f"{where} raised {_user_error(e, path)}") from None
        k = 0
        while limit is None or count < limit:
            try:
                item = next(it)
            except StopIteration:
                break
            except BaseException as e:  # noqa: BLE001
                if isinstance(e, KeyboardInterrupt):
                    raise
                raise DataError(f"{where} raised {_user_error(e, path)} after "
                                f"{count} sample(s)") from None
            item_where = f"{where}, item {k}"
            if isinstance(item, dict):
                missing = [n for n in names if n not in item]
                if missing:
                    raise DataError(f"{item_where}: no array for input(s) "
                                    f"{', '.join(repr(m) for m in missing)} (keys: "
                                    f"{', '.join(map(repr, item)) or 'none'})")
                arrays = {n: item[n] for n in names}
            elif isinstance(item, (tuple, list)) and len(specs) > 1:
                if len(item) != len(specs):
                    raise DataError(f"{item_where}: {len(item)} arrays, the model has "
                                    f"{len(specs)} inputs ({_names(specs)})")
                arrays = dict(zip(names, item))
            elif len(specs) == 1:
                arrays = {names[0]: item}
            else:
                raise DataError(f"{item_where}: a {type(item).__name__}; a model with "
                                f"{len(specs)} inputs needs dicts (input name -> array)")
            batches = {s.name: _as_batch(arrays[s.name], s, item_where) for s in specs}
            ns = {len(b) for b in batches.values()}
            if len(ns) != 1:
                raise DataError(f"{item_where}: the inputs have different sample counts "
                                f"({', '.join(f'{n} {len(b)}' for n, b in batches.items())})")
            n = ns.pop()
            if limit is not None:
                n = min(n, limit - count)
            for s in specs:
                if not skip_nonfinite:
                    bad = nonfinite_samples(batches[s.name][:n])
                    if bad.any():
                        raise DataError(f"{item_where}: sample {count + int(np.argmax(bad))} "
                                        f"of input '{s.name}' {NONFINITE_HINT}")
                handles[s.name].write(np.ascontiguousarray(batches[s.name][:n]).tobytes())
            count += n
            k += 1
    finally:
        for h in handles.values():
            h.close()
        close = getattr(it, "close", None)  # a generator's finally blocks run now
        if callable(close):
            try:
                close()
            except Exception:  # noqa: BLE001 - best effort
                pass
    if count == 0:
        raise DataError(f"{where} yielded no sample")
    maps = {s.name: FileArray(spools[s.name], 0, s.dtype, (count, *s.sample_shape))
            for s in specs}
    return Source(path, "python", list(specs), count,
                  lambda a, b: {n: np.asarray(m[a:b]) for n, m in maps.items()},
                  f"{count} samples from {label}")


def open_source(path: PathLike, specs: Sequence[InputSpec], workdir: Path,
                preprocess: Optional[Preprocess] = None,
                limit: Optional[int] = None, skip_nonfinite: bool = False) -> Source:
    """The samples at ``path`` for a module taking ``specs`` (see the module
    doc for the routes).  ``workdir`` holds a generator's spool files;
    ``limit`` stops a generator after that many samples.  With
    ``skip_nonfinite`` the samples holding NaN or infinity are left out
    (:func:`without_nonfinite`; ``Source.skipped`` counts them); without it
    such a sample is a :class:`DataError` when it is read."""
    source = _open(path, specs, workdir, preprocess, limit, skip_nonfinite)
    return withoutnonfinite_samples(source) if skip_nonfinite else source


def _open(path: PathLike, specs: Sequence[InputSpec], workdir: Path,
          preprocess: Optional[Preprocess], limit: Optional[int],
          skip_nonfinite: bool) -> Source:
    text = str(path)
    func = None
    m = re.fullmatch(r"(.*\.py):([A-Za-z_]\w*)", text)
    if m:
        text, func = m.group(1), m.group(2)
    p = Path(text)
    if not p.exists():
        raise DataError(f"calibration data '{p}' does not exist")
    if preprocess is not None and not p.is_dir():
        raise DataError(f"--preprocess applies to a folder of images; '{p}' is a file")
    if p.is_dir():
        return _open_images(p, specs, preprocess or Preprocess())
    if p.stat().st_size == 0:
        raise DataError(f"calibration data '{p}' is an empty file")
    suffix = p.suffix.lower()
    if suffix == ".npy":
        return _open_npy(p, specs)
    if suffix == ".npz":
        return _open_npz(p, specs)
    if suffix == ".py":
        return _open_python(p, func, specs, workdir, limit, skip_nonfinite)
    raise DataError(f"calibration data '{p}': expected an .npy, an .npz, a folder of "
                    f"images or a Python file (.py)")


# ---------------------------------------------------------------------------
# Writing samples for the tools
# ---------------------------------------------------------------------------


def write_npy(source: Source, start: int, stop: int, out: Dict[str, Path],
              chunk: int = 64, progress: Optional[Callable[[int, int], None]] = None
              ) -> Dict[str, Path]:
    """Samples ``start:stop`` of ``source`` as one ``.npy`` per input
    (``out[name]``), written ``chunk`` samples at a time with
    ``open_memmap``; an input whose source file already holds exactly these
    samples in its dtype is used as is.  NaN or infinity in a float sample
    is a :class:`DataError` naming the sample.  Returns name -> path."""
    from numpy.lib.format import open_memmap

    n = stop - start
    if n <= 0:
        raise ValueError("no samples to write")
    paths: Dict[str, Path] = {}
    todo = []
    for s in source.specs:
        if start == 0 and stop == source.count and s.name in source.files:
            # Used as it is, but checked here so that a NaN is reported as
            # for the other routes, not by qsim-collect half-way.
            for i in range(start, stop, SCAN_CHUNK):
                bad = nonfinite_samples(source.get(i, min(stop, i + SCAN_CHUNK))[s.name])
                if bad.any():
                    raise DataError(f"calibration data '{source.path}': sample "
                                    f"{i + int(np.argmax(bad))} of input '{s.name}' "
                                    f"{NONFINITE_HINT}")
            paths[s.name] = source.files[s.name]
            continue
        paths[s.name] = out[s.name]
        todo.append(s.name)
        m = open_memmap(out[s.name], mode="w+", dtype=s.dtype, shape=(n, *s.sample_shape))
        del m
    if todo:
        for i in range(start, stop, chunk):
            j = min(stop, i + chunk)
            got = source.get(i, j)
            for name in todo:
                blk = got[name]
                bad = nonfinite_samples(blk)
                if bad.any():
                    raise DataError(
                        f"calibration data '{source.path}': sample "
                        f"{i + int(np.argmax(bad))} of input '{name}' {NONFINITE_HINT}")
                # A map per chunk, dropped after it: the written pages leave
                # the resident set, so memory stays flat for any N.
                m = open_memmap(out[name], mode="r+")
                m[i - start:j - start] = blk
                m.flush()
                del m
            if progress:
                progress(j - start, n)
    return paths
