# QSIM_ENABLE_SANITIZERS: builds every target of this project (libraries,
# tools, gtests) with AddressSanitizer and UndefinedBehaviorSanitizer, and
# adds the libFuzzer targets of test/fuzz. Needs clang (libFuzzer ships with
# it; GCC has none): configure with the `asan` preset of CMakePresets.json or
# -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22.
#
# Only our code is instrumented: libMLIR.so and libLLVM.so come from Debian
# and are not. ASan still sees every heap access our code makes (malloc is
# intercepted process-wide); it misses overflows inside MLIR's own code.
option(QSIM_ENABLE_SANITIZERS
  "Build with -fsanitize=address,undefined and add the libFuzzer targets (clang only)" OFF)

if(NOT QSIM_ENABLE_SANITIZERS)
  return()
endif()

if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR
    "QSIM_ENABLE_SANITIZERS needs clang (libFuzzer is part of clang), not "
    "${CMAKE_CXX_COMPILER_ID}: configure with --preset asan or "
    "-DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_C_COMPILER=clang-22")
endif()

# -fno-sanitize=vptr: LLVM and MLIR are built without RTTI, so the vptr check
# has no type information to test against. -fno-sanitize-recover: undefined
# behaviour aborts (and fails the test) instead of printing and going on.
# -gline-tables-only: file:line in the reports at a fraction of -g's cost.
# fuzzer-no-link: coverage instrumentation for libFuzzer in the libraries the
# fuzz targets link; the other binaries get the sanitizer runtime's no-op
# callbacks, so one build serves both the sanitized suites and the fuzzers.
set(QSIM_SANITIZER_FLAGS
  -fsanitize=address,undefined,fuzzer-no-link
  -fno-sanitize=vptr
  -fno-sanitize-recover=undefined
  -fno-omit-frame-pointer
  -gline-tables-only)
add_compile_options(${QSIM_SANITIZER_FLAGS})
add_link_options(-fsanitize=address,undefined)
message(STATUS "qsim: sanitizers on (${QSIM_SANITIZER_FLAGS})")
