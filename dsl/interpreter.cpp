// The per-tensor runner: binds a compiled program's slots and kernels to this tensor's
// buffers once, then runs each step phase by phase, tile phases tile by tile.
#include "dsl/interpreter.h"

#include "dsl/op_fusions.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace symopt {
namespace {

// Elements per tile: a phase's tile slots and the tiles of the tensors it streams stay in
// the L1 cache between one op's pass and the next (measured by bench_interpreter).
template <class T>
constexpr long tile_elements = 2048 / sizeof(T);
// Phases over tensors larger than this (the L2 cache per core) prefetch their streams.
constexpr long prefetch_above_bytes = 1 << 20;

}  // namespace

template <class T>
ProgramOptimizer<T>::ProgramOptimizer(std::shared_ptr<const CompiledProgram> program, int rows,
                                      int cols)
    : program_(std::move(program)), rows_(rows), cols_(cols) {
  const CompiledProgram& p = *program_;
  scalars_.resize(p.scalar_constants.size());
  for (std::size_t i = 0; i < scalars_.size(); ++i) scalars_[i] = static_cast<T>(p.scalar_constants[i]);
  unit_scalar_ = static_cast<int>(scalars_.size());
  scalars_.push_back(T(1));
  tiles_.setZero(static_cast<long>(p.tile_slots) * tile_elements<T>);
  for (const ValueType& shape : p.full_slot_shapes) full_.push_back(Buffer::Zero(element_count(shape)));
  for (int s = 0; s < p.state_count; ++s) states_.push_back(Buffer::Zero(static_cast<long>(rows) * cols));
  accumulators_.assign(static_cast<std::size_t>(p.accumulators) * reduction_accumulator_size, 0.0);

  tensor_bases_.assign(2, nullptr);  // weights and gradient: set by each step
  for (Buffer& state : states_) tensor_bases_.push_back(state.data());
  for (Buffer& full : full_) tensor_bases_.push_back(full.data());
  for (int k = 0; k < p.tile_slots; ++k) tensor_bases_.push_back(tiles_.data() + k * tile_elements<T>);
  null_base_ = static_cast<int>(tensor_bases_.size());
  tensor_bases_.push_back(nullptr);

  for (const Phase& phase : p.phases) {
    BoundPhase bound;
    bound.kind = phase.kind;
    if (phase.kind == Phase::Kind::tile) bound.count = element_count(phase.shape);
    if (phase.kind == Phase::Kind::matrix) {  // run from the compiled phase itself
      bound_phases_.push_back(std::move(bound));
      continue;
    }
    for (const Instruction& instruction : phase.instructions) {
      const OpInfo& op = op_info(instruction.op);
      BoundInstruction b;
      b.arity = argument_count(instruction.op, instruction.fusion);
      b.result_scale = unit_scalar_;
      std::array<OperandKind, max_arity> kinds{};
      for (int i = 0; i < b.arity; ++i) {
        b.arguments[i] = bind(instruction.arguments[i], instruction.scales[i]);
        kinds[i] = b.arguments[i].kind;
      }
      if (instruction.accumulator >= 0) {
        b.accumulate = op.kernels<T>().accumulate;
        b.accumulator = &accumulators_[instruction.accumulator * reduction_accumulator_size];
        b.scalar_result = instruction.result.index;
        b.finish = op.finish;
      } else {
        const OpKernels<T>& own = instruction.fusion >= 0 ? op_fusions()[instruction.fusion].kernels<T>()
                                                          : op.kernels<T>();
        const auto& kernels = instruction.subtract_from_result ? own.tile_subtract : own.tile;
        b.kernel = kernels[tile_kernel_index(std::span(kinds.data(), b.arity))];
        if (!b.kernel) {
          throw std::logic_error(fmt::format("interpreter: no kernel of '{}' for these operand kinds", op.name));
        }
        if (instruction.result_scale.kind == Slot::Kind::scalar) b.result_scale = instruction.result_scale.index;
        if (instruction.result.kind == Slot::Kind::scalar) b.scalar_result = instruction.result.index;
        else b.result = bind(instruction.result);
      }
      bound.instructions.push_back(b);
    }
    bound_phases_.push_back(std::move(bound));
  }
}

template <class T>
long ProgramOptimizer<T>::element_count(ValueType shape) const {
  return static_cast<long>(extent(shape.rows)) * extent(shape.cols);
}

template <class T>
typename ProgramOptimizer<T>::BoundOperand ProgramOptimizer<T>::bind(const Slot& slot, const Slot& scale) {
  const int states = static_cast<int>(states_.size());
  const int fulls = static_cast<int>(full_.size());
  BoundOperand operand{OperandKind::tensor, null_base_, 0, unit_scalar_};
  switch (slot.kind) {
    case Slot::Kind::scalar:
      operand.kind = OperandKind::scalar;
      operand.value = slot.index;
      return operand;
    case Slot::Kind::weights: operand.base = weights_base; operand.advances = 1; break;
    case Slot::Kind::gradient: operand.base = gradient_base; operand.advances = 1; break;
    case Slot::Kind::state: operand.base = 2 + slot.index; operand.advances = 1; break;
    case Slot::Kind::full: operand.base = 2 + states + slot.index; operand.advances = 1; break;
    case Slot::Kind::tile: operand.base = 2 + states + fulls + slot.index; break;
    default: throw std::logic_error("interpreter: an operand without a slot");
  }
  if (scale.kind == Slot::Kind::scalar) {
    operand.kind = OperandKind::scaled;
    operand.value = scale.index;
  }
  return operand;
}

template <class T>
T* ProgramOptimizer<T>::tensor_base(const Slot& slot) {
  return tensor_bases_[bind(slot).base];
}

template <class T>
void ProgramOptimizer<T>::run_scalar(const BoundInstruction& instruction) {
  TileArguments<T> args;
  for (int i = 0; i < max_arity; ++i) args.value[i] = scalars_[instruction.arguments[i].value];
  instruction.kernel(1, args, T(1), &scalars_[instruction.scalar_result]);
}

template <class T>
void ProgramOptimizer<T>::run_tile_phase(const BoundPhase& phase) {
  const long count = phase.count;
  for (const BoundInstruction& instruction : phase.instructions) {
    if (instruction.accumulator) std::fill_n(instruction.accumulator, reduction_accumulator_size, 0.0);
  }
  // Tensors larger than the L2 cache come from farther away: the next tile of every
  // streamed tensor is requested while this one is worked on (software prefetch), so all
  // streams load at once. Smaller ones run faster without (the requests cost instructions
  // and the hardware prefetchers keep up); both measured by bench_interpreter.
  std::array<int, 16> streamed{};
  int streams = 0;
  if (count * static_cast<long>(sizeof(T)) > prefetch_above_bytes) {
    for (const BoundInstruction& instruction : phase.instructions) {
      for (const BoundOperand& a : instruction.arguments) {
        const bool seen = std::find(streamed.begin(), streamed.begin() + streams, a.base) != streamed.begin() + streams;
        if (a.advances && !seen && streams < static_cast<int>(streamed.size())) streamed[streams++] = a.base;
      }
    }
  }
  constexpr long tile = tile_elements<T>;
  constexpr long line = 64 / sizeof(T);
  for (long start = 0; start < count; start += tile) {
    const long n = std::min(tile, count - start);
    if (streams && start + tile < count) {
      const long ahead = std::min(tile, count - start - tile);
      for (int s = 0; s < streams; ++s) {
        const T* next = tensor_bases_[streamed[s]] + start + tile;
        for (long k = 0; k < ahead; k += line) __builtin_prefetch(next + k);
      }
    }
    for (const BoundInstruction& instruction : phase.instructions) {
      TileArguments<T> args;
      for (int i = 0; i < max_arity; ++i) {  // a fixed count of plain reads: no branches
        const BoundOperand& a = instruction.arguments[i];
        args.data[i] = tensor_bases_[a.base] + start * a.advances;
        args.value[i] = scalars_[a.value];
      }
      if (instruction.kernel) {
        const BoundOperand& r = instruction.result;
        instruction.kernel(n, args, scalars_[instruction.result_scale], tensor_bases_[r.base] + start * r.advances);
      } else {
        std::array<OperandView<T>, max_arity> views;
        for (int i = 0; i < instruction.arity; ++i) {
          const bool scalar = instruction.arguments[i].kind == OperandKind::scalar;
          views[i] = {args.data[i], args.value[i], scalar};
        }
        instruction.accumulate(n, views.data(), instruction.accumulator);
      }
    }
  }
  for (const BoundInstruction& instruction : phase.instructions) {
    if (!instruction.accumulate) continue;
    scalars_[instruction.scalar_result] = static_cast<T>(instruction.finish(instruction.accumulator, count));
  }
}

template <class T>
void ProgramOptimizer<T>::run_matrix(const Phase& phase) {
  const Instruction& instruction = phase.instructions.front();
  const OpInfo& op = op_info(instruction.op);
  std::array<MatrixView<T>, max_arity> args;
  for (int i = 0; i < op.arity; ++i) {
    const Slot& slot = instruction.arguments[i];
    ValueType shape = ValueType::parameter_shaped();
    if (slot.kind == Slot::Kind::full) shape = program_->full_slot_shapes[slot.index];
    args[i] = {tensor_base(slot), extent(shape.rows), extent(shape.cols)};
  }
  op.kernels<T>().matrix(args.data(), tensor_base(instruction.result));
}

template <class T>
void ProgramOptimizer<T>::step(std::span<T> weights, std::span<const T> gradient, T learning_rate,
                               long t) {
  const CompiledProgram& p = *program_;
  tensor_bases_[weights_base] = weights.data();
  tensor_bases_[gradient_base] = const_cast<T*>(gradient.data());  // never a result slot
  if (p.learning_rate_slot >= 0) scalars_[p.learning_rate_slot] = learning_rate;
  if (p.step_slot >= 0) scalars_[p.step_slot] = static_cast<T>(t);
  for (std::size_t i = 0; i < bound_phases_.size(); ++i) {
    const BoundPhase& phase = bound_phases_[i];
    switch (phase.kind) {
      case Phase::Kind::scalar:
        for (const BoundInstruction& instruction : phase.instructions) run_scalar(instruction);
        break;
      case Phase::Kind::tile: run_tile_phase(phase); break;
      case Phase::Kind::matrix: run_matrix(p.phases[i]); break;
    }
  }
  const long size = static_cast<long>(rows_) * cols_;
  using Map = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
  // States first: a copied state may be the old weights. The update never lives in a
  // state buffer that a copy replaces (such an old value is snapshotted).
  for (const auto& [state, slot] : p.final_state_copies) {
    states_[state] = Map(tensor_base(slot), size);
  }
  if (!p.update_applied_in_place) Map(weights.data(), size) -= Map(tensor_base(p.update), size);
}

template <class T>
std::span<T> ProgramOptimizer<T>::state(int index) {
  return {states_.at(index).data(), static_cast<std::size_t>(states_.at(index).size())};
}

template <class T>
OptimizerFactory<T> program_optimizer_factory(std::shared_ptr<const CompiledProgram> program) {
  return [program](int rows, int cols) -> std::unique_ptr<TensorOptimizer<T>> {
    return std::make_unique<ProgramOptimizer<T>>(program, rows, cols);
  };
}

template class ProgramOptimizer<float>;
template class ProgramOptimizer<double>;
template OptimizerFactory<float> program_optimizer_factory(std::shared_ptr<const CompiledProgram>);
template OptimizerFactory<double> program_optimizer_factory(std::shared_ptr<const CompiledProgram>);

}  // namespace symopt
