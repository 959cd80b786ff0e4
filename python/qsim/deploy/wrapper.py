"""The C source that gives a compiled model the ABI of ``qsim_model.h``.

The model itself is the object file that ``--qsim-cpu-pipeline``, then
``mlir-translate``, ``opt`` and ``llc`` make of the module; its entry is
reachable through the C interface function ``_mlir_ciface_<entry>``
(docs/Tools.md, "Calling convention"). The source generated here has the
entry's tensor signature baked in: it builds a memref descriptor per input
around the caller's buffer, calls the C interface, copies each result (which
may be a strided view) into the caller's output buffer and frees the result
buffers the compiled code allocated. It also defines ``memrefCopy``, which
``memref.copy`` of non-contiguous views lowers to and which would otherwise
come from MLIR's C runner utilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

__all__ = ["DTYPES", "TensorSpec", "generate_wrapper"]

#: MLIR element type -> (enum qsim_dtype name, numpy dtype name, bytes).
DTYPES = {
    "f32": ("QSIM_DTYPE_F32", "float32", 4),
    "f64": ("QSIM_DTYPE_F64", "float64", 8),
    "i8": ("QSIM_DTYPE_I8", "int8", 1),
    "ui8": ("QSIM_DTYPE_U8", "uint8", 1),
    "i16": ("QSIM_DTYPE_I16", "int16", 2),
    "i32": ("QSIM_DTYPE_I32", "int32", 4),
    "i64": ("QSIM_DTYPE_I64", "int64", 8),
    "i1": ("QSIM_DTYPE_BOOL", "bool", 1),
}


@dataclass(frozen=True)
class TensorSpec:
    """A static shape and an MLIR element type (a key of :data:`DTYPES`)."""

    shape: Tuple[int, ...]
    element_type: str

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def words(self) -> int:
        """8-byte words of its memref descriptor."""
        return 3 + 2 * self.rank


def _c_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append("?")
    return '"' + "".join(out) + '"'


def _tables(prefix: str, specs: Sequence[TensorSpec]) -> List[str]:
    lines = []
    for i, s in enumerate(specs):
        dims = ", ".join(f"INT64_C({d})" for d in s.shape) or "0"
        lines.append(f"static const int64_t {prefix}_shape{i}[] = {{{dims}}};")
    n = max(len(specs), 1)

    def table(ctype, name, values):
        body = ", ".join(values) or "0"
        lines.append(f"static const {ctype} {prefix}_{name}[{n}] = {{{body}}};")

    table("int64_t *const", "shapes", [f"{prefix}_shape{i}" for i in range(len(specs))])
    table("int", "ranks", [str(s.rank) for s in specs])
    table("int", "dtypes", [DTYPES[s.element_type][0] for s in specs])
    table("int64_t", "elems", [f"INT64_C({_elements(s.shape)})" for s in specs])
    table("int64_t", "esize", [str(DTYPES[s.element_type][2]) for s in specs])
    return lines


def _elements(shape: Sequence[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


_RUNTIME = r"""
/* memref.get_global of a constant gives a descriptor whose allocated
   pointer is this marker; it is never freed. */
#define QSIM_GLOBAL_MARKER ((uintptr_t)0xdeadbeef)

static unsigned char qsim_empty_storage[8];

static void qsim_fill_descriptor(int64_t *desc, const void *data, int rank,
                                 const int64_t *shape) {
  int64_t stride = 1;
  int d;
  desc[0] = desc[1] = (int64_t)(uintptr_t)data;
  desc[2] = 0;
  for (d = rank - 1; d >= 0; --d) {
    desc[3 + d] = shape[d];
    desc[3 + rank + d] = stride;
    stride *= shape[d];
  }
}

/* Copies the `elems` elements of the view `src` (a descriptor of `rank`) into
   the dense buffer `dst`. */
static void qsim_copy_out(const int64_t *src, int rank, int64_t elems,
                          int64_t esize, unsigned char *dst) {
  const unsigned char *base =
      (const unsigned char *)(uintptr_t)src[1] + src[2] * esize;
  const int64_t *sizes = src + 3, *strides = src + 3 + rank;
  int64_t index[QSIM_MAX_RANK + 1] = {0};
  int64_t linear, position = 0;
  int d;
  for (linear = 0; linear < elems; ++linear) {
    memcpy(dst + linear * esize, base + position * esize, (size_t)esize);
    for (d = rank - 1; d >= 0; --d) {
      position += strides[d];
      if (++index[d] < sizes[d])
        break;
      position -= strides[d] * sizes[d];
      index[d] = 0;
    }
  }
}

struct qsim_unranked_memref {
  int64_t rank;
  void *descriptor;
};

/* What MLIR's C runner utilities would provide: memref.copy between views
   that are not both contiguous. Hidden, so that it never interposes on (or
   is interposed by) another copy in the process. */
__attribute__((visibility("hidden"))) void
memrefCopy(int64_t esize, struct qsim_unranked_memref *src,
           struct qsim_unranked_memref *dst) {
  int64_t rank = src->rank, elems = 1, linear, d;
  const int64_t *s = (const int64_t *)src->descriptor;
  const int64_t *t = (const int64_t *)dst->descriptor;
  const unsigned char *from =
      (const unsigned char *)(uintptr_t)s[1] + s[2] * esize;
  unsigned char *to = (unsigned char *)(uintptr_t)t[1] + t[2] * esize;
  int64_t *index, spos = 0, tpos = 0;
  for (d = 0; d < rank; ++d)
    elems *= s[3 + d];
  if (elems == 0)
    return;
  if (rank == 0) {
    memcpy(to, from, (size_t)esize);
    return;
  }
  index = (int64_t *)calloc((size_t)rank, sizeof(int64_t));
  if (!index)
    abort();
  for (linear = 0; linear < elems; ++linear) {
    memcpy(to + tpos * esize, from + spos * esize, (size_t)esize);
    for (d = rank - 1; d >= 0; --d) {
      spos += s[3 + rank + d];
      tpos += t[3 + rank + d];
      if (++index[d] < s[3 + d])
        break;
      spos -= s[3 + rank + d] * s[3 + d];
      tpos -= t[3 + rank + d] * s[3 + d];
      index[d] = 0;
    }
  }
  free(index);
}

#define QSIM_DEFINE_QUERIES(kind, count)                                       \
  int qsim_model_##kind##_rank(int i) {                                        \
    return i >= 0 && i < count ? kind##_ranks[i] : -1;                         \
  }                                                                            \
  const int64_t *qsim_model_##kind##_shape(int i) {                            \
    return i >= 0 && i < count ? kind##_shapes[i] : 0;                         \
  }                                                                            \
  int qsim_model_##kind##_dtype(int i) {                                       \
    return i >= 0 && i < count ? kind##_dtypes[i] : 0;                         \
  }                                                                            \
  int64_t qsim_model_##kind##_bytes(int i) {                                   \
    return i >= 0 && i < count ? kind##_elems[i] * kind##_esize[i] : -1;       \
  }

int qsim_model_abi_version(void) { return QSIM_MODEL_ABI_VERSION; }
const char *qsim_model_version(void) { return QSIM_VERSION_STRING; }
int qsim_model_num_inputs(void) { return QSIM_NUM_INPUTS; }
int qsim_model_num_outputs(void) { return QSIM_NUM_OUTPUTS; }
QSIM_DEFINE_QUERIES(input, QSIM_NUM_INPUTS)
QSIM_DEFINE_QUERIES(output, QSIM_NUM_OUTPUTS)
"""


def _threads_functions(threads: int) -> List[str]:
    """qsim_model_compiled_threads and qsim_model_set_num_threads for a
    library compiled with ``threads`` (0: the OpenMP team size at run time;
    1: no OpenMP)."""
    lines = [f"int qsim_model_compiled_threads(void) {{ return {threads}; }}", ""]
    if threads == 0:
        lines += [
            "void omp_set_num_threads(int);",
            "",
            "int qsim_model_set_num_threads(int n) {",
            "  if (n < 1)",
            "    return -1;",
            "  omp_set_num_threads(n);",
            "  return 0;",
            "}",
        ]
    else:
        lines += [
            "int qsim_model_set_num_threads(int n) {",
            f"  return n == {threads} ? 0 : -1;",
            "}",
        ]
    return lines + [""]


def generate_wrapper(entry: str, inputs: Sequence[TensorSpec],
                     outputs: Sequence[TensorSpec], version: str,
                     threads: int = 1) -> str:
    """C source implementing ``qsim_model.h`` around ``_mlir_ciface_<entry>``
    of a function taking ``inputs`` and returning ``outputs``, compiled with
    ``threads`` (0: the OpenMP team size at run time; 1: no OpenMP)."""
    if threads < 0:
        raise ValueError(f"threads must be 0 or more, got {threads}")
    for s in (*inputs, *outputs):
        if s.element_type not in DTYPES:
            raise ValueError(f"unsupported element type {s.element_type}")
    max_rank = max([s.rank for s in (*inputs, *outputs)] + [1])
    result_words = sum(s.words for s in outputs)
    lines = [
        "/* Generated by qsim compile: the C ABI (qsim_model.h) of the function",
        f"   '{entry}'. Do not edit. */",
        "#include \"qsim_model.h\"",
        "",
        "#include <stdint.h>",
        "#include <stdlib.h>",
        "#include <string.h>",
        "",
        f"#define QSIM_NUM_INPUTS {len(inputs)}",
        f"#define QSIM_NUM_OUTPUTS {len(outputs)}",
        f"#define QSIM_MAX_RANK {max_rank}",
        f"#define QSIM_VERSION_STRING {_c_string(version)}",
        "",
        *_tables("input", inputs),
        *_tables("output", outputs),
        _RUNTIME,
        *_threads_functions(threads),
    ]
    params = (["int64_t *results"] if outputs else []) + [
        f"int64_t *input{i}" for i in range(len(inputs))]
    lines.append(f"void _mlir_ciface_{entry}({', '.join(params) or 'void'});")
    lines.append("")
    lines.append("int qsim_model_run(const void *const *inputs, void *const *outputs) {")
    body: List[str] = []
    if inputs:
        body.append("if (!inputs)")
        body.append("  return QSIM_ERROR_NULL_POINTER;")
    if outputs:
        body.append("if (!outputs)")
        body.append("  return QSIM_ERROR_NULL_POINTER;")
    body.append("{")
    body.append("int i;")
    body.append("for (i = 0; i < QSIM_NUM_INPUTS; ++i)")
    body.append("  if (!inputs[i])")
    body.append("    return QSIM_ERROR_NULL_POINTER;")
    body.append("for (i = 0; i < QSIM_NUM_OUTPUTS; ++i)")
    body.append("  if (!outputs[i])")
    body.append("    return QSIM_ERROR_NULL_POINTER;")
    body.append("}")
    for i, s in enumerate(inputs):
        body.append(f"int64_t input{i}[{s.words}];")
    body.append(f"int64_t results[{max(result_words, 1)}] = {{0}};")
    body.append("int status = QSIM_OK;")
    for i, s in enumerate(inputs):
        body.append(f"const void *data{i} = input_elems[{i}] ? inputs[{i}] "
                    f": (const void *)qsim_empty_storage;")
        body.append(f"qsim_fill_descriptor(input{i}, data{i}, {s.rank}, input_shape{i});")
    args = (["results"] if outputs else []) + [f"input{i}" for i in range(len(inputs))]
    body.append(f"_mlir_ciface_{entry}({', '.join(args)});")
    offset = 0
    for j, s in enumerate(outputs):
        for d in range(s.rank):
            body.append(f"if (results[{offset + 3 + d}] != output_shape{j}[{d}])")
            body.append("  status = QSIM_ERROR_RESULT_SHAPE;")
        offset += s.words
    if outputs:
        body.append("if (status == QSIM_OK) {")
        offset = 0
        for j, s in enumerate(outputs):
            body.append(f"  qsim_copy_out(results + {offset}, {s.rank}, output_elems[{j}], "
                        f"output_esize[{j}], (unsigned char *)outputs[{j}]);")
            offset += s.words
        body.append("}")
        # Every result is a fresh malloc'ed buffer owned by the caller
        # (ownership-based deallocation), though results may share one.
        offsets = []
        offset = 0
        for s in outputs:
            offsets.append(offset)
            offset += s.words
        body.append("{")
        body.append(f"static const int offsets[{len(outputs)}] = "
                    f"{{{', '.join(map(str, offsets))}}};")
        body.append(f"uintptr_t freed[{len(outputs)}];")
        body.append("int j, k, n = 0;")
        body.append("for (j = 0; j < QSIM_NUM_OUTPUTS; ++j) {")
        body.append("  uintptr_t p = (uintptr_t)results[offsets[j]];")
        body.append("  int skip = !p || p == QSIM_GLOBAL_MARKER;")
        for i in range(len(inputs)):
            body.append(f"  skip = skip || p == (uintptr_t)data{i};")
        body.append("  for (k = 0; k < n && !skip; ++k)")
        body.append("    skip = freed[k] == p;")
        body.append("  if (!skip) {")
        body.append("    free((void *)p);")
        body.append("    freed[n++] = p;")
        body.append("  }")
        body.append("}")
        body.append("}")
    body.append("return status;")
    lines.extend("  " + b if b else "" for b in body)
    lines.append("}")
    return "\n".join(lines) + "\n"
