// Composed kernels: a cheap unary op computed inside its single reader's pass (e.g.
// `interp(square(g), v, b)` as one pass over the tile instead of two). Each rule names an
// op of the op table, the argument it reads the inner op's result at, and the inner op;
// the kernels come from the ops' own functors, so no op is declared twice.
#pragma once

#include "dsl/op_table.h"

#include <span>
#include <string_view>

namespace symopt {

struct OpFusion {
  int outer = -1;     // the reader (an elementwise op of the op table)
  int position = 0;   // the reader's argument that is inner(x)
  int inner = -1;     // the unary elementwise op computed inside the reader
  // The reader's kernels with argument `position` read as inner(x): the same argument kinds
  // and the same rounding as the two ops run one after the other.
  OpKernels<float> f32;
  OpKernels<double> f64;

  template <class T>
  const OpKernels<T>& kernels() const {
    if constexpr (sizeof(T) == sizeof(float)) return f32; else return f64;
  }
};

std::span<const OpFusion> op_fusions();
// The rule for reading inner(x) at `outer`'s argument `position`, or null.
const OpFusion* find_fusion(int outer, int position, int inner);

}  // namespace symopt
