//===- QSimDialect.cpp - qsim dialect and attributes ----------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Dialect/QSim/IR/QSimDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "qsim/Dialect/QSim/IR/QSimInterfaces.h"
#include "qsim/Dialect/QSim/IR/QSimOps.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qsim;

#include "qsim/Dialect/QSim/IR/QSimOpsDialect.cpp.inc"

#include "qsim/Dialect/QSim/IR/QSimEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "qsim/Dialect/QSim/IR/QSimAttrs.cpp.inc"

#include "qsim/Dialect/QSim/IR/QSimInterfaces.cpp.inc"

void QSimDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "qsim/Dialect/QSim/IR/QSimOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qsim/Dialect/QSim/IR/QSimAttrs.cpp.inc"
      >();
}

Operation *QSimDialect::materializeConstant(OpBuilder &builder,
                                            Attribute value, Type type,
                                            Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}

//===----------------------------------------------------------------------===//
// QuantParamsAttr
//===----------------------------------------------------------------------===//

Attribute QuantParamsAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  SMLoc loc = parser.getCurrentLocation();
  StringRef format;
  if (parser.parseLess() || parser.parseKeyword(&format))
    return {};
  unsigned bits = 0;
  if (format.size() < 2 || (format[0] != 's' && format[0] != 'u') ||
      format.drop_front().getAsInteger(10, bits)) {
    parser.emitError(loc, "expected an integer format such as 's8' or 'u8', "
                          "got '")
        << format << "'";
    return {};
  }
  bool isSigned = format[0] == 's';

  SmallVector<float> scales;
  SmallVector<int64_t> zeroPoints;
  std::optional<int64_t> axis;
  bool pow2 = false;
  bool sawScale = false;
  // Scales are f32: a hexadecimal literal spells f32 bits (0x7FC00000 is a
  // NaN), as in a tensor<...xf32> constant, so that the verifier sees and
  // names the value that was written.
  auto parseFloatElt = [&]() -> ParseResult {
    APFloat v(0.0f);
    if (parser.parseFloat(APFloat::IEEEsingle(), v))
      return failure();
    scales.push_back(v.convertToFloat());
    return success();
  };
  auto parseIntElt = [&]() -> ParseResult {
    int64_t v;
    if (parser.parseInteger(v))
      return failure();
    zeroPoints.push_back(v);
    return success();
  };
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc kwLoc = parser.getCurrentLocation();
    StringRef kw;
    if (parser.parseKeyword(&kw))
      return {};
    if (kw == "pow2") {
      pow2 = true;
      continue;
    }
    if (parser.parseEqual())
      return {};
    if (kw == "scale") {
      if (parseFloatElt())
        return {};
      sawScale = true;
    } else if (kw == "scales") {
      if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square,
                                         parseFloatElt))
        return {};
      sawScale = true;
    } else if (kw == "zero_point") {
      if (parseIntElt())
        return {};
    } else if (kw == "zero_points") {
      if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square,
                                         parseIntElt))
        return {};
    } else if (kw == "axis") {
      int64_t a;
      if (parser.parseInteger(a))
        return {};
      axis = a;
    } else {
      parser.emitError(kwLoc, "unknown quantization parameter '")
          << kw << "' (expected scale, scales, zero_point, zero_points, "
          << "axis or pow2)";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  if (!sawScale) {
    parser.emitError(loc, "quantization parameters need a scale");
    return {};
  }
  return parser.getChecked<QuantParamsAttr>(
      loc, ctx, bits, isSigned, DenseF32ArrayAttr::get(ctx, scales),
      zeroPoints, axis, pow2);
}

void QuantParamsAttr::print(AsmPrinter &printer) const {
  printer << '<' << (getIsSigned() ? 's' : 'u') << getBits();
  auto printF = [&](float f) { printer.printFloat(APFloat(f)); };
  if (isPerChannel()) {
    printer << ", scales = [";
    llvm::interleaveComma(getScales(), printer, printF);
    printer << ']';
  } else {
    printer << ", scale = ";
    printF(getScales().front());
  }
  if (!getZeroPoints().empty()) {
    if (isPerChannel()) {
      printer << ", zero_points = [";
      llvm::interleaveComma(getZeroPoints(), printer);
      printer << ']';
    } else {
      printer << ", zero_point = " << getZeroPoints().front();
    }
  }
  if (isPerChannel())
    printer << ", axis = " << *getAxis();
  if (getPow2())
    printer << ", pow2";
  printer << '>';
}

int64_t QuantParamsAttr::getQMin() const {
  return numerics::minValue(getBits(), getIsSigned());
}
int64_t QuantParamsAttr::getQMax() const {
  return numerics::maxValue(getBits(), getIsSigned());
}

LogicalResult
QuantParamsAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        unsigned bits, bool isSigned,
                        DenseF32ArrayAttr scaleArray,
                        ArrayRef<int64_t> zeroPoints,
                        std::optional<int64_t> axis, bool pow2) {
  ArrayRef<float> scales =
      scaleArray ? scaleArray.asArrayRef() : ArrayRef<float>();
  if (bits < 2 || bits > 16)
    return emitError() << "bit width must be in [2, 16], got " << bits;
  if (scales.empty())
    return emitError() << "expected at least one scale";
  for (auto [i, s] : llvm::enumerate(scales)) {
    if (!std::isfinite(s) || !(s > 0.0f))
      return emitError() << "scale #" << i << " must be finite and > 0, got "
                         << s;
    if (!numerics::isUsableScale(s))
      return emitError() << "scale #" << i << " (" << s
                         << ") is outside the normal f32 range usable for "
                            "quantization";
    if (pow2 && !numerics::isPowerOfTwo(s))
      return emitError() << "scale #" << i << " (" << s
                         << ") is not a power of two but 'pow2' is set";
  }
  if (!axis && scales.size() != 1)
    return emitError() << "per-tensor parameters take one scale, got "
                       << scales.size() << "; per-channel ones need an axis";
  if (axis && *axis < 0)
    return emitError() << "axis must be non-negative, got " << *axis;
  if (!zeroPoints.empty() && zeroPoints.size() != scales.size())
    return emitError() << "expected " << scales.size()
                       << " zero point(s) (one per scale), got "
                       << zeroPoints.size();
  int64_t lo = numerics::minValue(bits, isSigned);
  int64_t hi = numerics::maxValue(bits, isSigned);
  for (auto [i, zp] : llvm::enumerate(zeroPoints))
    if (zp < lo || zp > hi)
      return emitError() << "zero point #" << i << " (" << zp
                         << ") is outside the " << (isSigned ? 's' : 'u')
                         << bits << " range [" << lo << ", " << hi << "]";
  return success();
}

LogicalResult
QuantParamsAttr::verifyForType(function_ref<InFlightDiagnostic()> emitError,
                               Type type, bool checkElementType,
                               StringRef what) const {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped)
    return emitError() << what << " must be a shaped type";
  if (checkElementType) {
    auto intTy = dyn_cast<IntegerType>(shaped.getElementType());
    if (!intTy || intTy.getWidth() != getBits())
      return emitError() << what << " element type " << shaped.getElementType()
                         << " does not match the " << getBits()
                         << "-bit quantization parameters (expected i"
                         << getBits() << ")";
  }
  if (!isPerChannel())
    return success();
  int64_t axis = *getAxis();
  if (!shaped.hasRank() || axis < 0 || axis >= shaped.getRank())
    return emitError() << "quantization axis " << axis
                       << " is outside the rank of " << what << " ("
                       << (shaped.hasRank() ? shaped.getRank() : 0) << ")";
  int64_t dim = shaped.getDimSize(axis);
  // One scale per channel needs a known channel count; the lowerings index
  // the scale table by the channel coordinate.
  if (ShapedType::isDynamic(dim))
    return emitError() << "per-channel quantization axis " << axis << " of "
                       << what << " must be a static dimension";
  if (static_cast<int64_t>(getNumScales()) != dim)
    return emitError() << "expected " << dim << " per-channel scales for axis "
                       << axis << " of " << what << ", got " << getNumScales();
  return success();
}
