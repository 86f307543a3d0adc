// Runs an analyzed program: compiled once into phases of tile-wise instructions (so a chain
// of elementwise ops makes one pass over memory, like a fused native loop), then stepped
// per parameter tensor with no allocation in the steady state.
#pragma once

#include "dsl/analyzer.h"
#include "dsl/op_table.h"
#include "evaluator/tensor_optimizer.h"

#include <Eigen/Core>

#include <memory>
#include <span>
#include <vector>

namespace symopt {

// Where an instruction finds or puts a value.
struct Slot {
  enum class Kind : std::uint8_t { none, scalar, tile, full, weights, gradient, state };
  Kind kind = Kind::none;
  int index = -1;  // scalar / tile / full / state number
};

struct Instruction {
  int op = -1;
  std::array<Slot, 3> arguments{};
  Slot result;          // for reductions: the scalar slot the finished value goes to
  int accumulator = -1; // reductions: which accumulator the tiles fold into
  bool subtract_from_result = false;  // result -= op(args): the update applied to the weights
  Slot result_scale;  // with subtract_from_result, a scalar slot: result -= scale * op(args)
  std::array<Slot, 3> scales{};  // a scalar slot: the tensor argument is read multiplied by it
  int fusion = -1;  // an op_fusions() index: the reader computing its inner op too (argument_count() arguments)
};

struct Phase {
  enum class Kind : std::uint8_t { scalar, tile, matrix };
  Kind kind = Kind::scalar;
  ValueType shape;  // tile and matrix phases: the shape their loop or result has
  std::vector<Instruction> instructions;
};

// A program compiled for any parameter shape and either precision. Immutable; shared by
// every tensor and thread that runs the program.
struct CompiledProgram {
  std::vector<Phase> phases;
  std::vector<double> scalar_constants;  // scalar slot -> constant value (NaN if not constant)
  int learning_rate_slot = -1;
  int step_slot = -1;
  int tile_slots = 0;
  std::vector<ValueType> full_slot_shapes;
  int accumulators = 0;
  int state_count = 0;
  Slot update;                      // where the update ends up
  bool update_applied_in_place = false;  // the update's tile phase already did w -= update
  // States whose new value could not be written in place: (state, slot) copied at the end.
  std::vector<std::pair<int, Slot>> final_state_copies;
};

CompiledProgram compile_program(const AnalyzedProgram& program);

// The per-tensor runner: owns this tensor's state and scratch buffers. The compiled
// program's slots are bound to this tensor's buffers once, at construction, so a step
// only walks flat instruction lists.
template <class T>
class ProgramOptimizer final : public TensorOptimizer<T> {
 public:
  ProgramOptimizer(std::shared_ptr<const CompiledProgram> program, int rows, int cols);
  void step(std::span<T> weights, std::span<const T> gradient, T learning_rate, long t) override;
  // The state tensors (flat, row-major), e.g. for checkpoints and tests.
  std::span<T> state(int index);
  int rows() const { return rows_; }
  int cols() const { return cols_; }

 private:
  using Buffer = Eigen::Array<T, Eigen::Dynamic, 1>;
  using AccumulateKernel = void (*)(long, const OperandView<T>*, double*);
  // An operand as two branch-free reads: the tensor tensor_bases_[base] + start * advances
  // (tile slots do not advance; scalar operands read the null base) and the scalar
  // scalars_[value] (the operand's value, the factor of a scaled tensor, or unused).
  struct BoundOperand {
    OperandKind kind = OperandKind::tensor;
    int base = 0;
    long advances = 0;
    int value = 0;
  };
  struct BoundInstruction {
    TileKernel<T> kernel = nullptr;  // elementwise ops, chosen for the operand kinds
    AccumulateKernel accumulate = nullptr;
    int arity = 0;
    std::array<BoundOperand, max_arity> arguments{};
    BoundOperand result;
    int result_scale = 0;  // scalars_ slot: subtract kernels do out -= scale * op(args)
    double* accumulator = nullptr;
    int scalar_result = -1;  // scalar phases and reductions: where the value goes
    double (*finish)(const double*, long) = nullptr;
  };
  struct BoundPhase {
    Phase::Kind kind = Phase::Kind::scalar;
    long count = 0;  // tile phases: elements of the loop
    std::vector<BoundInstruction> instructions;
  };
  enum : int { weights_base = 0, gradient_base = 1 };

  BoundOperand bind(const Slot& slot, const Slot& scale = {});
  T* tensor_base(const Slot& slot);
  void run_scalar(const BoundInstruction& instruction);
  void run_tile_phase(const BoundPhase& phase);
  void run_matrix(const Phase& phase);
  long element_count(ValueType shape) const;
  int extent(Dim d) const { return d == Dim::rows ? rows_ : cols_; }

  std::shared_ptr<const CompiledProgram> program_;
  int rows_;
  int cols_;
  std::vector<T> scalars_;  // the program's scalar slots, then unit_scalar_ (= 1)
  Buffer tiles_;
  std::vector<Buffer> full_;
  std::vector<Buffer> states_;
  std::vector<double> accumulators_;
  int unit_scalar_ = 0;
  std::vector<T*> tensor_bases_;  // weights, gradient, states, full slots, tile slots, null
  int null_base_ = 0;
  std::vector<BoundPhase> bound_phases_;
};

// A factory the evaluator can train with.
template <class T>
OptimizerFactory<T> program_optimizer_factory(std::shared_ptr<const CompiledProgram> program);

}  // namespace symopt
