//===- CPUKernelISA.h - the instruction sets of the kernels -----*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_CPUKERNELISA_H
#define QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_CPUKERNELISA_H

#include "DotEmitter.h"

#include "qsim/Conversion/LinalgToCPUKernels/LinalgToCPUKernels.h"

namespace mlir {
namespace qsim {
namespace cpu {

/// What the kernels use of one instruction set.
struct CPUKernelISAInfo {
  CPUKernelISA isa;
  StringRef name;         ///< the spelling of the pass option
  StringRef features;     ///< LLVM target features of the generated code
  StringRef hostFeatures; ///< what `auto` requires of the host (comma list)
  unsigned vectorBits;    ///< 256 (ymm) or 512 (zmm)
  DotKind int8Dot;        ///< the int8 dot of a convolution or matmul
};

/// Every instruction set, best first (the order in which `auto` tries them).
ArrayRef<CPUKernelISAInfo> getCPUKernelISAs();

const CPUKernelISAInfo &getCPUKernelISAInfo(CPUKernelISA isa);

} // namespace cpu
} // namespace qsim
} // namespace mlir

#endif // QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_CPUKERNELISA_H
