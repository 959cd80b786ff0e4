// Lowers fine, but calls a function that exists nowhere: the JIT cannot
// resolve it.
func.func private @external(f32) -> f32

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = linalg.map ins(%x : tensor<4xf32>) outs(%x : tensor<4xf32>)
    (%in: f32, %out: f32) {
      %e = func.call @external(%in) : (f32) -> f32
      linalg.yield %e : f32
    }
  return %r : tensor<4xf32>
}
