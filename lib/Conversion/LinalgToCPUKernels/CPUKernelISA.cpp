//===- CPUKernelISA.cpp - the instruction sets of the kernels -------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The table of targets: a new instruction set is a row here (and, for a new
// dot instruction, an emitter file); the option parsing, host detection and
// target features all read it.
//
//===----------------------------------------------------------------------===//

#include "CPUKernelISA.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

static const CPUKernelISAInfo kISAs[] = {
    {CPUKernelISA::AVX512VNNI, "avx512-vnni",
     "+avx512f,+avx512bw,+avx512vnni,+fma", "avx512f,avx512bw,avx512vnni", 512,
     DotKind::VNNI},
    {CPUKernelISA::AVX512, "avx512", "+avx512f,+avx512bw,+fma",
     "avx512f,avx512bw", 512, DotKind::MAdd},
    {CPUKernelISA::AVX2, "avx2", "+avx2,+fma", "avx2,fma", 256, DotKind::MAdd},
};

ArrayRef<CPUKernelISAInfo> cpu::getCPUKernelISAs() { return kISAs; }

const CPUKernelISAInfo &cpu::getCPUKernelISAInfo(CPUKernelISA isa) {
  for (const CPUKernelISAInfo &info : kISAs)
    if (info.isa == isa)
      return info;
  llvm_unreachable("unknown ISA");
}

std::optional<CPUKernelISA> mlir::qsim::resolveCPUKernelISA(StringRef name,
                                                            bool *known) {
  if (known)
    *known = true;
  if (name == "auto") {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    for (const CPUKernelISAInfo &info : kISAs) {
      SmallVector<StringRef> required;
      info.hostFeatures.split(required, ',');
      if (llvm::all_of(required,
                       [&](StringRef f) { return features.lookup(f); }))
        return info.isa;
    }
    return std::nullopt;
  }
  for (const CPUKernelISAInfo &info : kISAs)
    if (info.name == name)
      return info.isa;
  if (known)
    *known = false;
  return std::nullopt;
}

StringRef mlir::qsim::getCPUKernelFeatures(CPUKernelISA isa) {
  return getCPUKernelISAInfo(isa).features;
}
