/*===- main.c - runs a model library made by `qsim compile` ---------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
//   run_model [--output OUT.npy]... [IN.npy]...
//
// Reads one .npy file per model input (none: every input is filled with a
// fixed pattern), runs the model once through the C ABI of qsim_model.h,
// prints each output's shape and first values, and writes output i to the
// i-th --output file. Everything about the model (count, shapes, element
// types of its tensors) comes from the library; this file knows no model.
//
//===----------------------------------------------------------------------===*/

#include "qsim_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define MAX_TENSORS 64

static const char *descr_of(int dtype) {
  switch (dtype) {
  case QSIM_DTYPE_F32: return "<f4";
  case QSIM_DTYPE_F64: return "<f8";
  case QSIM_DTYPE_I8: return "|i1";
  case QSIM_DTYPE_U8: return "|u1";
  case QSIM_DTYPE_I16: return "<i2";
  case QSIM_DTYPE_I32: return "<i4";
  case QSIM_DTYPE_I64: return "<i8";
  case QSIM_DTYPE_BOOL: return "|b1";
  }
  return "?";
}

/* The shape as numpy prints it: (1, 3, 224, 224), (10,), (). */
static void format_shape(char *buf, size_t size, const int64_t *shape, int rank) {
  size_t n = (size_t)snprintf(buf, size, "(");
  for (int d = 0; d < rank && n < size; ++d)
    n += (size_t)snprintf(buf + n, size - n, "%s%lld", d ? ", " : "",
                          (long long)shape[d]);
  if (n < size)
    snprintf(buf + n, size - n, rank == 1 ? ",)" : ")");
}

/* Reads the .npy file `path` into `data`, checking that it holds a C-order
   array of exactly input `index`'s element type and shape. */
static int read_npy(const char *path, int index, void *data) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "run_model: error: cannot open '%s'\n", path);
    return 1;
  }
  unsigned char magic[8];
  unsigned header_len = 0;
  int ok = fread(magic, 1, 8, f) == 8 && memcmp(magic, "\x93NUMPY", 6) == 0;
  if (ok && magic[6] == 1) {
    unsigned char b[2];
    ok = fread(b, 1, 2, f) == 2;
    header_len = b[0] | (unsigned)b[1] << 8;
  } else if (ok) {
    unsigned char b[4];
    ok = fread(b, 1, 4, f) == 4;
    header_len = b[0] | (unsigned)b[1] << 8 | (unsigned)b[2] << 16 |
                 (unsigned)b[3] << 24;
  }
  char *header = ok && header_len < (1u << 20) ? calloc(header_len + 1, 1) : NULL;
  if (!header || fread(header, 1, header_len, f) != header_len) {
    fprintf(stderr, "run_model: error: '%s' is not a .npy file\n", path);
    free(header);
    fclose(f);
    return 1;
  }
  /* The header numpy writes for the expected array, compared up to the
     padding (numpy writes the keys in this order). */
  char expected[512], shape[256];
  format_shape(shape, sizeof(shape), qsim_model_input_shape(index),
               qsim_model_input_rank(index));
  snprintf(expected, sizeof(expected),
           "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
           descr_of(qsim_model_input_dtype(index)), shape);
  if (strncmp(header, expected, strlen(expected)) != 0) {
    char *end = strchr(header, '}');
    if (end)
      end[1] = '\0';
    fprintf(stderr, "run_model: error: '%s' holds %s; input #%d is %s\n", path,
            header, index, expected);
    free(header);
    fclose(f);
    return 1;
  }
  free(header);
  size_t bytes = (size_t)qsim_model_input_bytes(index);
  if (fread(data, 1, bytes, f) != bytes) {
    fprintf(stderr, "run_model: error: '%s' is shorter than its header says\n",
            path);
    fclose(f);
    return 1;
  }
  fclose(f);
  return 0;
}

static int write_npy(const char *path, int index, const void *data) {
  char shape[256], header[512];
  format_shape(shape, sizeof(shape), qsim_model_output_shape(index),
               qsim_model_output_rank(index));
  int n = snprintf(header, sizeof(header),
                   "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                   descr_of(qsim_model_output_dtype(index)), shape);
  /* Magic, version 1.0, 2-byte length; the data starts 64-byte aligned. */
  int total = (10 + n + 1 + 63) / 64 * 64;
  while (10 + n + 1 < total)
    header[n++] = ' ';
  header[n++] = '\n';
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "run_model: error: cannot write '%s'\n", path);
    return 1;
  }
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                           (unsigned char)(n & 0xff), (unsigned char)(n >> 8)};
  size_t bytes = (size_t)qsim_model_output_bytes(index);
  int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(header, 1, (size_t)n, f) == (size_t)n &&
           fwrite(data, 1, bytes, f) == bytes;
  ok = fclose(f) == 0 && ok;
  if (!ok)
    fprintf(stderr, "run_model: error: cannot write '%s'\n", path);
  return !ok;
}

static double element(const void *data, int dtype, int64_t i) {
  switch (dtype) {
  case QSIM_DTYPE_F32: return ((const float *)data)[i];
  case QSIM_DTYPE_F64: return ((const double *)data)[i];
  case QSIM_DTYPE_I8: return ((const int8_t *)data)[i];
  case QSIM_DTYPE_U8:
  case QSIM_DTYPE_BOOL: return ((const uint8_t *)data)[i];
  case QSIM_DTYPE_I16: return ((const int16_t *)data)[i];
  case QSIM_DTYPE_I32: return ((const int32_t *)data)[i];
  case QSIM_DTYPE_I64: return (double)((const int64_t *)data)[i];
  }
  return 0;
}

/* A fixed pattern: byte k of the input is (k * 7 + 3) mod 256 for integer
   inputs, a small ramp for float ones. */
static void fill(void *data, int dtype, int64_t bytes) {
  int64_t k;
  if (dtype == QSIM_DTYPE_F32)
    for (k = 0; k < bytes / 4; ++k)
      ((float *)data)[k] = (float)(k % 17) / 16.0f - 0.5f;
  else if (dtype == QSIM_DTYPE_F64)
    for (k = 0; k < bytes / 8; ++k)
      ((double *)data)[k] = (double)(k % 17) / 16.0 - 0.5;
  else if (dtype == QSIM_DTYPE_BOOL)
    for (k = 0; k < bytes; ++k)
      ((uint8_t *)data)[k] = (uint8_t)(k & 1);
  else
    for (k = 0; k < bytes; ++k)
      ((uint8_t *)data)[k] = (uint8_t)((k * 7 + 3) & 0xff);
}

int main(int argc, char **argv) {
  const char *input_files[MAX_TENSORS], *output_files[MAX_TENSORS];
  int num_input_files = 0, num_output_files = 0;
  for (int a = 1; a < argc; ++a) {
    if (strcmp(argv[a], "--output") == 0 && a + 1 < argc) {
      if (num_output_files < MAX_TENSORS)
        output_files[num_output_files++] = argv[++a];
    } else if (argv[a][0] == '-') {
      fprintf(stderr, "usage: %s [--output OUT.npy]... [IN.npy]...\n", argv[0]);
      return 2;
    } else if (num_input_files < MAX_TENSORS) {
      input_files[num_input_files++] = argv[a];
    }
  }

#if defined(__GLIBC__)
  /* The model mallocs and frees its intermediate buffers on every call;
     keeping freed memory in the heap (32 MiB is glibc's largest mmap
     threshold) spares the page faults of fresh mmap'd buffers. */
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  if (qsim_model_abi_version() != QSIM_MODEL_ABI_VERSION) {
    fprintf(stderr, "run_model: error: the library has ABI version %d, this "
            "program was built for %d\n", qsim_model_abi_version(),
            QSIM_MODEL_ABI_VERSION);
    return 1;
  }
  int num_inputs = qsim_model_num_inputs(), num_outputs = qsim_model_num_outputs();
  printf("%s\n", qsim_model_version());
  if (num_input_files != 0 && num_input_files != num_inputs) {
    fprintf(stderr, "run_model: error: the model takes %d input(s), got %d file(s)\n",
            num_inputs, num_input_files);
    return 2;
  }
  if (num_output_files > num_outputs || num_inputs > MAX_TENSORS ||
      num_outputs > MAX_TENSORS) {
    fprintf(stderr, "run_model: error: the model returns %d output(s), got %d "
            "--output file(s)\n", num_outputs, num_output_files);
    return 2;
  }

  void *inputs[MAX_TENSORS], *outputs[MAX_TENSORS];
  int status = 0;
  for (int i = 0; i < num_inputs; ++i) {
    int64_t bytes = qsim_model_input_bytes(i);
    inputs[i] = malloc(bytes ? (size_t)bytes : 1);
    if (num_input_files)
      status = status || read_npy(input_files[i], i, inputs[i]);
    else
      fill(inputs[i], qsim_model_input_dtype(i), bytes);
  }
  for (int j = 0; j < num_outputs; ++j) {
    int64_t bytes = qsim_model_output_bytes(j);
    outputs[j] = malloc(bytes ? (size_t)bytes : 1);
  }
  if (status == 0) {
    status = qsim_model_run((const void *const *)inputs, outputs);
    if (status != QSIM_OK)
      fprintf(stderr, "run_model: error: qsim_model_run returned %d\n", status);
  }
  for (int j = 0; j < num_outputs && status == 0; ++j) {
    char shape[256];
    int dtype = qsim_model_output_dtype(j);
    int64_t count = qsim_model_output_bytes(j) /
                    (int64_t)(descr_of(dtype)[2] - '0');
    format_shape(shape, sizeof(shape), qsim_model_output_shape(j),
                 qsim_model_output_rank(j));
    printf("output #%d: shape %s dtype %s:", j, shape, descr_of(dtype));
    for (int64_t i = 0; i < count && i < 10; ++i)
      printf(" %.9g", element(outputs[j], dtype, i));
    printf(count > 10 ? " ...\n" : "\n");
    if (j < num_output_files)
      status = write_npy(output_files[j], j, outputs[j]);
  }
  for (int i = 0; i < num_inputs; ++i)
    free(inputs[i]);
  for (int j = 0; j < num_outputs; ++j)
    free(outputs[j]);
  return status ? 1 : 0;
}
