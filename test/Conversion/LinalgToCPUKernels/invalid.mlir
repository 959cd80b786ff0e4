// RUN: qsim-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(convert-linalg-to-cpu-kernels{target=sse9}))'

// expected-error @below {{unknown micro-kernel target 'sse9' (expected auto, avx512-vnni, avx512 or avx2)}}
func.func @f() {
  return
}
