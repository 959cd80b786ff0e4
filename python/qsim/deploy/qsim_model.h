/*===- qsim_model.h - C ABI of a model compiled by `qsim compile` -*- C -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// `qsim compile MODEL -o libmodel.so` writes a shared library holding one
// model, compiled ahead of time for one CPU, that exports exactly these
// functions (docs/Deploy.md). The library needs only the C library and libm
// at run time: no MLIR, no LLVM.
//
// Tensors are dense and row-major (C order), of the element type and shape
// the functions below report; they never change for a given library.
//
//===----------------------------------------------------------------------===*/

#ifndef QSIM_MODEL_H
#define QSIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The version of this interface; qsim_model_abi_version() returns it. */
#define QSIM_MODEL_ABI_VERSION 2

/** Element types of inputs and outputs (0 is never a valid type). */
enum qsim_dtype {
  QSIM_DTYPE_F32 = 1,  /* float */
  QSIM_DTYPE_F64 = 2,  /* double */
  QSIM_DTYPE_I8 = 3,   /* int8_t */
  QSIM_DTYPE_U8 = 4,   /* uint8_t */
  QSIM_DTYPE_I16 = 5,  /* int16_t */
  QSIM_DTYPE_I32 = 6,  /* int32_t */
  QSIM_DTYPE_I64 = 7,  /* int64_t */
  QSIM_DTYPE_BOOL = 8  /* one byte per element, 0 or 1 */
};

/** What qsim_model_run returns. */
enum qsim_status {
  QSIM_OK = 0,
  /** `inputs` or `outputs` (or one of their entries) is NULL. */
  QSIM_ERROR_NULL_POINTER = 1,
  /** The compiled code returned a result of another shape than declared
      (a compiler bug); the output buffers are left unspecified. */
  QSIM_ERROR_RESULT_SHAPE = 2
};

/** QSIM_MODEL_ABI_VERSION of the header the library was built with. */
int qsim_model_abi_version(void);

/** One line describing the library: the qsim version and commit that
    compiled it, the model file's SHA-256, the entry function, the target
    CPU and the pipeline options. */
const char *qsim_model_version(void);

int qsim_model_num_inputs(void);
int qsim_model_num_outputs(void);

/** Rank of input/output `index`; -1 when there is no such input/output. */
int qsim_model_input_rank(int index);
int qsim_model_output_rank(int index);

/** The `rank` sizes of input/output `index` (valid for the lifetime of the
    library; a rank-0 tensor gives a pointer to no sizes); NULL when there
    is no such input/output. */
const int64_t *qsim_model_input_shape(int index);
const int64_t *qsim_model_output_shape(int index);

/** Element type (enum qsim_dtype); 0 when there is no such input/output. */
int qsim_model_input_dtype(int index);
int qsim_model_output_dtype(int index);

/** Size in bytes of the whole input/output `index`; -1 when there is no
    such input/output. */
int64_t qsim_model_input_bytes(int index);
int64_t qsim_model_output_bytes(int index);

/** The `threads` option the model was compiled with (qsim compile
    --threads, or threads= in --pipeline-options): 1, no parallel loops (and
    no OpenMP runtime); N > 1, a team of N threads; 0, the team size chosen
    at run time: qsim_model_set_num_threads, else OMP_NUM_THREADS, else
    every core. A model whose loops are all too small for threads reports 1
    whatever it was compiled with. */
int qsim_model_compiled_threads(void);

/** Sets the number of threads of the following calls of a library compiled
    with threads 0 (process-wide: the OpenMP runtime's team size). Returns 0;
    -1 when n < 1, or when the library's thread count is fixed
    (qsim_model_compiled_threads() != 0) and n differs from it. The results
    are the same bits for every thread count. */
int qsim_model_set_num_threads(int n);

/** Runs the model once. `inputs[i]` points to input i and `outputs[j]` to a
    caller-owned buffer of qsim_model_output_bytes(j) bytes that receives
    output j. The inputs are only read. The function keeps no state between
    calls: every intermediate buffer is allocated with malloc and freed
    before it returns. Returns QSIM_OK or an enum qsim_status error. */
int qsim_model_run(const void *const *inputs, void *const *outputs);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QSIM_MODEL_H */
