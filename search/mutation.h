// The mutation operator of the evolution (AutoML-Zero / Lion paper style): one random edit
// of a program's three-address statements, with a readable description for the lineage.
#pragma once

#include "dsl/program.h"
#include "search/random.h"
#include "search/search_config.h"

#include <optional>
#include <string>
#include <vector>

namespace symopt {

enum class MutationKind {
  insert_statement,
  delete_statement,
  change_op,
  change_argument,
  replace_constant,
  perturb_constant,
  wrap_argument
};
std::string_view mutation_kind_name(MutationKind kind);

struct Mutation {
  Program program;
  MutationKind kind = MutationKind::insert_statement;
  // e.g. "change op at line 6: update = m / _3  ->  update = sign(m)" (lines count statements).
  std::string description;
};

// Draws one mutation kind by the configured weights among the kinds that apply to the
// program (no constant to perturb, no room to insert, ... exclude a kind), then applies it.
// Arguments are only variables defined before the statement, so programs stay well formed
// by name; types are the analyzer's to check. Constants stay finite. Returns nullopt when
// no kind applies. The result's variable list may hold unused names.
class Mutator {
 public:
  explicit Mutator(const MutationSettings& settings);  // InputError for unknown op names
  std::optional<Mutation> mutate(const Program& parent, Rng& rng) const;

 private:
  MutationSettings settings_;
  std::vector<int> ops_;  // op table indices a statement may be given
};

// "target = expression" of one statement, as the printer writes it.
std::string statement_text(const Program& program, const Statement& statement);
// Rounds to `digits` significant decimal digits (0: unchanged).
double round_significant(double value, int digits);

}  // namespace symopt
