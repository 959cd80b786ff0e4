// qsim-opt reads its input to the end, so a device that never ends is
// refused by name instead of being read forever; a directory is an error
// too.

// RUN: not qsim-opt /dev/zero 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: qsim-opt: error: cannot open input file '/dev/zero': not a regular file
// RUN: rm -rf %t.dir && mkdir -p %t.dir
// RUN: not qsim-opt %t.dir 2>&1 | FileCheck %s --check-prefix=DIR -DPATH=%t.dir
// DIR: cannot open input file '[[PATH]]': Is a directory
