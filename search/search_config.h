// Everything a search run is configured by, its JSON form (presets, --config files and the
// run directory's config.json) and the validation that names the bad key.
#pragma once

#include "evaluator/evaluator.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace symopt {

// Relative weights of the mutation kinds (normalized when drawn; zero disables a kind).
struct MutationWeights {
  double insert_statement = 0.15;  // a random statement at a random position
  double delete_statement = 0.15;
  double change_op = 0.2;          // same arguments where the arity allows, new ones otherwise
  double change_argument = 0.2;    // one argument becomes another variable or a constant
  double replace_constant = 0.1;   // one constant becomes a value from the palette
  double perturb_constant = 0.2;   // one constant multiplied by a log-uniform factor
  // A variable argument x becomes a new temporary op(x, ...) computed just before: one step
  // from sign(m) to sign(interp(g, m, 0.9)), where insert + change argument take two, the
  // first neutral (genetic programming's "insert node").
  double wrap_argument = 0.1;
};

struct MutationSettings {
  MutationWeights weights;
  std::vector<std::string> ops;    // ops an inserted or changed statement may use; empty: all
  int max_statements = 32;         // mutations never make a program longer (<= the DSL cap)
  double perturb_factor = 2.0;     // perturbations multiply by log-uniform [1/f, f]
  // A constant in (0, 1) is perturbed as 1 - c with this probability (betas move as 0.9 ->
  // 0.95 -> 0.99 rather than 0.9 -> 1.2).
  double perturb_one_minus_probability = 0.5;
  int constant_significant_digits = 3;  // perturbed constants are rounded; 0: never
  double constant_argument_probability = 0.2;  // a new argument is a constant, not a variable
  double new_variable_probability = 0.5;       // an inserted statement writes a new temporary
  // A new op (insert, change op, wrap) is drawn from the ops the program already uses with
  // this probability, else from all allowed ops: programs are built from few distinct ops,
  // and reusing one (a second interp, a second sqrt) is far likelier useful than a random one.
  double reuse_op_probability = 0.3;
  // A wrap copies an earlier statement (its op and other arguments) with this probability,
  // else draws a random op and arguments: subexpressions a program already has (an EMA of
  // g, a normalization) are likelier useful a second time than random ones (GP's reuse).
  double wrap_copy_probability = 0;
  std::vector<double> constant_palette = {-1, 0, 1e-8, 0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1, 2};
};

enum class SearchStrategy { evolution, random };
enum class ParallelMode { deterministic, asynchronous };
// How a Pareto-front parent is picked: any front member alike, or first a state count
// present on the front, then that count's fittest member (a niche per memory cost, so that
// the best one-state program gets a fixed share of the children however crowded the front).
enum class ParetoParentSelection { uniform, per_state_count };
// Whether a child equal to a living member (same structural hash: the same program once dead
// code is gone and it is in canonical form) joins the population. Regularized evolution
// admits it, and a population can then fill with copies of its best (findings section 9);
// turning them away keeps the population's members distinct, as many GP systems do.
enum class PopulationDuplicates { admit, turn_away };

// With probability `parent_probability` the tournament (of `tournament_size`) is held among
// the population's members with at most `max_states` state tensors (the whole population
// when it has none): the low-memory line of the Pareto front stays under selection while
// programs with more state lead the population, as in a niched GA (findings section 12).
struct StateNiche {
  int max_states = 1;
  double parent_probability = 0;
  int tournament_size = 0;  // 0: the search's; smaller keeps more of the niche's lines alive
};

struct SearchBudget {
  double wall_seconds = 0;       // 0: no limit
  long evaluations = 0;          // fitness calls (programs that passed the analyzer); 0: no limit
  std::optional<double> target_fitness;
};

// The island model (symopt search under mpirun with more than one rank; distributed/).
struct IslandSettings {
  double migration_seconds = 180;  // between migrations of each island's best programs
  int migrants = 4;                // best distinct programs of the population sent per migration
  bool ring = false;               // send migrants to the next rank only; false: to every rank
  double heartbeat_seconds = 1;    // status messages that tell the ranks who is alive
  double rank_timeout_seconds = 60;  // a rank not heard from for this long is given up as dead
};

struct SearchConfig {
  std::string description;
  std::uint64_t seed = 0;
  int threads = 0;               // 0: every core
  SearchStrategy strategy = SearchStrategy::evolution;
  ParallelMode mode = ParallelMode::deterministic;
  int population_size = 100;
  int tournament_size = 10;
  int batch_size = 16;           // children per batch in deterministic mode
  std::vector<std::string> warm_start = {"adamw_search_start.opt"};  // program files
  long restart_interval = 0;     // evaluations between restarts from the best; 0: never
  int restart_from_top = 3;      // a restart seeds the population with this many best programs
  int random_search_max_mutations = 6;  // random strategy: mutations applied to a warm start
  // A parent is drawn from the hall of fame's Pareto front (fitness, states, ops) instead of
  // by tournament with this probability (PySR mixes its hall of fame back in likewise): the
  // best one-state program keeps having children after two-state ones have taken over.
  double pareto_parent_probability = 0;
  ParetoParentSelection pareto_parent_selection = ParetoParentSelection::uniform;
  PopulationDuplicates population_duplicates = PopulationDuplicates::admit;
  StateNiche state_niche;
  MutationSettings mutation;
  SuiteConfig suite;
  int hall_of_fame_size = 20;
  // Lineage records kept at most (the ancestors of the population and hall of fame; 0: no
  // bound). Past it the oldest ancestors go, so `show --lineage` starts later in the chain.
  long lineage_max_records = 2048;
  double checkpoint_seconds = 5;
  double progress_seconds = 1;
  SearchBudget budget;
  IslandSettings islands;
};

// Defaults plus, when given, the keys of `json` (which may name a "preset" to start from).
// `source` names the file in errors: "FILE: key 'mutation.ops[2]': unknown op 'foo'".
// Throws InputError for unknown keys, wrong types and out-of-range values.
SearchConfig search_config_from_json(const nlohmann::json& json, const std::string& source);
// The fully resolved form: every key, as search_config_from_json reads it back.
nlohmann::json search_config_to_json(const SearchConfig& config);

// The bundled presets (search/presets/NAME.json); $SYMOPT_PRESETS_DIR overrides the folder.
std::filesystem::path presets_directory();
std::vector<std::string> preset_names();
SearchConfig load_preset(const std::string& name);     // InputError for unknown names
SearchConfig load_search_config_file(const std::filesystem::path& path);

// "90", "30s", "10m", "1h", "1h30m", "2.5m" -> seconds; InputError naming `what` otherwise.
double parse_duration(const std::string& text, const std::string& what);
std::string format_duration(double seconds);  // "1h02m03s", "4m05s", "12.3s"

// Where a warm-start entry is found: as given (relative to the working directory), beside
// `config_directory`, then in the project's programs/ folder. InputError listing the tries.
std::filesystem::path resolve_program_path(const std::string& entry,
                                           const std::filesystem::path& config_directory);

std::string_view strategy_name(SearchStrategy strategy);
std::string_view mode_name(ParallelMode mode);

}  // namespace symopt
