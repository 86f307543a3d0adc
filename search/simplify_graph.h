// The editable form of a program that simplification rewrites: the analyzer's SSA graph plus
// the means to add nodes, redirect uses and turn the result back into an analyzed program.
#pragma once

#include "dsl/analyzer.h"

#include <optional>
#include <string>
#include <vector>

namespace symopt {

struct RewriteGraph {
  std::vector<Node> nodes;           // analyzer nodes; nodes added by rewrites go at the end
  int update = -1;
  std::vector<int> state_outputs;    // per live state of the source program
  std::vector<std::string> state_names;

  explicit RewriteGraph(const AnalyzedProgram& program);

  int add_constant(double value);
  // Appends op(arguments); the type is a best guess (analysis of the result is the judge).
  int add_op(int op, int first, int second = -1, int third = -1);
  int input_of(InputRole role) const;  // -1 when the program has no such input
  // Every use of `from` (arguments and outputs) now reads `to`.
  void redirect(int from, int to);
  // Only the argument `argument` of node `user` now reads `to`.
  void redirect_argument(int user, int argument, int to);
  // How many arguments and outputs read each node.
  std::vector<int> use_counts() const;

  bool is_constant(int node) const { return nodes[node].kind == Node::Kind::constant; }
  bool is_op(int node, std::string_view name) const;
  double constant(int node) const { return nodes[node].constant; }
};

// A short text of the expression at `node`, e.g. "sign(mul(0.5, m))"; deeper parts "...".
std::string describe_expression(const RewriteGraph& graph, int node, int depth = 3);

// The analyzed program the graph describes, state names kept; nullopt when it does not
// type-check (a rewrite made a scalar where a tensor is needed, say).
std::optional<AnalyzedProgram> finish_graph(const RewriteGraph& graph);

// The analyzer's canonical program with the source's state names instead of s1, s2, ...
Program named_canonical(const AnalyzedProgram& program);

// Size of a program as simplification counts it: 10 per op, 1 per constant argument, so
// that removing an op always pays and folding constants into fewer places does too.
int simplification_cost(const AnalyzedProgram& program);
int count_ops(const AnalyzedProgram& program);

}  // namespace symopt
