//===- QuantizableOpInterfaceImpl.h - TOSA/linalg models --------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// External models of QuantizableOpInterface for upstream TOSA and linalg ops,
// attached lazily through DialectRegistry extensions (as upstream does for
// BufferizableOpInterface), so the qsim IR library does not depend on them.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_EXTENSIONS_QUANTIZABLEOPINTERFACEIMPL_H
#define QSIM_DIALECT_QSIM_EXTENSIONS_QUANTIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;

namespace qsim {

/// Attaches QuantizableOpInterface to tosa.conv2d, tosa.depthwise_conv2d,
/// tosa.matmul, tosa.add, tosa.mul, tosa.clamp, tosa.max_pool2d,
/// tosa.avg_pool2d, tosa.concat, tosa.reshape and tosa.transpose.
void registerTosaQuantizableOpInterfaceExternalModels(
    DialectRegistry &registry);

/// Attaches QuantizableOpInterface to linalg.conv_2d_nhwc_fhwc,
/// conv_2d_nhwc_hwcf, conv_2d_nchw_fchw, depthwise_conv_2d_nhwc_hwc,
/// depthwise_conv_2d_nhwc_hwcm, matmul, batch_matmul and the pooling ops.
void registerLinalgQuantizableOpInterfaceExternalModels(
    DialectRegistry &registry);

/// Both of the above.
void registerQuantizableOpInterfaceExternalModels(DialectRegistry &registry);

} // namespace qsim
} // namespace mlir

#endif // QSIM_DIALECT_QSIM_EXTENSIONS_QUANTIZABLEOPINTERFACEIMPL_H
