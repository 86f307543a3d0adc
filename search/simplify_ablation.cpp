// Greedy ablation: candidates are generated from the current program, tried in order (drop a
// state, bypass an op, replace a value by 0 or 1, round a constant), and the first acceptable
// one is kept; repeat.
#include "search/simplify_ablation.h"

#include "dsl/op_table.h"
#include "dsl/printer.h"
#include "search/simplify_graph.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <unordered_map>

namespace symopt {
namespace {

struct Candidate {
  RewriteGraph graph;
  std::string description;
  bool may_keep_cost = false;  // rounding a constant simplifies without lowering the cost
};

// The value rounded to `digits` significant digits.
double rounded(double value, int digits) {
  if (value == 0 || !std::isfinite(value)) return value;
  const double magnitude = std::floor(std::log10(std::fabs(value)));
  const double scale = std::pow(10.0, digits - 1 - magnitude);
  return std::round(value * scale) / scale;
}

std::vector<Candidate> candidates_of(const AnalyzedProgram& program) {
  const RewriteGraph graph(program);
  std::vector<Candidate> candidates;
  for (int n = 0; n < static_cast<int>(graph.nodes.size()); ++n) {
    const Node& node = graph.nodes[n];
    if (node.kind == Node::Kind::input && node.role == InputRole::state) {
      Candidate c{graph, fmt::format("drop state {} (read as 0)", graph.state_names[node.state])};
      c.graph.redirect(n, c.graph.add_constant(0));
      c.graph.state_outputs[node.state] = n;
      candidates.push_back(std::move(c));
    }
  }
  for (int n = static_cast<int>(graph.nodes.size()) - 1; n >= 0; --n) {
    const Node& node = graph.nodes[n];
    if (node.kind != Node::Kind::op) continue;
    for (int i = 0; i < op_info(node.op).arity; ++i) {
      const int argument = node.arguments[i];
      if (graph.is_constant(argument)) continue;
      Candidate c{graph, fmt::format("drop op: {} -> {}", describe_expression(graph, n),
                                     describe_expression(graph, argument))};
      c.graph.redirect(n, argument);
      candidates.push_back(std::move(c));
    }
  }
  // A computed value replaced by the simplest constants (an additive or multiplicative
  // term that does not matter, e.g. a bias correction's denominator -> 1).
  for (int n = static_cast<int>(graph.nodes.size()) - 1; n >= 0; --n) {
    if (graph.nodes[n].kind != Node::Kind::op) continue;
    for (double simpler : {0.0, 1.0}) {
      Candidate c{graph, fmt::format("replace by a constant: {} -> {}", describe_expression(graph, n),
                                     format_constant(simpler))};
      c.graph.redirect(n, c.graph.add_constant(simpler));
      candidates.push_back(std::move(c));
    }
  }
  for (int n = 0; n < static_cast<int>(graph.nodes.size()); ++n) {
    const Node& node = graph.nodes[n];
    if (node.kind != Node::Kind::op) continue;
    for (int i = 0; i < op_info(node.op).arity; ++i) {
      const int argument = node.arguments[i];
      if (!graph.is_constant(argument)) continue;
      const double value = graph.constant(argument);
      for (int digits = 1; digits <= 2; ++digits) {
        const double simpler = rounded(value, digits);
        if (simpler == value || simpler == 0) continue;
        Candidate c{graph, fmt::format("round constant in {}: {} -> {}", describe_expression(graph, n),
                                       format_constant(value), format_constant(simpler)), true};
        c.graph.redirect_argument(n, i, c.graph.add_constant(simpler));
        candidates.push_back(std::move(c));
        break;  // the coarsest rounding that differs; finer ones come on later rounds
      }
    }
  }
  return candidates;
}

}  // namespace

AblationResult ablate(const AnalyzedProgram& program, const FitnessFunction& fitness,
                      const AblationOptions& options) {
  AblationResult result;
  result.program = program;
  std::unordered_map<std::uint64_t, double> seen;
  auto evaluate = [&](const AnalyzedProgram& p) -> std::optional<double> {
    if (auto it = seen.find(p.structural_hash); it != seen.end()) return it->second;
    if (result.evaluations >= options.max_evaluations) {
      result.budget_exhausted = true;
      return std::nullopt;
    }
    ++result.evaluations;
    const double value = fitness(p);
    seen[p.structural_hash] = value;
    return value;
  };
  result.fitness_before = *evaluate(program);  // the budget is at least 1
  result.fitness_after = result.fitness_before;
  const double floor = result.fitness_before - options.tolerance;
  bool progressed = true;
  while (progressed && !result.budget_exhausted) {
    progressed = false;
    const int cost = simplification_cost(result.program);
    for (Candidate& candidate : candidates_of(result.program)) {
      std::optional<AnalyzedProgram> edited = finish_graph(candidate.graph);
      if (!edited) continue;
      const int edited_cost = simplification_cost(*edited);
      if (edited_cost > cost || (edited_cost == cost && !candidate.may_keep_cost)) continue;
      if (edited->structural_hash == result.program.structural_hash) continue;
      const std::optional<double> value = evaluate(*edited);
      if (!value) break;
      if (!(*value >= floor)) continue;
      result.program = std::move(*edited);
      result.fitness_after = *value;
      result.accepted.push_back({candidate.description, *value, *value - result.fitness_before});
      progressed = true;
      break;
    }
  }
  return result;
}

}  // namespace symopt
