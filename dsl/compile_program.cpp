// Compilation of an analyzed program into phases of tile instructions (the register form);
// ProgramOptimizer (interpreter.cpp) binds it to buffers and runs it.
//
// Phases: the scalar prelude (phase 0), tile phases (a run of elementwise ops and
// reductions over tensors of one shape, executed tile by tile), scalar phases (scalar work
// that needs a finished reduction), and matrix phases (one whole-tensor op each). A tensor
// lives in a tile-sized slot unless something outside its phase reads it; then it is
// materialized in a full-sized slot (or written straight into its state buffer).
#include "dsl/interpreter.h"

#include "dsl/op_fusions.h"

#include <algorithm>
#include <limits>

namespace symopt {
namespace {

struct NodePlan {
  int phase = 0;       // where it is computed (inputs and constants: 0)
  int ready = 0;       // first phase that may read it
  int position = -1;   // instruction index within its phase
  Slot slot;
  bool materialize = false;
};

bool is_tile_op(const OpInfo& op, const Node& node) {
  return node.type.is_tensor &&
         (op.type_rule == TypeRule::elementwise || op.type_rule == TypeRule::copy);
}

// The fused update `w -= t * s` (s a scalar, typically the learning rate) becomes
// `w -= s * op(args)` in t's own instruction when t is computed in the update's tile phase
// only for the update and nothing after t in that phase reads the weights: the
// multiplication's pass disappears (the same rounding: op's result, then the product).
void fold_update_scale(const AnalyzedProgram& program, const std::vector<Node>& nodes,
                       const std::vector<std::vector<int>>& consumers, const std::vector<NodePlan>& plan,
                       const std::vector<std::array<int, max_arity>>& scale_of_argument, int weights_node,
                       CompiledProgram& compiled) {
  const int update = program.update;
  const Node& node = nodes[update];
  if (node.op != *find_op("mul") || scale_of_argument[update][0] >= 0 || scale_of_argument[update][1] >= 0) return;
  const bool first_is_tensor = nodes[node.arguments[0]].type.is_tensor;
  if (first_is_tensor == nodes[node.arguments[1]].type.is_tensor) return;
  const int t = node.arguments[first_is_tensor ? 0 : 1];
  const int scale = node.arguments[first_is_tensor ? 1 : 0];
  if (nodes[t].kind != Node::Kind::op || !is_tile_op(op_info(nodes[t].op), nodes[t])) return;
  if (plan[t].phase != plan[update].phase || consumers[t] != std::vector<int>{update}) return;
  if (plan[t].slot.kind != Slot::Kind::tile) return;  // a state or a materialized value
  if (weights_node >= 0) {
    for (int c : consumers[weights_node]) {
      if (plan[c].phase == plan[t].phase && plan[c].position > plan[t].position) return;
    }
  }
  std::vector<Instruction>& instructions = compiled.phases[plan[t].phase].instructions;
  Instruction& fused = instructions[plan[t].position];
  fused.result = {Slot::Kind::weights, 0};
  fused.subtract_from_result = true;
  fused.result_scale = plan[scale].slot;
  instructions.erase(instructions.begin() + plan[update].position);
}

// Composed kernels (op_fusions.h): an elementwise op whose only reader reads it once, at an
// argument a fusion rule names, is computed inside that reader's pass: the reader reads the
// inner op's arguments in its place (and their scales, for a binary inner op) and runs the
// rule's kernels (one pass over the tile fewer, the same rounding). Not when the inner
// result is the update or a state (it must be stored), nor when the reader reads it scaled
// (a folded `x * s`: the rule has no kernel for inner(...) * s), nor when either op already
// runs a composed kernel (one composition per instruction), nor when the rule has no kernel
// for the composed arguments' kinds (an inner op reading a folded `x * s`).
void compose_ops(const AnalyzedProgram& program, std::vector<Node>& nodes,
                 std::vector<std::array<int, max_arity>>& scale_of_argument, std::vector<bool>& folded,
                 std::vector<int>& fusion_of) {
  const int node_count = static_cast<int>(nodes.size());
  auto arity = [&](int n) { return argument_count(nodes[n].op, fusion_of[n]); };
  std::vector<std::vector<int>> readers(node_count);  // one entry per argument read
  for (int n = 0; n < node_count; ++n) {
    if (nodes[n].kind != Node::Kind::op || folded[n]) continue;
    for (int i = 0; i < arity(n); ++i) readers[nodes[n].arguments[i]].push_back(n);
  }
  const auto& outputs = program.state_outputs;
  for (int n = 0; n < node_count; ++n) {
    const Node& inner = nodes[n];
    if (inner.kind != Node::Kind::op || folded[n] || !inner.type.is_tensor || fusion_of[n] >= 0) continue;
    if (n == program.update || std::find(outputs.begin(), outputs.end(), n) != outputs.end()) continue;
    if (readers[n].size() != 1) continue;
    const int reader = readers[n].front();
    if (!nodes[reader].type.is_tensor || fusion_of[reader] >= 0) continue;
    for (int position = 0; position < arity(reader); ++position) {
      if (nodes[reader].arguments[position] != n || scale_of_argument[reader][position] >= 0) continue;
      const OpFusion* rule = find_fusion(nodes[reader].op, position, inner.op);
      if (!rule) continue;
      const int inner_arity = op_info(inner.op).arity;
      std::array<int, max_arity> arguments{-1, -1, -1};
      std::array<int, max_arity> scales{-1, -1, -1};
      for (int i = 0, k = 0; i < arity(reader); ++i) {
        if (i != position) {
          arguments[k] = nodes[reader].arguments[i];
          scales[k++] = scale_of_argument[reader][i];
          continue;
        }
        for (int j = 0; j < inner_arity; ++j) {
          arguments[k] = inner.arguments[j];
          scales[k++] = scale_of_argument[n][j];
        }
      }
      std::array<OperandKind, max_arity> kinds{};
      for (int k = 0; k < rule->arity; ++k) {
        kinds[k] = !nodes[arguments[k]].type.is_tensor ? OperandKind::scalar
                   : scales[k] >= 0                    ? OperandKind::scaled
                                                       : OperandKind::tensor;
      }
      if (!rule->f32.tile[tile_kernel_index(std::span(kinds.data(), rule->arity))]) break;
      for (int j = 0; j < inner_arity; ++j) {
        auto& argument_readers = readers[inner.arguments[j]];
        std::replace(argument_readers.begin(), argument_readers.end(), n, reader);
      }
      nodes[reader].arguments = arguments;
      scale_of_argument[reader] = scales;
      fusion_of[reader] = static_cast<int>(rule - op_fusions().data());
      folded[n] = true;
      break;
    }
  }
}

}  // namespace

CompiledProgram compile_program(const AnalyzedProgram& program) {
  CompiledProgram compiled;
  compiled.state_count = program.state_count();
  std::vector<Node> nodes = program.nodes;
  const int node_count = static_cast<int>(nodes.size());
  std::vector<NodePlan> plan(node_count);

  // Scaled operands: a tensor times a scalar (x * s) that only binary elementwise ops read
  // (accepts_scaled_operands) is not computed on its own; each reader multiplies x by s as
  // it loads it (the same rounded product, one pass over the tile fewer). Its readers then
  // read x and s directly.
  std::vector<std::array<int, max_arity>> scale_of_argument(node_count, {-1, -1, -1});
  std::vector<bool> folded(node_count, false);
  {
    std::vector<std::vector<int>> readers(node_count);
    for (int n = 0; n < node_count; ++n) {
      if (nodes[n].kind != Node::Kind::op) continue;
      for (int i = 0; i < op_info(nodes[n].op).arity; ++i) readers[nodes[n].arguments[i]].push_back(n);
    }
    const int mul = *find_op("mul");
    const auto& outputs = program.state_outputs;
    for (int n = 0; n < node_count; ++n) {
      const Node& node = nodes[n];
      if (node.kind != Node::Kind::op || node.op != mul || !node.type.is_tensor) continue;
      if (scale_of_argument[n][0] >= 0 || scale_of_argument[n][1] >= 0) continue;
      const bool first_is_tensor = nodes[node.arguments[0]].type.is_tensor;
      if (first_is_tensor == nodes[node.arguments[1]].type.is_tensor) continue;  // x * y
      if (n == program.update || std::find(outputs.begin(), outputs.end(), n) != outputs.end()) continue;
      if (readers[n].empty()) continue;
      const bool only_tile_readers = std::all_of(readers[n].begin(), readers[n].end(), [&](int c) {
        return nodes[c].type.is_tensor && accepts_scaled_operands(op_info(nodes[c].op));
      });
      if (!only_tile_readers) continue;
      const int tensor = node.arguments[first_is_tensor ? 0 : 1];
      const int scale = node.arguments[first_is_tensor ? 1 : 0];
      for (int c : readers[n]) {
        for (int i = 0; i < op_info(nodes[c].op).arity; ++i) {
          if (nodes[c].arguments[i] != n) continue;
          nodes[c].arguments[i] = tensor;
          scale_of_argument[c][i] = scale;
        }
      }
      folded[n] = true;
    }
  }
  std::vector<int> fusion_of(node_count, -1);  // op_fusions() index of a composed reader
  compose_ops(program, nodes, scale_of_argument, folded, fusion_of);
  auto arity_of = [&](int n) { return argument_count(nodes[n].op, fusion_of[n]); };
  std::vector<std::vector<int>> consumers(node_count);
  for (int n = 0; n < node_count; ++n) {
    if (nodes[n].kind != Node::Kind::op || folded[n]) continue;
    for (int i = 0; i < arity_of(n); ++i) {
      consumers[nodes[n].arguments[i]].push_back(n);
      if (scale_of_argument[n][i] >= 0) consumers[scale_of_argument[n][i]].push_back(n);
    }
  }
  int scalar_slots = 0;
  auto new_scalar = [&] { return Slot{Slot::Kind::scalar, scalar_slots++}; };
  std::vector<std::pair<int, double>> constants;

  compiled.phases.push_back({Phase::Kind::scalar, {}, {}});  // the prelude

  // Pass 1: phases and scalar/external slots.
  for (int n = 0; n < node_count; ++n) {
    const Node& node = nodes[n];
    NodePlan& p = plan[n];
    if (node.kind == Node::Kind::input) {
      switch (node.role) {
        case InputRole::weights: p.slot = {Slot::Kind::weights, 0}; break;
        case InputRole::gradient: p.slot = {Slot::Kind::gradient, 0}; break;
        case InputRole::learning_rate:
          p.slot = new_scalar();
          compiled.learning_rate_slot = p.slot.index;
          break;
        case InputRole::step:
          p.slot = new_scalar();
          compiled.step_slot = p.slot.index;
          break;
        case InputRole::state: p.slot = {Slot::Kind::state, node.state}; break;
      }
      continue;
    }
    if (node.kind == Node::Kind::constant) {
      p.slot = new_scalar();
      constants.push_back({p.slot.index, node.constant});
      continue;
    }
    if (folded[n]) continue;
    const OpInfo& op = op_info(node.op);
    int ready = 0;
    for (int i = 0; i < arity_of(n); ++i) {
      ready = std::max(ready, plan[node.arguments[i]].ready);
      if (scale_of_argument[n][i] >= 0) ready = std::max(ready, plan[scale_of_argument[n][i]].ready);
    }
    const int last = static_cast<int>(compiled.phases.size()) - 1;
    Phase& last_phase = compiled.phases.back();
    auto place = [&](Phase::Kind kind, ValueType shape) {
      const bool fits = kind != Phase::Kind::matrix && last_phase.kind == kind && ready <= last &&
                        (kind == Phase::Kind::scalar || last_phase.shape == shape);
      if (!fits) compiled.phases.push_back({kind, shape, {}});
      p.phase = static_cast<int>(compiled.phases.size()) - 1;
      Instruction instruction;
      instruction.op = node.op;
      compiled.phases.back().instructions.push_back(instruction);
      p.position = static_cast<int>(compiled.phases.back().instructions.size()) - 1;
    };
    if (!node.type.is_tensor && op.type_rule != TypeRule::reduction) {
      if (ready == 0) {
        p.phase = 0;
        Instruction instruction;
        instruction.op = node.op;
        compiled.phases[0].instructions.push_back(instruction);
        p.position = static_cast<int>(compiled.phases[0].instructions.size()) - 1;
      } else {
        place(Phase::Kind::scalar, ValueType::scalar());
      }
      p.ready = p.phase;
      p.slot = new_scalar();
    } else if (op.type_rule == TypeRule::reduction) {
      place(Phase::Kind::tile, nodes[node.arguments[0]].type);
      p.ready = p.phase + 1;
      p.slot = new_scalar();
    } else if (is_tile_op(op, node)) {
      place(Phase::Kind::tile, node.type);
      p.ready = p.phase;
    } else {
      place(Phase::Kind::matrix, node.type);
      p.ready = p.phase + 1;
    }
  }

  // Pass 2: which tile values must be materialized, and where outputs go.
  std::vector<int> state_input_node(compiled.state_count, -1);
  int weights_node = -1;
  for (int n = 0; n < node_count; ++n) {
    if (nodes[n].kind != Node::Kind::input) continue;
    if (nodes[n].role == InputRole::state) state_input_node[nodes[n].state] = n;
    if (nodes[n].role == InputRole::weights) weights_node = n;
  }
  // Old state values that an output needs after the state may have been overwritten.
  auto overwritten_state_input = [&](int n) {
    return nodes[n].kind == Node::Kind::input && nodes[n].role == InputRole::state &&
           program.state_outputs[nodes[n].state] != n;
  };
  for (int n = 0; n < node_count; ++n) {
    if (nodes[n].kind != Node::Kind::op || nodes[n].type.is_tensor == false || folded[n]) continue;
    const bool in_tile_phase = compiled.phases[plan[n].phase].kind == Phase::Kind::tile;
    if (!in_tile_phase) {
      plan[n].materialize = true;
      continue;
    }
    for (int c : consumers[n]) {
      const bool other_phase = plan[c].phase != plan[n].phase;
      if (other_phase) plan[n].materialize = true;
    }
  }
  // States written in place: an op node, computed in a tile phase, after every read of the
  // state's old value.
  std::vector<bool> written_in_place(compiled.state_count, false);
  std::vector<int> home_state(node_count, -1);
  for (int s = 0; s < compiled.state_count; ++s) {
    const int out = program.state_outputs[s];
    if (nodes[out].kind != Node::Kind::op || home_state[out] >= 0) continue;
    if (compiled.phases[plan[out].phase].kind != Phase::Kind::tile) continue;
    bool safe = true;
    const int old = state_input_node[s];
    if (old >= 0) {
      for (int c : consumers[old]) {
        if (plan[c].phase > plan[out].phase ||
            (plan[c].phase == plan[out].phase && plan[c].position > plan[out].position)) {
          safe = false;
        }
      }
      // Another output that is this state's old value also needs it after the write.
      for (int t = 0; t < compiled.state_count; ++t) {
        if (t != s && program.state_outputs[t] == old) safe = false;
      }
      if (program.update == old) safe = false;
    }
    if (safe) {
      home_state[out] = s;
      written_in_place[s] = true;
    }
  }

  // Snapshots of old state values needed at the end go in a tile phase right after the
  // prelude, before anything is written.
  std::vector<int> snapshot_slot(node_count, -1);
  // (Final copies replace states too, so any overwritten state's old value qualifies.)
  auto needs_snapshot = [&](int n) { return overwritten_state_input(n); };
  std::vector<int> snapshot_nodes;
  auto consider_snapshot = [&](int n) {
    if (needs_snapshot(n) && std::find(snapshot_nodes.begin(), snapshot_nodes.end(), n) == snapshot_nodes.end()) {
      snapshot_nodes.push_back(n);
    }
  };
  consider_snapshot(program.update);
  for (int out : program.state_outputs) consider_snapshot(out);
  if (!snapshot_nodes.empty()) {
    Phase snapshot_phase{Phase::Kind::tile, ValueType::parameter_shaped(), {}};
    for (int n : snapshot_nodes) {
      snapshot_slot[n] = static_cast<int>(compiled.full_slot_shapes.size());
      compiled.full_slot_shapes.push_back(ValueType::parameter_shaped());
      Instruction copy;
      copy.op = copy_op();
      copy.arguments[0] = plan[n].slot;
      copy.result = {Slot::Kind::full, snapshot_slot[n]};
      snapshot_phase.instructions.push_back(copy);
    }
    compiled.phases.insert(compiled.phases.begin() + 1, snapshot_phase);
    for (auto& p : plan) {
      if (p.phase >= 1) ++p.phase;
      if (p.ready >= 1) ++p.ready;
    }
  }
  auto final_slot = [&](int n) {
    return snapshot_slot[n] >= 0 ? Slot{Slot::Kind::full, snapshot_slot[n]} : plan[n].slot;
  };

  // The update is applied inside its tile phase when nothing later reads the weights.
  const int update = program.update;
  bool update_in_tile = nodes[update].kind == Node::Kind::op &&
                        compiled.phases[plan[update].phase].kind == Phase::Kind::tile &&
                        snapshot_slot[update] < 0;
  if (update_in_tile && weights_node >= 0) {
    for (int c : consumers[weights_node]) {
      if (plan[c].phase > plan[update].phase) update_in_tile = false;
    }
    for (int out : program.state_outputs) {
      if (out == weights_node) update_in_tile = false;  // `m = w` needs the old weights
    }
  }
  if (!update_in_tile && nodes[update].kind == Node::Kind::op) plan[update].materialize = true;
  // Fused apply: when nothing else reads the update and nothing after it in its phase reads
  // the weights, the update's own instruction does w -= op(args) (one pass fewer per tile).
  bool update_fused = update_in_tile && consumers[update].empty() && home_state[update] < 0 &&
                      std::find(program.state_outputs.begin(), program.state_outputs.end(), update) ==
                          program.state_outputs.end();
  if (update_fused && weights_node >= 0) {
    for (int c : consumers[weights_node]) {
      if (plan[c].phase == plan[update].phase && plan[c].position > plan[update].position) update_fused = false;
    }
  }
  if (update_fused) plan[update].slot = {Slot::Kind::weights, 0};
  for (int s = 0; s < compiled.state_count; ++s) {
    const int out = program.state_outputs[s];
    if (nodes[out].kind == Node::Kind::op && home_state[out] != s) plan[out].materialize = true;
  }

  // Pass 3: tensor slots (tile slots reused once their last reader in the phase is done).
  for (int n = 0; n < node_count; ++n) {
    if (nodes[n].kind != Node::Kind::op || !nodes[n].type.is_tensor || folded[n]) continue;
    if (home_state[n] >= 0) {
      plan[n].slot = {Slot::Kind::state, home_state[n]};
    } else if (plan[n].materialize) {
      plan[n].slot = {Slot::Kind::full, static_cast<int>(compiled.full_slot_shapes.size())};
      compiled.full_slot_shapes.push_back(nodes[n].type);
    }
  }
  for (std::size_t phase = 0; phase < compiled.phases.size(); ++phase) {
    if (compiled.phases[phase].kind != Phase::Kind::tile) continue;
    std::vector<int> members;
    for (int n = 0; n < node_count; ++n) {
      if (nodes[n].kind == Node::Kind::op && !folded[n] && plan[n].phase == static_cast<int>(phase)) members.push_back(n);
    }
    std::vector<int> free_slots;
    std::vector<int> release_after(node_count, -1);  // position of last reader in this phase
    for (int n : members) {
      for (int c : consumers[n]) {
        if (plan[c].phase == static_cast<int>(phase)) release_after[n] = std::max(release_after[n], plan[c].position);
      }
    }
    for (int n : members) {
      // Free the slots whose last reader is this instruction only after it has its own, so
      // an instruction never writes over its own argument mid-tile in a reduction.
      const bool needs_tile = nodes[n].type.is_tensor && plan[n].slot.kind == Slot::Kind::none;
      if (needs_tile) {
        if (!free_slots.empty()) {
          plan[n].slot = {Slot::Kind::tile, free_slots.back()};
          free_slots.pop_back();
        } else {
          plan[n].slot = {Slot::Kind::tile, compiled.tile_slots++};
        }
      }
      for (int i = 0; i < arity_of(n); ++i) {
        const int a = nodes[n].arguments[i];
        if (plan[a].slot.kind == Slot::Kind::tile && release_after[a] == plan[n].position &&
            !(update_in_tile && a == update)) {
          free_slots.push_back(plan[a].slot.index);
        }
      }
    }
  }

  // Pass 4: fill in the instructions.
  for (int n = 0; n < node_count; ++n) {
    if (nodes[n].kind != Node::Kind::op || folded[n]) continue;
    Instruction& instruction = compiled.phases[plan[n].phase].instructions[plan[n].position];
    for (int i = 0; i < arity_of(n); ++i) {
      instruction.arguments[i] = plan[nodes[n].arguments[i]].slot;
      if (scale_of_argument[n][i] >= 0) instruction.scales[i] = plan[scale_of_argument[n][i]].slot;
    }
    instruction.result = plan[n].slot;
    instruction.fusion = fusion_of[n];
    if (op_info(nodes[n].op).type_rule == TypeRule::reduction) instruction.accumulator = compiled.accumulators++;
    instruction.subtract_from_result = update_fused && n == update;
  }
  if (update_fused) fold_update_scale(program, nodes, consumers, plan, scale_of_argument, weights_node, compiled);
  compiled.scalar_constants.assign(scalar_slots, std::numeric_limits<double>::quiet_NaN());
  for (auto [slot, value] : constants) compiled.scalar_constants[slot] = value;
  compiled.update = final_slot(update);
  compiled.update_applied_in_place = update_in_tile;
  if (update_in_tile && !update_fused) {
    // The tile loop applies it after the phase's last instruction: w -= copy(update).
    Instruction apply;
    apply.op = copy_op();
    apply.arguments[0] = plan[update].slot;
    apply.result = {Slot::Kind::weights, 0};
    apply.subtract_from_result = true;
    compiled.phases[plan[update].phase].instructions.push_back(apply);
  }
  for (int s = 0; s < compiled.state_count; ++s) {
    const int out = program.state_outputs[s];
    if (home_state[out] == s) continue;
    if (nodes[out].kind == Node::Kind::input && nodes[out].role == InputRole::state &&
        nodes[out].state == s) {
      continue;  // unchanged state
    }
    compiled.final_state_copies.push_back({s, final_slot(out)});
  }
  return compiled;
}

}  // namespace symopt
