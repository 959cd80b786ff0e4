"""Helpers to drive the qsim command-line tools and read their output.

* :func:`find_tool` / :func:`qsim_opt` locate ``build/bin/qsim-opt`` (the
  build directory is ``$QSIM_BUILD_DIR`` or ``<repo>/build``).
* :func:`run_tool` runs a tool and returns its stdout, raising
  :class:`ToolError` (with stderr) on failure.
* :func:`dense_hex` / :func:`format_f32` write exact MLIR literals;
  :func:`parse_dense_elements` reads a printed ``dense<...>`` attribute back
  into a numpy array (hex form as printed with
  ``-mlir-print-elementsattrs-with-hex-if-larger=0``, splats, and the
  decimal list form).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = [
    "REPO_ROOT",
    "ToolError",
    "build_dir",
    "find_tool",
    "qsim_opt",
    "run_tool",
    "run_qsim_opt",
    "HEX_FLAG",
    "dense_hex",
    "format_f32",
    "element_type_info",
    "parse_tensor_type",
    "parse_hex_elements",
    "parse_dense_elements",
    "find_value_definition",
    "returned_values",
    "returned_constants",
]

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Print every dense elements attribute (with more than 0 elements) in hex.
HEX_FLAG = "-mlir-print-elementsattrs-with-hex-if-larger=0"


class ToolError(RuntimeError):
    """A tool exited with a non-zero status."""

    def __init__(self, cmd: Sequence[str], returncode: int, stdout: str,
                 stderr: str):
        self.cmd = list(cmd)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        super().__init__(
            f"{' '.join(self.cmd)} exited with status {returncode}:\n{stderr}")


# ---------------------------------------------------------------------------
# Locating and running tools
# ---------------------------------------------------------------------------


def build_dir() -> Path:
    """``$QSIM_BUILD_DIR`` if set, else ``<repo>/build``."""
    env = os.environ.get("QSIM_BUILD_DIR")
    return Path(env) if env else REPO_ROOT / "build"


def find_tool(name: str = "qsim-opt") -> Optional[Path]:
    """Path of an executable in the build's ``bin/`` or ``None``."""
    path = build_dir() / "bin" / name
    if path.is_file() and os.access(path, os.X_OK):
        return path
    return None


def qsim_opt() -> Optional[Path]:
    """Path of ``qsim-opt`` or ``None`` when it is not built."""
    return find_tool("qsim-opt")


def run_tool(tool: Union[str, os.PathLike], args: Iterable[str] = (),
             input: Optional[str] = None, timeout: Optional[float] = 300,
             cwd: Optional[Union[str, os.PathLike]] = None) -> str:
    """Runs ``tool`` with ``args`` (``input`` on stdin), returns stdout.

    ``tool`` is a path or the name of a tool in the build's ``bin/``.
    Raises :class:`ToolError` carrying stderr when it exits non-zero and
    ``FileNotFoundError`` when the tool does not exist.
    """
    tool_path = Path(tool)
    if not tool_path.is_absolute() and os.sep not in str(tool):
        found = find_tool(str(tool))
        if found is None:
            raise FileNotFoundError(
                f"{tool} not found in {build_dir() / 'bin'}; build the project "
                f"first (bash scripts/setup.sh)")
        tool_path = found
    cmd = [str(tool_path), *map(str, args)]
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)
    if proc.returncode != 0:
        raise ToolError(cmd, proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


def run_qsim_opt(mlir: str, *args: str, hex_constants: bool = True) -> str:
    """Runs ``qsim-opt`` on the MLIR text ``mlir`` (stdin) with ``args``."""
    extra = [HEX_FLAG] if hex_constants else []
    return run_tool("qsim-opt", [*args, *extra, "-"], input=mlir)


# ---------------------------------------------------------------------------
# Writing exact literals
# ---------------------------------------------------------------------------


def dense_hex(values: np.ndarray, bits: Optional[int] = None) -> str:
    """``dense<"0x...">`` with the raw little-endian bytes of ``values``.

    Without ``bits`` the array's own dtype is the storage type (float32 for
    f32, int8 for i8, ...).  With ``bits`` the integers are stored as an
    ``i<bits>`` attribute does: masked to ``bits`` bits, in ``ceil(bits /
    8)`` little-endian bytes per element (i1 is not supported here).
    """
    arr = np.ascontiguousarray(values)
    if bits is not None:
        if arr.dtype.kind not in "iub" or not 2 <= bits <= 64:
            raise ValueError("bits= needs integers and 2 <= bits <= 64")
        nbytes = (bits + 7) // 8  # MLIR's storage: whole bytes, e.g. 3 for i17
        mask = (1 << bits) - 1
        data = b"".join((int(v) & mask).to_bytes(nbytes, "little")
                        for v in arr.reshape(-1).tolist())
        return f'dense<"0x{data.hex().upper()}">'
    data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
    return f'dense<"0x{data.hex().upper()}">'


def format_f32(value: float) -> str:
    """An MLIR float literal that parses to exactly ``float32(value)``.

    The decimal has 17 significant digits, so it reads back as the double
    equal to the float32 value whether the parser goes through double or
    not; it always contains a '.', as MLIR's grammar requires.
    """
    v = float(np.float32(value))
    if not np.isfinite(v):
        raise ValueError("non-finite values have no decimal literal")
    return f"{v:.16e}"


# ---------------------------------------------------------------------------
# Reading printed attributes
# ---------------------------------------------------------------------------

_FLOAT_TYPES: Dict[str, np.dtype] = {
    "f16": np.dtype("<f2"),
    "f32": np.dtype("<f4"),
    "f64": np.dtype("<f8"),
}


def element_type_info(elt: str, signed: bool = True) -> Tuple[str, int]:
    """``(kind, bit_width)`` of an MLIR element type: kind is ``'f'``,
    ``'i'`` (signless read with ``signed``), ``'si'``, ``'ui'`` or
    ``'bf'``."""
    elt = elt.strip()
    if elt in _FLOAT_TYPES:
        return "f", _FLOAT_TYPES[elt].itemsize * 8
    if elt == "bf16":
        return "bf", 16
    if elt == "index":
        return ("i" if signed else "ui"), 64
    m = re.fullmatch(r"(si|ui|i)(\d+)", elt)
    if not m:
        raise ValueError(f"unsupported element type {elt!r}")
    kind, width = m.group(1), int(m.group(2))
    if kind == "i":
        kind = "i" if signed else "ui"
    return kind, width


def parse_tensor_type(text: str) -> Tuple[Tuple[int, ...], str]:
    """``tensor<4x3xf32>`` -> ``((4, 3), 'f32')`` (also vector<>)."""
    m = re.fullmatch(r"\s*(?:tensor|vector)<([^>]*)>\s*", text)
    if not m:
        raise ValueError(f"not a static tensor type: {text!r}")
    parts = m.group(1).split("x")
    elt = parts[-1]
    dims = parts[:-1]
    if any(not d.isdigit() for d in dims):
        raise ValueError(f"not a static tensor type: {text!r}")
    return tuple(int(d) for d in dims), elt


def _storage_bytes(kind: str, width: int) -> int:
    """Bytes per stored element (0: bit-packed i1)."""
    if kind in ("f", "bf"):
        return width // 8
    if width == 1:
        return 0
    if width > 64:
        raise ValueError(f"unsupported integer width {width}")
    return (width + 7) // 8  # e.g. i4 -> 1, i12 -> 2, i17 -> 3


def _decode_storage(data: bytes, kind: str, width: int) -> np.ndarray:
    """Stored elements as float arrays (f16/f32/f64), uint16 (bf16) or
    uint64 (integers, unmasked)."""
    nbytes = _storage_bytes(kind, width)
    if kind == "f":
        return np.frombuffer(data, dtype=np.dtype(f"<f{nbytes}"))
    if kind == "bf":
        return np.frombuffer(data, dtype="<u2")
    raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, nbytes)
    vals = np.zeros(raw.shape[0], dtype=np.uint64)
    for i in range(nbytes):
        vals |= raw[:, i].astype(np.uint64) << np.uint64(8 * i)
    return vals


def _convert_ints(raw: np.ndarray, kind: str, width: int) -> np.ndarray:
    """Masks stored integers to ``width`` bits and sign-extends if signed."""
    vals = raw.astype(np.uint64)
    if width < 64:
        vals = vals & np.uint64((1 << width) - 1)
    if kind in ("i", "si"):
        if width == 64:
            return vals.view(np.int64)
        sign = np.uint64(1 << (width - 1))
        signed = vals.astype(np.int64)
        return np.where((vals & sign) != 0, signed - (1 << width), signed)
    return vals.astype(np.int64) if width < 64 else vals


def _bf16_to_f32(raw: np.ndarray) -> np.ndarray:
    return (raw.astype(np.uint32) << np.uint32(16)).view(np.float32)


def parse_hex_elements(hex_text: str, shape: Sequence[int], element_type: str,
                       signed: bool = True) -> np.ndarray:
    """Decodes the hex payload of ``dense<"0x...">``.

    ``hex_text`` is the string with or without the ``0x`` prefix: the raw
    little-endian storage buffer.  A buffer holding a single element is a
    splat and is broadcast to ``shape``.  Floats come back as their own
    dtype (bf16 as float32); integers as int64 (uint64 for unsigned
    64-bit), read as signed or unsigned per ``signed`` for signless types.
    Integers use ``ceil(bits / 8)`` bytes per element (i4: 1, i12: 2,
    i17: 3); i1 is bit-packed (or one byte per element).
    """
    text = hex_text.strip().strip('"')
    if text[:2].lower() == "0x":
        text = text[2:]
    data = bytes.fromhex(text)
    shape = tuple(int(d) for d in shape)
    n = int(np.prod(shape, dtype=np.int64))
    kind, width = element_type_info(element_type, signed)
    nbytes = _storage_bytes(kind, width)
    if nbytes == 0:  # i1
        if len(data) == n:
            raw = np.frombuffer(data, dtype=np.uint8)
        else:
            bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8),
                                 bitorder="little")
            if len(bits) < n or len(data) != (n + 7) // 8:
                if len(data) == 1:
                    bits = np.full(n, 1 if data[0] else 0, dtype=np.uint8)
                else:
                    raise ValueError(
                        f"{len(data)} bytes do not hold {n} i1 elements")
            raw = bits[:n]
        return (raw != 0).reshape(shape)
    count, extra = divmod(len(data), nbytes)
    if extra:
        raise ValueError(f"{len(data)} bytes are not a whole number of "
                         f"{element_type} elements")
    raw = _decode_storage(data, kind, width)
    if count == 1 and n != 1:
        raw = np.full(n, raw[0], dtype=raw.dtype)
    elif count != n:
        raise ValueError(f"hex payload holds {count} elements, type has {n}")
    if kind == "f":
        return raw.reshape(shape).copy()
    if kind == "bf":
        return _bf16_to_f32(raw).reshape(shape)
    return _convert_ints(raw, kind, width).reshape(shape)


def _parse_scalar(tok: str, kind: str, width: int):
    tok = tok.strip()
    if kind in ("f", "bf"):
        if tok.lower().startswith("0x"):  # bit pattern (NaN, inf, ...)
            bits = int(tok, 16)
            if kind == "bf":
                return _bf16_to_f32(np.array([bits], dtype=np.uint16))[0]
            dt = _FLOAT_TYPES[f"f{width}"]
            ut = np.dtype(f"<u{dt.itemsize}")
            return np.array([bits], dtype=ut).view(dt)[0]
        if tok in ("true", "false"):
            raise ValueError(f"boolean {tok} in a float attribute")
        val = float(tok)
        if kind == "bf":
            return np.float32(val)
        return np.dtype(_FLOAT_TYPES[f"f{width}"]).type(val)
    if tok == "true":
        return 1
    if tok == "false":
        return 0
    return int(tok, 0)


def _split_top_level(text: str) -> List[str]:
    items, depth, cur = [], 0, []
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        items.append("".join(cur))
    return items


def _flatten_literal(text: str) -> List[str]:
    text = text.strip()
    if text.startswith("["):
        if not text.endswith("]"):
            raise ValueError(f"unbalanced literal {text!r}")
        out: List[str] = []
        for item in _split_top_level(text[1:-1]):
            out.extend(_flatten_literal(item))
        return out
    if text.startswith("("):
        raise ValueError("complex elements are not supported")
    return [text]


def parse_dense_elements(attr: str, type_text: Optional[str] = None, *,
                         shape: Optional[Sequence[int]] = None,
                         element_type: Optional[str] = None,
                         signed: bool = True) -> np.ndarray:
    """Parses a printed ``dense<...>`` attribute into a numpy array.

    ``attr`` is ``dense<"0x...">``, ``dense<1.5>`` (splat) or
    ``dense<[[1, 2], [3, 4]]>``; either ``type_text`` (e.g.
    ``tensor<4x3xf32>``) or ``shape`` and ``element_type`` describe it.
    ``signed`` says how to read signless integers.
    """
    if type_text is not None:
        shape, element_type = parse_tensor_type(type_text)
    if shape is None or element_type is None:
        raise ValueError("need type_text or shape and element_type")
    m = re.fullmatch(r"\s*dense<(.*)>\s*", attr, flags=re.S)
    if not m:
        raise ValueError(f"not a dense elements attribute: {attr[:80]!r}")
    body = m.group(1).strip()
    shape = tuple(int(d) for d in shape)
    if body.startswith('"'):
        return parse_hex_elements(body.strip('"'), shape, element_type, signed)
    kind, width = element_type_info(element_type, signed)
    n = int(np.prod(shape, dtype=np.int64))
    toks = _flatten_literal(body) if body else []
    if len(toks) == 1 and n != 1:
        toks = toks * n
    if len(toks) != n:
        raise ValueError(f"{len(toks)} elements for a type with {n}")
    if width == 1 and kind not in ("f", "bf"):
        return np.array([_parse_scalar(t, kind, width) != 0 for t in toks],
                        dtype=bool).reshape(shape)
    vals = [_parse_scalar(t, kind, width) for t in toks]
    if kind == "f":
        return np.array(vals, dtype=_FLOAT_TYPES[f"f{width}"]).reshape(shape)
    if kind == "bf":
        return np.array(vals, dtype=np.float32).reshape(shape)
    # Integers may be printed signed or unsigned; normalise to the width.
    mask = (1 << width) - 1
    norm = []
    for v in vals:
        u = v & mask
        if kind in ("i", "si") and u >> (width - 1):
            u -= 1 << width
        norm.append(u)
    dt = np.uint64 if (kind == "ui" and width == 64) else np.int64
    return np.array(norm, dtype=dt).reshape(shape)


# ---------------------------------------------------------------------------
# Finding values in printed IR
# ---------------------------------------------------------------------------

_DEF_RE_TEMPLATE = (r"^\s*{name}\s*=\s*(?P<op>[\w.\"]+)\s*(?P<rest>.*?)\s*$")


def find_value_definition(ir: str, value: str) -> Tuple[str, str]:
    """``(op_name, rest_of_line)`` of the single-result op defining
    ``value`` (e.g. ``'%cst'``) in printed IR."""
    name = re.escape(value)
    pat = re.compile(_DEF_RE_TEMPLATE.format(name=name) , flags=re.M)
    m = pat.search(ir)
    if not m:
        raise LookupError(f"no definition of {value} in:\n{ir}")
    return m.group("op").strip('"'), m.group("rest")


def returned_values(ir: str, func: Optional[str] = None) -> List[str]:
    """SSA names returned by the first ``return`` (of ``func`` if given)."""
    text = ir
    if func is not None:
        m = re.search(r"func\.func\s+(?:\w+\s+)?@" + re.escape(func) + r"\b",
                      ir)
        if not m:
            raise LookupError(f"no function @{func} in:\n{ir}")
        text = ir[m.end():]
    m = re.search(r"^\s*(?:func\.)?return\s+(?P<vals>[^:\n]*?)\s*:", text,
                  flags=re.M)
    if not m:
        raise LookupError(f"no return with operands in:\n{ir}")
    return [v.strip() for v in m.group("vals").split(",")]


_CONST_RE = re.compile(r"(?P<attr>dense<.*>)\s*:\s*(?P<type>(?:tensor|vector)<[^>]*>)\s*$")


def returned_constants(ir: str, func: Optional[str] = None, *,
                       signed: Union[bool, Sequence[bool]] = True
                       ) -> List[np.ndarray]:
    """Arrays of the constants that the (first) return of ``func`` returns.

    Raises ``AssertionError`` with the IR when a returned value is not
    defined by a constant with a ``dense<...>`` attribute (e.g. because an
    op did not fold).
    """
    vals = returned_values(ir, func)
    signs = [signed] * len(vals) if isinstance(signed, bool) else list(signed)
    out = []
    for v, sgn in zip(vals, signs):
        op, rest = find_value_definition(ir, v)
        m = _CONST_RE.search(rest)
        if not op.endswith("constant") or not m:
            raise AssertionError(
                f"{v} is defined by {op} {rest[:200]}, not by a dense "
                f"constant; IR:\n{ir}")
        out.append(parse_dense_elements(m.group("attr"), m.group("type"),
                                        signed=sgn))
    return out
