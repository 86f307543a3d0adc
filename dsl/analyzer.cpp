// Analysis in four passes: SSA construction with type checks (and hash-consing of equal
// ops), liveness from the outputs (states live only if something live reads them),
// canonical topological order with structural hashes, and the canonical program.
#include "dsl/analyzer.h"

#include "dsl/op_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <tuple>

namespace symopt {
namespace {

std::uint64_t mix(std::uint64_t seed, std::uint64_t value) {
  // splitmix64 finalizer over the combination: order-sensitive, well spread.
  std::uint64_t z = seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Sorts an op's first `arity` (at most 3) arguments. Not std::sort: GCC 12 cannot rule out
// its 16-element insertion path on a 3-element array and warns (-Warray-bounds).
template <typename T>
void sort_arguments(std::array<T, 3>& arguments, int arity) {
  for (int i = 1; i < arity; ++i) {
    for (int j = i; j > 0 && arguments[j] < arguments[j - 1]; --j) std::swap(arguments[j], arguments[j - 1]);
  }
}

char dim_letter(Dim d) { return d == Dim::rows ? 'R' : 'C'; }

ValueType result_type(const OpInfo& op, const std::vector<ValueType>& args, SourceLocation where) {
  auto require_tensors = [&] {
    for (const ValueType& t : args) {
      if (!t.is_tensor) {
        throw DslError(where, fmt::format("type error: '{}' needs tensor arguments, given a scalar",
                                          op.name));
      }
    }
  };
  auto require_equal_shapes = [&] {
    const ValueType* first = nullptr;
    for (const ValueType& t : args) {
      if (!t.is_tensor) continue;
      if (first && !(t == *first)) {
        throw DslError(where, fmt::format("shape error: '{}' combines {} with {}, which agree "
                                          "only for some parameter shapes",
                                          op.name, describe(*first), describe(t)));
      }
      if (!first) first = &t;
    }
    return first ? *first : ValueType::scalar();
  };
  switch (op.type_rule) {
    case TypeRule::copy:
      return args[0];
    case TypeRule::elementwise:
      return require_equal_shapes();
    case TypeRule::reduction:
      require_tensors();
      require_equal_shapes();
      return ValueType::scalar();
    case TypeRule::shape_kept:
      require_tensors();
      return args[0];
    case TypeRule::transpose:
      require_tensors();
      return ValueType::tensor(args[0].cols, args[0].rows);
    case TypeRule::matmul:
      require_tensors();
      if (args[0].cols != args[1].rows) {
        throw DslError(where, fmt::format("shape error: 'matmul' of {} and {}: inner sizes {} and "
                                          "{} differ for some parameter shapes",
                                          describe(args[0]), describe(args[1]),
                                          dim_letter(args[0].cols), dim_letter(args[1].rows)));
      }
      return ValueType::tensor(args[0].rows, args[1].cols);
  }
  return ValueType::scalar();
}

// SSA graph of the whole program before dead code is removed.
struct Graph {
  std::vector<Node> nodes;
  std::vector<int> state_of_input;  // per node: signature state index for state inputs, else -1
  std::map<std::tuple<int, int, int, int>, int> op_nodes;  // hash-consing of ops
  std::map<std::uint64_t, int> constant_nodes;

  int add(Node node, int signature_state = -1) {
    nodes.push_back(node);
    state_of_input.push_back(signature_state);
    return static_cast<int>(nodes.size()) - 1;
  }
  int constant(double value) {
    if (value == 0) value = 0;  // -0 and 0 are the same program constant
    const auto bits = std::bit_cast<std::uint64_t>(value);
    if (auto it = constant_nodes.find(bits); it != constant_nodes.end()) return it->second;
    Node node;
    node.kind = Node::Kind::constant;
    node.constant = value;
    node.type = ValueType::scalar();
    return constant_nodes[bits] = add(node);
  }
};

void check_returns(const Program& program, const std::vector<int>& states) {
  const SourceLocation where = program.return_location;
  if (program.returns.empty()) throw DslError(where, "missing 'return'");
  std::string expected = "the update";
  for (int s : states) expected += ", " + program.variables[s];
  if (program.returns.size() < states.size() + 1) {
    const int missing = states[program.returns.size() - 1];
    throw DslError(where, fmt::format("state variable '{}' not returned: expected 'return {}'",
                                      program.variables[missing], expected));
  }
  if (program.returns.size() > states.size() + 1) {
    throw DslError(where, fmt::format("return lists {} values, expected {} ({})",
                                      program.returns.size(), states.size() + 1, expected));
  }
  for (std::size_t i = 0; i < states.size(); ++i) {
    const int returned = program.returns[i + 1];
    if (returned == states[i]) continue;
    const bool is_state = std::find(states.begin(), states.end(), returned) != states.end();
    throw DslError(where, fmt::format("{}: position {} of 'return' must be state '{}', found "
                                      "'{}' (expected 'return {}')",
                                      is_state ? "mis-ordered return" : "state not returned",
                                      i + 2, program.variables[states[i]],
                                      program.variables[returned], expected));
  }
}

}  // namespace

std::string describe(ValueType type) {
  if (!type.is_tensor) return "scalar";
  return fmt::format("tensor {} x {}", dim_letter(type.rows), dim_letter(type.cols));
}

int AnalyzedProgram::op_count() const { return static_cast<int>(canonical.body.size()); }

AnalyzedProgram analyze(const Program& program) {
  const std::vector<int> signature_states = program.state_parameters();
  check_returns(program, signature_states);
  if (static_cast<int>(program.body.size()) > max_program_statements) {
    throw DslError({}, fmt::format("program too long: {} statements, the cap is {}",
                                   program.body.size(), max_program_statements));
  }

  // Pass 1: SSA with type checks.
  Graph graph;
  std::vector<int> current(program.variables.size(), -1);
  for (int p : program.parameters) {
    Node input;
    input.kind = Node::Kind::input;
    input.role = role_of_parameter(program.variables[p]);
    const bool is_scalar = input.role == InputRole::learning_rate || input.role == InputRole::step;
    input.type = is_scalar ? ValueType::scalar() : ValueType::parameter_shaped();
    int state_index = -1;
    if (input.role == InputRole::state) {
      state_index = static_cast<int>(std::find(signature_states.begin(), signature_states.end(), p) -
                                     signature_states.begin());
    }
    current[p] = graph.add(input, state_index);
  }
  for (const Statement& s : program.body) {
    const OpInfo& op = op_info(s.op);
    std::vector<int> args;
    std::vector<ValueType> types;
    for (int i = 0; i < op.arity; ++i) {
      const Operand& a = s.arguments[i];
      int node;
      if (a.is_constant()) {
        if (!std::isfinite(a.constant)) {
          throw DslError(s.location, fmt::format("bad literal: constants must be finite, found {}",
                                                 a.constant));
        }
        node = graph.constant(a.constant);
      } else {
        if (a.variable < 0 || a.variable >= static_cast<int>(current.size()) ||
            current[a.variable] < 0) {
          throw DslError(s.location, fmt::format("undefined variable '{}'",
                                                 a.variable >= 0 && a.variable < int(current.size())
                                                     ? program.variables[a.variable]
                                                     : std::string("?")));
        }
        node = current[a.variable];
      }
      args.push_back(node);
      types.push_back(graph.nodes[node].type);
    }
    const ValueType type = result_type(op, types, s.location);
    if (s.op == copy_op()) {
      current[s.target] = args[0];
      continue;
    }
    std::array<int, 3> key_args{-1, -1, -1};
    std::copy(args.begin(), args.end(), key_args.begin());
    if (op.commutative) sort_arguments(key_args, op.arity);
    const auto key = std::make_tuple(s.op, key_args[0], key_args[1], key_args[2]);
    if (auto it = graph.op_nodes.find(key); it != graph.op_nodes.end()) {
      current[s.target] = it->second;
      continue;
    }
    Node node;
    node.kind = Node::Kind::op;
    node.op = s.op;
    node.arguments = key_args;
    node.type = type;
    current[s.target] = graph.op_nodes[key] = graph.add(node);
  }

  const int update_node = current[program.returns[0]];
  if (!(graph.nodes[update_node].type == ValueType::parameter_shaped())) {
    throw DslError(program.return_location,
                   fmt::format("type error: the update must be a tensor of the parameter's shape "
                               "(R x C), found {}", describe(graph.nodes[update_node].type)));
  }
  std::vector<int> state_output(signature_states.size());
  for (std::size_t i = 0; i < signature_states.size(); ++i) {
    state_output[i] = current[signature_states[i]];
    if (!(graph.nodes[state_output[i]].type == ValueType::parameter_shaped())) {
      throw DslError(program.return_location,
                     fmt::format("type error: state '{}' must end as a tensor of the parameter's "
                                 "shape (R x C), found {}",
                                 program.variables[signature_states[i]],
                                 describe(graph.nodes[state_output[i]].type)));
    }
  }

  // Pass 2: liveness. A state is live when a live node reads its input.
  std::vector<bool> live(graph.nodes.size(), false);
  std::vector<bool> state_live(signature_states.size(), false);
  std::vector<int> stack{update_node};
  while (!stack.empty()) {
    const int n = stack.back();
    stack.pop_back();
    if (live[n]) continue;
    live[n] = true;
    const Node& node = graph.nodes[n];
    if (node.kind == Node::Kind::op) {
      for (int i = 0; i < op_info(node.op).arity; ++i) stack.push_back(node.arguments[i]);
    }
    const int s = graph.state_of_input[n];
    if (s >= 0 && !state_live[s]) {
      state_live[s] = true;
      stack.push_back(state_output[s]);
    }
  }
  std::vector<int> live_states;
  std::vector<int> live_state_index(signature_states.size(), -1);
  for (std::size_t s = 0; s < signature_states.size(); ++s) {
    if (!state_live[s]) continue;
    live_state_index[s] = static_cast<int>(live_states.size());
    live_states.push_back(static_cast<int>(s));
  }

  // Pass 3: structural hashes (names, order and dead code do not enter), then a canonical
  // topological order: depth-first from the outputs, arguments of commutative ops by hash.
  std::vector<std::uint64_t> hash(graph.nodes.size(), 0);
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    std::uint64_t h = mix(0x51a7e, static_cast<std::uint64_t>(node.kind));
    if (node.kind == Node::Kind::input) {
      h = mix(h, static_cast<std::uint64_t>(node.role));
      const int s = graph.state_of_input[n];
      if (s >= 0) h = mix(h, static_cast<std::uint64_t>(live_state_index[s] + 1));
    } else if (node.kind == Node::Kind::constant) {
      h = mix(h, std::bit_cast<std::uint64_t>(node.constant));
    } else {
      const OpInfo& op = op_info(node.op);
      h = mix(h, static_cast<std::uint64_t>(node.op));
      std::array<std::uint64_t, 3> argument_hashes{};
      for (int i = 0; i < op.arity; ++i) argument_hashes[i] = hash[node.arguments[i]];
      if (op.commutative) sort_arguments(argument_hashes, op.arity);
      for (int i = 0; i < op.arity; ++i) h = mix(h, argument_hashes[i]);
    }
    hash[n] = h;
  }
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    Node& node = graph.nodes[n];
    if (node.kind == Node::Kind::op && op_info(node.op).commutative) {
      std::stable_sort(node.arguments.begin(), node.arguments.begin() + op_info(node.op).arity,
                       [&](int a, int b) { return hash[a] < hash[b]; });
    }
  }

  std::vector<int> order;
  std::vector<int> new_index(graph.nodes.size(), -1);
  auto visit = [&](auto&& self, int n) -> void {
    if (new_index[n] >= 0) return;
    const Node& node = graph.nodes[n];
    if (node.kind == Node::Kind::op) {
      for (int i = 0; i < op_info(node.op).arity; ++i) self(self, node.arguments[i]);
    }
    new_index[n] = static_cast<int>(order.size());
    order.push_back(n);
  };
  visit(visit, update_node);
  for (int s : live_states) visit(visit, state_output[s]);

  AnalyzedProgram result;
  for (int n : order) {
    Node node = graph.nodes[n];
    node.hash = hash[n];
    if (node.kind == Node::Kind::op) {
      for (int i = 0; i < op_info(node.op).arity; ++i) node.arguments[i] = new_index[node.arguments[i]];
    }
    if (node.kind == Node::Kind::input && node.role == InputRole::state) {
      node.state = live_state_index[graph.state_of_input[n]];
    }
    result.nodes.push_back(node);
  }
  result.update = new_index[update_node];
  std::uint64_t program_hash = mix(0x9a11, hash[update_node]);
  for (int s : live_states) {
    result.state_outputs.push_back(new_index[state_output[s]]);
    result.state_names.push_back(program.variables[signature_states[s]]);
    program_hash = mix(program_hash, hash[state_output[s]]);
  }
  result.structural_hash = mix(program_hash, live_states.size());

  // Pass 4: the canonical program.
  Program& canonical = result.canonical;
  std::vector<int> variable_of_node(result.nodes.size(), -1);
  bool uses[4] = {false, false, false, false};
  for (const Node& node : result.nodes) {
    if (node.kind == Node::Kind::input && node.role != InputRole::state) {
      uses[static_cast<int>(node.role)] = true;
    }
  }
  static constexpr const char* input_names[4] = {"w", "g", "lr", "t"};
  for (int role = 0; role < 4; ++role) {
    if (uses[role]) canonical.parameters.push_back(canonical.add_variable(input_names[role]));
  }
  std::vector<int> state_variable;
  for (int s = 0; s < result.state_count(); ++s) {
    state_variable.push_back(canonical.add_variable(fmt::format("s{}", s + 1)));
    canonical.parameters.push_back(state_variable.back());
  }
  for (std::size_t n = 0; n < result.nodes.size(); ++n) {
    const Node& node = result.nodes[n];
    if (node.kind == Node::Kind::input) {
      variable_of_node[n] = node.role == InputRole::state
                                ? state_variable[node.state]
                                : canonical.find_variable(input_names[static_cast<int>(node.role)]);
    }
  }
  // A state's new value may be written to its own name only after the last read of its
  // old value; otherwise it goes to a temporary and is copied at the end.
  std::vector<int> last_read_of_state(result.state_count(), -1);
  for (std::size_t n = 0; n < result.nodes.size(); ++n) {
    const Node& node = result.nodes[n];
    if (node.kind != Node::Kind::op) continue;
    for (int i = 0; i < op_info(node.op).arity; ++i) {
      const Node& arg = result.nodes[node.arguments[i]];
      if (arg.kind == Node::Kind::input && arg.role == InputRole::state) {
        last_read_of_state[arg.state] = static_cast<int>(n);
      }
    }
  }
  std::vector<int> writes_state(result.nodes.size(), -1);
  for (int s = 0; s < result.state_count(); ++s) {
    const int out = result.state_outputs[s];
    if (result.nodes[out].kind == Node::Kind::op && writes_state[out] < 0 &&
        out >= last_read_of_state[s]) {  // `s1 = f(s1)` reads then writes: fine
      writes_state[out] = s;
    }
  }
  int temporaries = 0;
  auto new_temporary = [&] { return canonical.add_variable(fmt::format("_{}", ++temporaries)); };
  auto operand_of = [&](int n) {
    const Node& node = result.nodes[n];
    return node.kind == Node::Kind::constant ? Operand::of_constant(node.constant)
                                             : Operand::of_variable(variable_of_node[n]);
  };
  auto copy_statement = [](int target, Operand source) {
    Statement copy;
    copy.op = copy_op();
    copy.target = target;
    copy.arguments[0] = source;
    return copy;
  };
  // An output that is the old value of a state which gets overwritten (`return m, ...` or
  // swapped states) is snapshotted into a temporary before anything is written.
  std::vector<int> snapshot(result.nodes.size(), -1);
  auto take_snapshot_if_needed = [&](int n) {
    const Node& node = result.nodes[n];
    const bool overwritten_state = node.kind == Node::Kind::input &&
                                   node.role == InputRole::state &&
                                   result.state_outputs[node.state] != n;
    if (!overwritten_state || snapshot[n] >= 0) return;
    snapshot[n] = new_temporary();
    canonical.body.push_back(copy_statement(snapshot[n], operand_of(n)));
  };
  take_snapshot_if_needed(result.update);
  for (int out : result.state_outputs) take_snapshot_if_needed(out);
  auto final_operand = [&](int n) {
    return snapshot[n] >= 0 ? Operand::of_variable(snapshot[n]) : operand_of(n);
  };
  for (std::size_t n = 0; n < result.nodes.size(); ++n) {
    const Node& node = result.nodes[n];
    if (node.kind != Node::Kind::op) continue;
    Statement statement;
    statement.op = node.op;
    for (int i = 0; i < op_info(node.op).arity; ++i) statement.arguments[i] = operand_of(node.arguments[i]);
    statement.target = writes_state[n] >= 0 ? state_variable[writes_state[n]] : new_temporary();
    variable_of_node[n] = statement.target;
    canonical.body.push_back(statement);
  }
  for (int s = 0; s < result.state_count(); ++s) {
    const int out = result.state_outputs[s];
    if (variable_of_node[out] == state_variable[s] && snapshot[out] < 0) continue;
    canonical.body.push_back(copy_statement(state_variable[s], final_operand(out)));
  }
  canonical.returns.push_back(final_operand(result.update).variable);
  for (int s = 0; s < result.state_count(); ++s) canonical.returns.push_back(state_variable[s]);
  return result;
}

}  // namespace symopt
