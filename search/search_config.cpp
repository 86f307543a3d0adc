// Reading and writing search configs. Every key is read through one KeyReader, which
// checks its type and range and, at the end, that the object held no key it did not read.
#include "search/search_config.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "dsl/op_table.h"
#include "dsl/program.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#ifndef SYMOPT_PRESETS_DIR
#define SYMOPT_PRESETS_DIR "search/presets"
#endif
#ifndef SYMOPT_PROGRAMS_DIR
#define SYMOPT_PROGRAMS_DIR "programs"
#endif

namespace symopt {
namespace {

using nlohmann::json;

std::string type_of(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return fmt::format("the number {}", value.dump());
  if (value.is_string()) return fmt::format("the string {}", value.dump());
  if (value.is_array()) return "an array";
  return "an object";
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// Reads the keys of one JSON object; errors name the source file and the dotted key path.
class KeyReader {
 public:
  KeyReader(const json& object, std::string path, const std::string& source)
      : object_(object), path_(std::move(path)), source_(source) {
    if (!object.is_object()) fail_at(path_.empty() ? "(top level)" : path_, "expected an object", object);
  }

  const json* find(const std::string& key) {
    known_.insert(key);
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }
  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  [[noreturn]] void fail(const std::string& key, const std::string& expected, const json& found) const {
    fail_at(key_path(key), expected, found);
  }
  [[noreturn]] void fail_at(const std::string& path, const std::string& expected, const json& found) const {
    throw InputError(fmt::format("{}: key '{}': {}, found {}", source_, path, expected, type_of(found)));
  }

  void number(const std::string& key, double& out, double low, double high, bool low_open = false) {
    const json* value = find(key);
    if (!value) return;
    if (!value->is_number()) fail(key, "expected a number", *value);
    const double x = value->get<double>();
    if (!std::isfinite(x) || x < low || x > high || (low_open && x == low)) {
      fail(key, fmt::format("expected a number in {}{}, {}]", low_open ? "(" : "[", low, high), *value);
    }
    out = x;
  }

  template <class Integer>
  void integer(const std::string& key, Integer& out, long long low, long long high) {
    const json* value = find(key);
    if (!value) return;
    if (!value->is_number_integer()) fail(key, "expected an integer", *value);
    // nlohmann stores non-negative literals as unsigned: both bounds apply to them too.
    const bool in_range = value->is_number_unsigned()
                              ? value->get<unsigned long long>() <= static_cast<unsigned long long>(high) &&
                                    (low <= 0 || value->get<unsigned long long>() >= static_cast<unsigned long long>(low))
                              : value->get<long long>() >= low && value->get<long long>() <= high;
    if (!in_range) {
      fail(key, fmt::format("expected an integer in [{}, {}]", low, high), *value);
    }
    out = value->is_number_unsigned() ? static_cast<Integer>(value->get<unsigned long long>())
                                      : static_cast<Integer>(value->get<long long>());
  }

  void seed(const std::string& key, std::uint64_t& out) {
    const json* value = find(key);
    if (!value) return;
    if (!value->is_number_integer() || (!value->is_number_unsigned() && value->get<long long>() < 0)) {
      fail(key, "expected a non-negative integer", *value);
    }
    out = value->get<std::uint64_t>();
  }

  void string(const std::string& key, std::string& out) {
    const json* value = find(key);
    if (!value) return;
    if (!value->is_string()) fail(key, "expected a string", *value);
    out = value->get<std::string>();
  }

  void strings(const std::string& key, std::vector<std::string>& out, bool allow_empty) {
    const json* value = find(key);
    if (!value) return;
    if (!value->is_array()) fail(key, "expected an array of strings", *value);
    if (!allow_empty && value->empty()) fail(key, "expected a non-empty array of strings", *value);
    std::vector<std::string> result;
    for (std::size_t i = 0; i < value->size(); ++i) {
      if (!(*value)[i].is_string()) {
        fail_at(fmt::format("{}[{}]", key_path(key), i), "expected a string", (*value)[i]);
      }
      result.push_back((*value)[i].get<std::string>());
    }
    out = std::move(result);
  }

  void numbers(const std::string& key, std::vector<double>& out) {
    const json* value = find(key);
    if (!value) return;
    if (!value->is_array()) fail(key, "expected an array of numbers", *value);
    std::vector<double> result;
    for (std::size_t i = 0; i < value->size(); ++i) {
      const json& item = (*value)[i];
      if (!item.is_number() || !std::isfinite(item.get<double>())) {
        fail_at(fmt::format("{}[{}]", key_path(key), i), "expected a finite number", item);
      }
      result.push_back(item.get<double>());
    }
    out = std::move(result);
  }

  template <class Enum>
  void choice(const std::string& key, Enum& out, const std::vector<std::pair<Enum, std::string_view>>& names) {
    const json* value = find(key);
    if (!value) return;
    std::vector<std::string_view> options;
    for (const auto& [e, name] : names) {
      options.push_back(name);
      if (value->is_string() && value->get<std::string>() == name) {
        out = e;
        return;
      }
    }
    fail(key, fmt::format("expected one of \"{}\"", fmt::join(options, "\", \"")), *value);
  }

  // Calls read(child_reader) for an object-valued key.
  template <class Read>
  void object(const std::string& key, Read&& read) {
    const json* value = find(key);
    if (!value) return;
    if (!value->is_object()) fail(key, "expected an object", *value);
    KeyReader child(*value, key_path(key), source_);
    read(child);
    child.finish();
  }

  // Every key of the object must have been asked for.
  void finish() const {
    for (const auto& [key, value] : object_.items()) {
      if (known_.contains(key)) continue;
      std::string closest;
      std::size_t best = 3;  // suggest only close misspellings
      for (const std::string& k : known_) {
        const std::size_t d = edit_distance(key, k);
        if (d < best) best = d, closest = k;
      }
      throw InputError(fmt::format("{}: unknown key '{}'{}", source_, key_path(key),
                                   closest.empty() ? fmt::format(" (known here: {})", fmt::join(known_, ", "))
                                                   : fmt::format(" (did you mean '{}'?)", key_path(closest))));
    }
  }

 private:
  const json& object_;
  std::string path_;
  const std::string& source_;
  std::set<std::string> known_;
};

const std::vector<std::pair<SearchStrategy, std::string_view>> strategy_names = {
    {SearchStrategy::evolution, "evolution"}, {SearchStrategy::random, "random"}};
const std::vector<std::pair<ParallelMode, std::string_view>> mode_names = {
    {ParallelMode::deterministic, "deterministic"}, {ParallelMode::asynchronous, "asynchronous"}};
const std::vector<std::pair<ParetoParentSelection, std::string_view>> pareto_selection_names = {
    {ParetoParentSelection::uniform, "uniform"}, {ParetoParentSelection::per_state_count, "per_state_count"}};
const std::vector<std::pair<PopulationDuplicates, std::string_view>> population_duplicates_names = {
    {PopulationDuplicates::admit, "admit"}, {PopulationDuplicates::turn_away, "turn_away"}};
const std::vector<std::pair<Schedule, std::string_view>> schedule_names = {
    {Schedule::constant, "constant"}, {Schedule::cosine, "cosine"}};
const std::vector<std::pair<Rung, std::string_view>> rung_choices = {
    {Rung::tiny, "tiny"}, {Rung::small, "small"}, {Rung::medium, "medium"}, {Rung::large, "large"}};

template <class Enum>
std::string_view name_of(Enum value, const std::vector<std::pair<Enum, std::string_view>>& names) {
  for (const auto& [e, name] : names) {
    if (e == value) return name;
  }
  return "?";
}

void read_mutation(KeyReader& r, MutationSettings& m) {
  r.object("weights", [&](KeyReader& w) {
    MutationWeights& weights = m.weights;
    w.number("insert_statement", weights.insert_statement, 0, 1e6);
    w.number("delete_statement", weights.delete_statement, 0, 1e6);
    w.number("change_op", weights.change_op, 0, 1e6);
    w.number("change_argument", weights.change_argument, 0, 1e6);
    w.number("replace_constant", weights.replace_constant, 0, 1e6);
    w.number("perturb_constant", weights.perturb_constant, 0, 1e6);
    w.number("wrap_argument", weights.wrap_argument, 0, 1e6);
    const double total = weights.insert_statement + weights.delete_statement + weights.change_op +
                         weights.change_argument + weights.replace_constant + weights.perturb_constant +
                         weights.wrap_argument;
    if (total <= 0) {
      throw InputError(fmt::format("{}: key '{}': at least one mutation weight must be positive",
                                   w.source(), w.path()));
    }
  });
  r.strings("ops", m.ops, true);
  for (std::size_t i = 0; i < m.ops.size(); ++i) {
    if (!find_op(m.ops[i])) {
      r.fail_at(fmt::format("{}[{}]", r.key_path("ops"), i), "expected an op name (see `symopt ops`)",
                json(m.ops[i]));
    }
  }
  r.integer("max_statements", m.max_statements, 1, max_program_statements);
  r.number("perturb_factor", m.perturb_factor, 1, 1e6, true);
  r.number("perturb_one_minus_probability", m.perturb_one_minus_probability, 0, 1);
  r.integer("constant_significant_digits", m.constant_significant_digits, 0, 17);
  r.number("constant_argument_probability", m.constant_argument_probability, 0, 1);
  r.number("new_variable_probability", m.new_variable_probability, 0, 1);
  r.number("reuse_op_probability", m.reuse_op_probability, 0, 1);
  r.number("wrap_copy_probability", m.wrap_copy_probability, 0, 1);
  r.numbers("constant_palette", m.constant_palette);
  if (m.constant_palette.empty()) {
    r.fail("constant_palette", "expected at least one constant", json::array());
  }
}

void read_suite(KeyReader& r, SuiteConfig& s) {
  r.strings("tasks", s.tasks, false);
  const std::vector<std::string> known_tasks = task_names();
  for (std::size_t i = 0; i < s.tasks.size(); ++i) {
    if (std::find(known_tasks.begin(), known_tasks.end(), s.tasks[i]) == known_tasks.end()) {
      r.fail_at(fmt::format("{}[{}]", r.key_path("tasks"), i),
                fmt::format("expected a task name (one of: {})", fmt::join(known_tasks, ", ")), json(s.tasks[i]));
    }
  }
  r.numbers("weights", s.weights);
  if (!s.weights.empty() && s.weights.size() != s.tasks.size()) {
    r.fail("weights", fmt::format("expected one weight per task ({}) or none", s.tasks.size()),
           json(s.weights));
  }
  for (std::size_t i = 0; i < s.weights.size(); ++i) {
    if (s.weights[i] < 0) r.fail_at(fmt::format("{}[{}]", r.key_path("weights"), i), "expected a weight >= 0", json(s.weights[i]));
  }
  r.choice("rung", s.rung, rung_choices);
  r.integer("seeds", s.seeds, 1, 1000);
  r.seed("base_seed", s.base_seed);
  r.integer("steps", s.steps, 0, 100000000);
  r.choice("schedule", s.schedule, schedule_names);
  r.number("score_scale", s.score_scale, 0, 1e6, true);
  r.integer("fitness_cache_capacity", s.fitness_cache_capacity, 0, 1'000'000'000);  // 0: no bound
  r.numbers("rate_multipliers", s.rate_multipliers);
  if (s.rate_multipliers.empty()) r.fail("rate_multipliers", "expected a non-empty array of numbers", json::array());
  for (std::size_t i = 0; i < s.rate_multipliers.size(); ++i) {
    if (!(s.rate_multipliers[i] > 0) || !std::isfinite(s.rate_multipliers[i])) {
      r.fail_at(fmt::format("{}[{}]", r.key_path("rate_multipliers"), i), "expected a positive number",
                json(s.rate_multipliers[i]));
    }
  }
  r.number("hurdle_fraction", s.hurdle_fraction, 0, 0.95);
  r.number("hurdle_min_score", s.hurdle_min_score, -0.99, 0.99);
  std::string path = s.data_dir.string();
  r.string("data_dir", path);
  s.data_dir = path;
  path = s.baseline_cache.string();
  r.string("baseline_cache", path);
  s.baseline_cache = path;
  r.object("adamw", [&](KeyReader& a) {
    a.number("beta1", s.adamw.beta1, 0, 1);
    a.number("beta2", s.adamw.beta2, 0, 1);
    a.number("epsilon", s.adamw.epsilon, 0, 1);
    a.number("weight_decay", s.adamw.weight_decay, 0, 1e3);
  });
  r.object("adamw_sweep", [&](KeyReader& w) {
    w.integer("points", s.adamw_sweep.points, 1, 101);
    w.number("factor", s.adamw_sweep.factor, 1, 1e3, true);
    w.integer("max_extensions", s.adamw_sweep.max_extensions, 0, 100);
  });
}

void read_budget(KeyReader& r, SearchBudget& b) {
  if (const json* wall = r.find("wall_time")) {
    if (wall->is_string()) {
      b.wall_seconds = parse_duration(wall->get<std::string>(), r.source() + ": key '" + r.key_path("wall_time") + "'");
    } else if (wall->is_number()) {
      b.wall_seconds = wall->get<double>();
      if (!(b.wall_seconds > 0) || !std::isfinite(b.wall_seconds)) {
        r.fail("wall_time", "expected a positive duration (\"30s\", \"10m\", \"1h\" or seconds)", *wall);
      }
    } else if (wall->is_null()) {
      b.wall_seconds = 0;
    } else {
      r.fail("wall_time", "expected a duration (\"30s\", \"10m\", \"1h\" or seconds) or null", *wall);
    }
  }
  if (const json* evaluations = r.find("evaluations")) {
    if (evaluations->is_null()) {
      b.evaluations = 0;
    } else if (!evaluations->is_number_integer() ||
               (evaluations->is_number_unsigned() ? evaluations->get<unsigned long long>() == 0
                                                  : evaluations->get<long long>() <= 0)) {
      r.fail("evaluations", "expected a positive integer or null", *evaluations);
    } else {
      b.evaluations = evaluations->get<long>();
    }
  }
  if (const json* target = r.find("target_fitness")) {
    if (target->is_null()) {
      b.target_fitness.reset();
    } else if (!target->is_number() || !std::isfinite(target->get<double>())) {
      r.fail("target_fitness", "expected a number or null", *target);
    } else {
      b.target_fitness = target->get<double>();
    }
  }
}

void read_config(const json& document, const std::string& source, SearchConfig& c) {
  KeyReader r(document, "", source);
  r.string("description", c.description);
  r.seed("seed", c.seed);
  r.integer("threads", c.threads, 0, 4096);
  r.choice("strategy", c.strategy, strategy_names);
  r.choice("mode", c.mode, mode_names);
  r.integer("population_size", c.population_size, 1, 1000000);
  r.integer("tournament_size", c.tournament_size, 1, 1000000);
  r.integer("batch_size", c.batch_size, 1, 100000);
  r.strings("warm_start", c.warm_start, false);
  r.object("restart", [&](KeyReader& restart) {
    restart.integer("interval_evaluations", c.restart_interval, 0, 1LL << 50);
    restart.integer("from_top", c.restart_from_top, 1, 1000000);
  });
  r.integer("random_search_max_mutations", c.random_search_max_mutations, 1, 1000);
  r.number("pareto_parent_probability", c.pareto_parent_probability, 0, 1);
  r.choice("pareto_parent_selection", c.pareto_parent_selection, pareto_selection_names);
  r.choice("population_duplicates", c.population_duplicates, population_duplicates_names);
  r.object("state_niche", [&](KeyReader& n) {
    n.integer("max_states", c.state_niche.max_states, 0, 1000);
    n.number("parent_probability", c.state_niche.parent_probability, 0, 1);
    n.integer("tournament_size", c.state_niche.tournament_size, 0, 1000000);
  });
  r.object("mutation", [&](KeyReader& m) { read_mutation(m, c.mutation); });
  r.object("suite", [&](KeyReader& s) { read_suite(s, c.suite); });
  r.integer("hall_of_fame_size", c.hall_of_fame_size, 1, 100000);
  r.integer("lineage_max_records", c.lineage_max_records, 0, 1LL << 40);  // 0: no bound
  r.number("checkpoint_seconds", c.checkpoint_seconds, 0, 1e6, true);
  r.number("progress_seconds", c.progress_seconds, 0, 1e6, true);
  r.object("budget", [&](KeyReader& b) { read_budget(b, c.budget); });
  r.object("islands", [&](KeyReader& i) {
    i.number("migration_seconds", c.islands.migration_seconds, 0, 1e6, true);
    i.integer("migrants", c.islands.migrants, 0, 100000);
    std::string topology = c.islands.ring ? "ring" : "all";
    i.string("topology", topology);
    if (topology != "ring" && topology != "all") i.fail("topology", "expected \"all\" or \"ring\"", json(topology));
    c.islands.ring = topology == "ring";
    i.number("heartbeat_seconds", c.islands.heartbeat_seconds, 0, 1e6, true);
    i.number("rank_timeout_seconds", c.islands.rank_timeout_seconds, 0, 1e6, true);
  });
  if (c.tournament_size > c.population_size) {
    r.fail("tournament_size", fmt::format("expected at most population_size ({})", c.population_size),
           json(c.tournament_size));
  }
  r.find("preset");  // handled by the caller; known here so that finish() accepts it
  r.find("run");     // provenance written into a run's config.json; not configuration
  r.finish();
}

SearchConfig config_with_preset_base(const json& json_document, const std::string& source, int depth) {
  SearchConfig config;
  if (!json_document.is_object()) {
    throw InputError(fmt::format("{}: expected a JSON object at the top level, found {}", source,
                                 type_of(json_document)));
  }
  if (const auto preset = json_document.find("preset"); preset != json_document.end()) {
    if (!preset->is_string()) {
      throw InputError(fmt::format("{}: key 'preset': expected a preset name, found {}", source, type_of(*preset)));
    }
    if (depth > 8) throw InputError(fmt::format("{}: key 'preset': presets refer to each other in a cycle", source));
    const std::string name = preset->get<std::string>();
    const std::filesystem::path file = presets_directory() / (name + ".json");
    if (!std::filesystem::exists(file)) {
      throw InputError(fmt::format("{}: key 'preset': unknown preset '{}' (known: {})", source, name,
                                   fmt::join(preset_names(), ", ")));
    }
    json base;
    try {
      base = json::parse(read_whole_file(file));
    } catch (const json::parse_error& error) {
      throw InputError(fmt::format("{}: not valid JSON: {}", file.string(), error.what()));
    }
    config = config_with_preset_base(base, file.string(), depth + 1);
  }
  read_config(json_document, source, config);
  return config;
}

}  // namespace

SearchConfig search_config_from_json(const nlohmann::json& document, const std::string& source) {
  SearchConfig config = config_with_preset_base(document, source, 0);
  if (config.suite.tasks.empty()) {
    throw InputError(fmt::format("{}: key 'suite.tasks': missing (give the tasks, or a \"preset\" that does)", source));
  }
  return config;
}

nlohmann::json search_config_to_json(const SearchConfig& c) {
  const MutationSettings& m = c.mutation;
  const SuiteConfig& s = c.suite;
  json budget = {{"wall_time", c.budget.wall_seconds > 0 ? json(format_duration(c.budget.wall_seconds)) : json()},
                 {"evaluations", c.budget.evaluations > 0 ? json(c.budget.evaluations) : json()},
                 {"target_fitness", c.budget.target_fitness ? json(*c.budget.target_fitness) : json()}};
  return {
      {"description", c.description},
      {"seed", c.seed},
      {"threads", c.threads},
      {"strategy", name_of(c.strategy, strategy_names)},
      {"mode", name_of(c.mode, mode_names)},
      {"population_size", c.population_size},
      {"tournament_size", c.tournament_size},
      {"batch_size", c.batch_size},
      {"warm_start", c.warm_start},
      {"restart", {{"interval_evaluations", c.restart_interval}, {"from_top", c.restart_from_top}}},
      {"random_search_max_mutations", c.random_search_max_mutations},
      {"pareto_parent_probability", c.pareto_parent_probability},
      {"pareto_parent_selection", name_of(c.pareto_parent_selection, pareto_selection_names)},
      {"population_duplicates", name_of(c.population_duplicates, population_duplicates_names)},
      {"state_niche",
       {{"max_states", c.state_niche.max_states},
        {"parent_probability", c.state_niche.parent_probability},
        {"tournament_size", c.state_niche.tournament_size}}},
      {"mutation",
       {{"weights",
         {{"insert_statement", m.weights.insert_statement},
          {"delete_statement", m.weights.delete_statement},
          {"change_op", m.weights.change_op},
          {"change_argument", m.weights.change_argument},
          {"replace_constant", m.weights.replace_constant},
          {"perturb_constant", m.weights.perturb_constant},
          {"wrap_argument", m.weights.wrap_argument}}},
        {"ops", m.ops},
        {"max_statements", m.max_statements},
        {"perturb_factor", m.perturb_factor},
        {"perturb_one_minus_probability", m.perturb_one_minus_probability},
        {"constant_significant_digits", m.constant_significant_digits},
        {"constant_argument_probability", m.constant_argument_probability},
        {"new_variable_probability", m.new_variable_probability},
        {"reuse_op_probability", m.reuse_op_probability},
        {"wrap_copy_probability", m.wrap_copy_probability},
        {"constant_palette", m.constant_palette}}},
      {"suite",
       {{"tasks", s.tasks},
        {"weights", s.weights},
        {"rung", rung_name(s.rung)},
        {"seeds", s.seeds},
        {"base_seed", s.base_seed},
        {"steps", s.steps},
        {"schedule", name_of(s.schedule, schedule_names)},
        {"score_scale", s.score_scale},
        {"fitness_cache_capacity", s.fitness_cache_capacity},
        {"rate_multipliers", s.rate_multipliers},
        {"hurdle_fraction", s.hurdle_fraction},
        {"hurdle_min_score", s.hurdle_min_score},
        {"data_dir", s.data_dir.string()},
        {"baseline_cache", s.baseline_cache.string()},
        {"adamw",
         {{"beta1", s.adamw.beta1}, {"beta2", s.adamw.beta2}, {"epsilon", s.adamw.epsilon},
          {"weight_decay", s.adamw.weight_decay}}},
        {"adamw_sweep",
         {{"points", s.adamw_sweep.points}, {"factor", s.adamw_sweep.factor},
          {"max_extensions", s.adamw_sweep.max_extensions}}}}},
      {"hall_of_fame_size", c.hall_of_fame_size},
      {"lineage_max_records", c.lineage_max_records},
      {"checkpoint_seconds", c.checkpoint_seconds},
      {"progress_seconds", c.progress_seconds},
      {"budget", budget},
      {"islands",
       {{"migration_seconds", c.islands.migration_seconds},
        {"migrants", c.islands.migrants},
        {"topology", c.islands.ring ? "ring" : "all"},
        {"heartbeat_seconds", c.islands.heartbeat_seconds},
        {"rank_timeout_seconds", c.islands.rank_timeout_seconds}}},
  };
}

std::filesystem::path presets_directory() {
  if (const char* override_directory = std::getenv("SYMOPT_PRESETS_DIR")) return override_directory;
  return SYMOPT_PRESETS_DIR;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(presets_directory(), error)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

SearchConfig load_preset(const std::string& name) {
  return search_config_from_json(json{{"preset", name}}, fmt::format("--preset {}", name));
}

SearchConfig load_search_config_file(const std::filesystem::path& path) {
  json document;
  try {
    document = json::parse(read_whole_file(path));
  } catch (const json::parse_error& error) {
    throw InputError(fmt::format("{}: not valid JSON: {}", path.string(), error.what()));
  }
  return search_config_from_json(document, path.string());
}

double parse_duration(const std::string& text, const std::string& what) {
  const auto bad = [&] {
    return InputError(fmt::format("{}: expected a positive duration such as 90, 30s, 10m, 1h or 1h30m, found '{}'",
                                  what, text));
  };
  if (text.empty()) throw bad();
  double total = 0;
  std::size_t position = 0;
  while (position < text.size()) {
    std::size_t used = 0;
    double value = 0;
    if (!std::isdigit(static_cast<unsigned char>(text[position])) && text[position] != '.') throw bad();
    try {
      value = std::stod(text.substr(position), &used);
    } catch (const std::exception&) {
      throw bad();
    }
    position += used;
    double unit = 1;
    if (position < text.size()) {
      switch (text[position]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        default: throw bad();
      }
      ++position;
    } else if (position != text.size()) {
      throw bad();
    }
    total += value * unit;
  }
  if (!(total > 0) || !std::isfinite(total)) throw bad();
  return total;
}

std::string format_duration(double seconds) {
  if (seconds < 60) return fmt::format("{:.3g}s", seconds);
  const long whole = std::lround(seconds);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m{:02}s", whole / 3600, (whole / 60) % 60, whole % 60);
}

std::filesystem::path resolve_program_path(const std::string& entry,
                                           const std::filesystem::path& config_directory) {
  std::vector<std::filesystem::path> tries = {entry};
  if (!config_directory.empty()) tries.push_back(config_directory / entry);
  tries.push_back(std::filesystem::path(SYMOPT_PROGRAMS_DIR) / entry);
  for (const auto& path : tries) {
    std::error_code error;
    if (std::filesystem::is_regular_file(path, error)) return std::filesystem::absolute(path);
  }
  std::vector<std::string> tried;
  for (const auto& path : tries) tried.push_back(path.string());
  throw InputError(fmt::format("warm-start program '{}' not found (tried {})", entry, fmt::join(tried, ", ")));
}

std::string_view strategy_name(SearchStrategy strategy) { return name_of(strategy, strategy_names); }
std::string_view mode_name(ParallelMode mode) { return name_of(mode, mode_names); }

}  // namespace symopt
