// Tile kernels: turn one generic Eigen expression (an elementwise functor) into float and
// double kernels over tiles, one per combination of argument kinds (used by the op table
// and the fusion table).
#pragma once

#include "dsl/op_table.h"

#include <Eigen/Core>

#include <array>
#include <utility>

namespace symopt::tile_kernels {

template <class T>
using ArrayX = Eigen::Array<T, Eigen::Dynamic, 1>;

// An elementwise operand as a source of fixed-size blocks (fully unrolled by Eigen) and of
// one dynamic-size tail: a tile of a tensor, or a scalar broadcast.
template <class T>
struct TensorSource {
  const T* data;
  template <int Size>
  auto block(long i) const { return Eigen::Map<const Eigen::Array<T, Size, 1>>(data + i); }
  auto tail(long i, long n) const { return Eigen::Map<const ArrayX<T>>(data + i, n); }
};
template <class T>
struct ScalarSource {
  T value;
  template <int Size>
  auto block(long) const { return Eigen::Array<T, Size, 1>::Constant(value); }
  auto tail(long, long n) const { return ArrayX<T>::Constant(n, value); }
};

template <class T>
struct ScaledSource {
  const T* data;
  T scale;
  template <int Size>
  auto block(long i) const { return Eigen::Map<const Eigen::Array<T, Size, 1>>(data + i) * scale; }
  auto tail(long i, long n) const { return Eigen::Map<const ArrayX<T>>(data + i, n) * scale; }
};

template <class T, OperandKind Kind>
auto source_of(const TileArguments<T>& args, int i) {
  if constexpr (Kind == OperandKind::tensor) return TensorSource<T>{args.data[i]};
  else if constexpr (Kind == OperandKind::scalar) return ScalarSource<T>{args.value[i]};
  else return ScaledSource<T>{args.data[i], args.value[i]};
}

// out = op(args), or out -= scale * op(args) (Subtract: the interpreter's fused
// `w -= lr * update`; the op's result is rounded to T before it is scaled, as if stored).
// Blocks of four SIMD packets, unrolled, then the tail. Everything by value, so the loop
// keeps it in registers.
template <class F, bool Subtract, class T, class... Sources>
void run_blocks(long n, T* out, T scale, Sources... sources) {
  constexpr int block = 4 * Eigen::internal::packet_traits<T>::size;
  long i = 0;
  for (; i + block <= n; i += block) {
    Eigen::Map<Eigen::Array<T, block, 1>> result(out + i);
    if constexpr (Subtract) result -= scale * F{}(sources.template block<block>(i)...);
    else result = F{}(sources.template block<block>(i)...);
  }
  if (i < n) {
    Eigen::Map<ArrayX<T>> result(out + i, n - i);
    if constexpr (Subtract) result -= scale * F{}(sources.tail(i, n - i)...);
    else result = F{}(sources.tail(i, n - i)...);
  }
}

template <OperandKind... Kinds>
struct KindList {};

// The kernel for one combination of argument kinds.
template <class F, bool Subtract, class T, OperandKind... Kinds, std::size_t... I>
void run_tile(long n, const TileArguments<T>& args, T scale, T* out, KindList<Kinds...>,
              std::index_sequence<I...>) {
  run_blocks<F, Subtract>(n, out, scale, source_of<T, Kinds>(args, static_cast<int>(I))...);
}
template <class F, bool Subtract, class T, OperandKind... Kinds>
void tile_kernel(long n, const TileArguments<T>& args, T scale, T* out) {
  run_tile<F, Subtract>(n, args, scale, out, KindList<Kinds...>{},
                        std::make_index_sequence<sizeof...(Kinds)>{});
}

// Which argument kinds a kernel takes: per argument whether it may be a scalar or scaled,
// and a group of arguments that are never all scalars (the arguments of a composed inner op:
// an op of scalars only is a scalar, computed once per step and never composed). Each kind
// allowed multiplies the instantiated kernels, and compile time with them.
struct KernelKinds {
  int arity = 1;
  std::array<bool, 3> may_be_scalar{};
  std::array<bool, 3> may_be_scaled{};
  int not_all_scalar_begin = 0;  // [begin, end): at least one of these is not a scalar
  int not_all_scalar_end = 0;

  constexpr bool allows(const OperandKind* kinds) const {
    bool group_all_scalar = not_all_scalar_begin < not_all_scalar_end;
    for (int i = 0; i < arity; ++i) {
      if (kinds[i] == OperandKind::scalar && !may_be_scalar[i]) return false;
      if (kinds[i] == OperandKind::scaled && !may_be_scaled[i]) return false;
      if (i >= not_all_scalar_begin && i < not_all_scalar_end && kinds[i] != OperandKind::scalar) {
        group_all_scalar = false;
      }
    }
    return !group_all_scalar;
  }
};

// An op of the op table: any argument may be a scalar; binary ops' arguments may be scaled.
template <int Arity>
constexpr KernelKinds op_kernel_kinds() {
  return {Arity, {true, true, true}, {Arity == 2, Arity == 2, Arity == 2}, 0, 0};
}

// Fills `kernels` with one kernel per combination of argument kinds that `Kinds` allows. No
// subtract kernel reads only scalars: its result would be a scalar, never the weights.
template <class F, KernelKinds Kinds, bool Subtract, class T, OperandKind... Chosen>
void fill_tile_kernels(std::array<TileKernel<T>, tile_kernel_slots>& kernels) {
  if constexpr (sizeof...(Chosen) == Kinds.arity) {
    constexpr std::array<OperandKind, sizeof...(Chosen)> kinds{Chosen...};
    constexpr bool only_scalars = ((Chosen == OperandKind::scalar) && ...);
    if constexpr (!(Subtract && only_scalars) && Kinds.allows(kinds.data())) {
      kernels[tile_kernel_index(kinds)] = &tile_kernel<F, Subtract, T, Chosen...>;
    }
  } else {
    fill_tile_kernels<F, Kinds, Subtract, T, Chosen..., OperandKind::tensor>(kernels);
    fill_tile_kernels<F, Kinds, Subtract, T, Chosen..., OperandKind::scalar>(kernels);
    fill_tile_kernels<F, Kinds, Subtract, T, Chosen..., OperandKind::scaled>(kernels);
  }
}

template <class F, KernelKinds Kinds, class T>
const std::array<TileKernel<T>, tile_kernel_slots>& plain_tile_kernels() {
  static const auto kernels = [] {
    std::array<TileKernel<T>, tile_kernel_slots> table{};
    fill_tile_kernels<F, Kinds, false, T>(table);
    return table;
  }();
  return kernels;
}

// The generic entry (an OperandView per argument): looks up the kernel for the views' kinds.
template <class F, int Arity, class T>
void elementwise_kernel(long n, const OperandView<T>* args, T* out) {
  std::array<OperandKind, Arity> kinds{};
  TileArguments<T> arguments;
  for (int i = 0; i < Arity; ++i) {
    if (args[i].is_scalar) {
      kinds[i] = OperandKind::scalar;
      arguments.value[i] = args[i].scalar;
    } else if (Arity == 2 && args[i].scale) {
      kinds[i] = OperandKind::scaled;
      arguments.data[i] = args[i].data;
      arguments.value[i] = *args[i].scale;
    } else {
      kinds[i] = OperandKind::tensor;
      arguments.data[i] = args[i].data;
    }
  }
  plain_tile_kernels<F, op_kernel_kinds<Arity>(), T>()[tile_kernel_index(kinds)](n, arguments, T(1), out);
}

// The tile kernels alone (the fusion table's composed kernels).
template <class F, KernelKinds Kinds, class T>
void set_tile_kernels(OpKernels<T>& kernels) {
  kernels.tile = plain_tile_kernels<F, Kinds, T>();
  fill_tile_kernels<F, Kinds, true, T>(kernels.tile_subtract);
}

// An op of the op table: the generic entry and the tile kernels.
template <class F, int Arity, class T>
void set_elementwise_kernels(OpKernels<T>& kernels) {
  kernels.elementwise = &elementwise_kernel<F, Arity, T>;
  set_tile_kernels<F, op_kernel_kinds<Arity>(), T>(kernels);
}

}  // namespace symopt::tile_kernels
