"""QDQ ONNX interop: qsim's calibrated points written into the float ONNX
model as QuantizeLinear/DequantizeLinear pairs (:mod:`qsim.qdq.export`,
``qsim export-onnx``), read from the calibrated module's IR
(:mod:`qsim.qdq.points`).  docs/Interop.md describes both directions."""
