// The op set: every op declared once (name, arity, type rule, printing, doc, kernels).
// Adding an op means adding one row to the table in op_table.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace symopt {

// How an op's result type follows from its arguments' (see analyzer.cpp).
enum class TypeRule {
  copy,         // x: result has x's type
  elementwise,  // scalars broadcast; tensors must have equal symbolic shapes
  reduction,    // tensors of equal shape -> scalar
  shape_kept,   // tensor -> tensor of the same shape (normalizers)
  transpose,    // (a, b) -> (b, a)
  matmul,       // (a, b) x (b, c) -> (a, c)
};

template <class T>
struct OperandView {  // a tile of a tensor, or a scalar broadcast over the tile
  const T* data = nullptr;
  T scalar = 0;
  bool is_scalar = false;
  // When set (only for ops that accepts_scaled_operands()), the tensor is read as
  // data[i] * *scale: a folded `x * s` statement, the product rounded to T as if stored.
  const T* scale = nullptr;
};

template <class T>
struct MatrixView {  // a whole tensor, row-major
  const T* data = nullptr;
  int rows = 0;
  int cols = 0;
};

inline constexpr int reduction_accumulator_size = 3;

// How a tile kernel reads one argument. The interpreter picks the kinds once per
// instruction when it binds a program, so a kernel call makes no per-operand choice.
enum class OperandKind : std::uint8_t {
  tensor,  // a tile of a tensor
  scalar,  // a scalar broadcast over the tile
  scaled,  // a tile read multiplied by a scalar: a folded `x * s` (binary ops only)
};
inline constexpr int operand_kinds = 3;
inline constexpr int tile_kernel_slots = operand_kinds * operand_kinds * operand_kinds;
// Where the kernel for these argument kinds sits in OpKernels::tile / tile_subtract.
inline int tile_kernel_index(std::span<const OperandKind> kinds) {
  int index = 0;
  for (auto it = kinds.rbegin(); it != kinds.rend(); ++it) index = index * operand_kinds + static_cast<int>(*it);
  return index;
}

template <class T>
struct TileArguments {  // one kernel call's arguments; which fields count follows their kinds
  std::array<const T*, 3> data{};  // tensor and scaled arguments: the tile's first element
  std::array<T, 3> value{};        // scalar arguments: the value; scaled arguments: the factor
};

// out[0..n) = op(args), or out[0..n) -= scale * op(args) (the interpreter's `w -= lr * u`;
// the op's result is rounded to T before it is scaled, as a separate statement would be).
template <class T>
using TileKernel = void (*)(long n, const TileArguments<T>& args, T scale, T* out);

template <class T>
struct OpKernels {
  // out[0..n) = op(args) over one tile (elementwise ops); any kinds of operand.
  void (*elementwise)(long n, const OperandView<T>* args, T* out) = nullptr;
  // The same kernels by argument kinds (tile_kernel_index), chosen once when a program is
  // bound: `tile` stores op(args), `tile_subtract` does out -= scale * op(args). Null where
  // the op does not take that combination (scaled: binary ops only).
  std::array<TileKernel<T>, tile_kernel_slots> tile{};
  std::array<TileKernel<T>, tile_kernel_slots> tile_subtract{};
  // Folds one tile into the accumulator (reductions).
  void (*accumulate)(long n, const OperandView<T>* args, double* accumulator) = nullptr;
  // out = op(args) over whole tensors; out's shape follows the type rule (matrix ops).
  void (*matrix)(const MatrixView<T>* args, T* out) = nullptr;
};

struct OpInfo {
  std::string_view name;
  int arity = 1;
  TypeRule type_rule = TypeRule::elementwise;
  std::string_view infix;  // "+" prints and parses as a + b; "-" with arity 1 as -x
  int precedence = 0;      // for infix printing: + - 1, * / 2, unary - 3, ** 4
  bool commutative = false;
  std::string_view doc;
  // The op in PyTorch for `symopt export`: an expression over {0}, {1}, {2} (each a variable
  // name holding a 2-D tensor, or a 0-d tensor for a scalar) that may call the exporter's
  // helpers (_orthogonalize, ...); same results as the kernels up to rounding.
  std::string_view python;
  OpKernels<float> f32;
  OpKernels<double> f64;
  // Reductions: the scalar from the accumulator after all tiles of `count` elements.
  double (*finish)(const double* accumulator, long count) = nullptr;

  template <class T>
  const OpKernels<T>& kernels() const {
    if constexpr (sizeof(T) == sizeof(float)) return f32; else return f64;
  }
};

// Whether an op's elementwise kernels read OperandView::scale and have `scaled` kinds
// (binary elementwise ops).
inline bool accepts_scaled_operands(const OpInfo& op) {
  return op.type_rule == TypeRule::elementwise && op.arity == 2;
}

std::span<const OpInfo> op_table();
std::optional<int> find_op(std::string_view name);
const OpInfo& op_info(int op);
// The op for an infix operator text and arity ("+", 2) -> add; ("-", 1) -> neg.
std::optional<int> find_infix_op(std::string_view symbol, int arity);
int copy_op();  // `x = y`: the plain assignment

}  // namespace symopt
