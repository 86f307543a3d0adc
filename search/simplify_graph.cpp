// Rewrite graphs: built from the analyzer's nodes, turned back into text-level programs
// that the analyzer checks, deduplicates and puts in canonical form again.
#include "search/simplify_graph.h"

#include "dsl/op_table.h"
#include "dsl/printer.h"

#include <fmt/format.h>

#include <algorithm>

namespace symopt {
namespace {

constexpr const char* input_names[4] = {"w", "g", "lr", "t"};

}  // namespace

RewriteGraph::RewriteGraph(const AnalyzedProgram& program)
    : nodes(program.nodes),
      update(program.update),
      state_outputs(program.state_outputs),
      state_names(program.state_names) {}

int RewriteGraph::add_constant(double value) {
  Node node;
  node.kind = Node::Kind::constant;
  node.constant = value;
  node.type = ValueType::scalar();
  nodes.push_back(node);
  return static_cast<int>(nodes.size()) - 1;
}

int RewriteGraph::add_op(int op, int first, int second, int third) {
  Node node;
  node.kind = Node::Kind::op;
  node.op = op;
  node.arguments = {first, second, third};
  const OpInfo& info = op_info(op);
  node.type = nodes[first].type;
  if (info.type_rule == TypeRule::reduction) {
    node.type = ValueType::scalar();
  } else if (info.type_rule == TypeRule::elementwise) {
    for (int i = 0; i < info.arity; ++i) {
      if (nodes[node.arguments[i]].type.is_tensor) node.type = nodes[node.arguments[i]].type;
    }
  }
  nodes.push_back(node);
  return static_cast<int>(nodes.size()) - 1;
}

int RewriteGraph::input_of(InputRole role) const {
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].kind == Node::Kind::input && nodes[n].role == role) return static_cast<int>(n);
  }
  return -1;
}

void RewriteGraph::redirect(int from, int to) {
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    Node& node = nodes[n];
    if (node.kind != Node::Kind::op || static_cast<int>(n) == to) continue;
    for (int i = 0; i < op_info(node.op).arity; ++i) {
      if (node.arguments[i] == from) node.arguments[i] = to;
    }
  }
  if (update == from) update = to;
  for (int& out : state_outputs) {
    if (out == from) out = to;
  }
}

void RewriteGraph::redirect_argument(int user, int argument, int to) {
  nodes[user].arguments[argument] = to;
}

std::vector<int> RewriteGraph::use_counts() const {
  std::vector<int> uses(nodes.size(), 0);
  for (const Node& node : nodes) {
    if (node.kind != Node::Kind::op) continue;
    for (int i = 0; i < op_info(node.op).arity; ++i) ++uses[node.arguments[i]];
  }
  ++uses[update];
  for (int out : state_outputs) ++uses[out];
  return uses;
}

bool RewriteGraph::is_op(int node, std::string_view name) const {
  return nodes[node].kind == Node::Kind::op && op_info(nodes[node].op).name == name;
}

std::string describe_expression(const RewriteGraph& graph, int node, int depth) {
  const Node& n = graph.nodes[node];
  if (n.kind == Node::Kind::constant) return format_constant(n.constant);
  if (n.kind == Node::Kind::input) {
    return n.role == InputRole::state ? graph.state_names[n.state]
                                      : input_names[static_cast<int>(n.role)];
  }
  if (depth <= 0) return "...";
  const OpInfo& op = op_info(n.op);
  std::string text = std::string(op.name) + "(";
  for (int i = 0; i < op.arity; ++i) {
    if (i > 0) text += ", ";
    text += describe_expression(graph, n.arguments[i], depth - 1);
  }
  return text + ")";
}

std::optional<AnalyzedProgram> finish_graph(const RewriteGraph& graph) {
  Program program;
  // Inputs keep their fixed names; every state's old value is read through a snapshot
  // temporary so that the final state assignments cannot clobber a value still needed.
  std::vector<int> variable_of_node(graph.nodes.size(), -1);
  bool has_role[4] = {false, false, false, false};
  for (const Node& node : graph.nodes) {
    if (node.kind == Node::Kind::input && node.role != InputRole::state) {
      has_role[static_cast<int>(node.role)] = true;
    }
  }
  for (int role = 0; role < 4; ++role) {
    if (has_role[role]) program.parameters.push_back(program.add_variable(input_names[role]));
  }
  std::vector<int> state_variables;
  for (const std::string& name : graph.state_names) {
    state_variables.push_back(program.add_variable(name));
    program.parameters.push_back(state_variables.back());
  }
  auto copy_statement = [](int target, Operand source) {
    Statement statement;
    statement.op = copy_op();
    statement.target = target;
    statement.arguments[0] = source;
    return statement;
  };
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    if (node.kind != Node::Kind::input) continue;
    if (node.role == InputRole::state) {
      const int snapshot = program.add_variable(fmt::format("_old_{}", node.state));
      program.body.push_back(copy_statement(snapshot, Operand::of_variable(state_variables[node.state])));
      variable_of_node[n] = snapshot;
    } else {
      variable_of_node[n] = program.find_variable(input_names[static_cast<int>(node.role)]);
    }
  }
  auto operand_of = [&](int n) {
    const Node& node = graph.nodes[n];
    return node.kind == Node::Kind::constant ? Operand::of_constant(node.constant)
                                             : Operand::of_variable(variable_of_node[n]);
  };
  int temporaries = 0;
  std::vector<char> visited(graph.nodes.size(), 0);
  auto emit = [&](auto&& self, int n) -> void {
    if (visited[n]) return;
    visited[n] = 1;
    const Node& node = graph.nodes[n];
    if (node.kind != Node::Kind::op) return;
    const int arity = op_info(node.op).arity;
    for (int i = 0; i < arity; ++i) self(self, node.arguments[i]);
    Statement statement;
    statement.op = node.op;
    for (int i = 0; i < arity; ++i) statement.arguments[i] = operand_of(node.arguments[i]);
    statement.target = program.add_variable(fmt::format("_{}", ++temporaries));
    variable_of_node[n] = statement.target;
    program.body.push_back(statement);
  };
  emit(emit, graph.update);
  for (int out : graph.state_outputs) emit(emit, out);
  const int update_variable = program.add_variable("_update");
  program.body.push_back(copy_statement(update_variable, operand_of(graph.update)));
  for (std::size_t s = 0; s < graph.state_outputs.size(); ++s) {
    program.body.push_back(copy_statement(state_variables[s], operand_of(graph.state_outputs[s])));
  }
  program.returns.push_back(update_variable);
  for (int v : state_variables) program.returns.push_back(v);
  try {
    return analyze(program);
  } catch (const DslError&) {
    return std::nullopt;
  }
}

Program named_canonical(const AnalyzedProgram& program) {
  Program named = program.canonical;
  const std::vector<int> states = named.state_parameters();
  for (std::size_t s = 0; s < states.size() && s < program.state_names.size(); ++s) {
    named.variables[states[s]] = program.state_names[s];
  }
  return named;
}

int count_ops(const AnalyzedProgram& program) {
  return static_cast<int>(std::count_if(program.nodes.begin(), program.nodes.end(),
                                        [](const Node& n) { return n.kind == Node::Kind::op; }));
}

int simplification_cost(const AnalyzedProgram& program) {
  int cost = 0;
  for (const Node& node : program.nodes) {
    if (node.kind != Node::Kind::op) continue;
    cost += 10;
    for (int i = 0; i < op_info(node.op).arity; ++i) {
      if (program.nodes[node.arguments[i]].kind == Node::Kind::constant) cost += 1;
    }
  }
  return cost;
}

}  // namespace symopt
