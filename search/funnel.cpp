// Funnel selection: candidates from a run's hall of fame, one parallel comparison per rung
// (candidates, AdamW and Lion, every rate swept on one shared grid), survivors by rule.
#include "search/funnel.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "dsl/analyzer.h"
#include "dsl/interpreter.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "evaluator/fingerprint.h"
#include "search/hall_of_fame.h"
#include "search/run_directory.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <set>
#include <sstream>

namespace symopt {
namespace {

namespace fs = std::filesystem;

std::vector<double> normalized(std::vector<double> weights, std::size_t tasks) {
  if (weights.empty()) weights.assign(tasks, 1.0);
  if (weights.size() != tasks) {
    throw InputError(fmt::format("funnel: {} task weights for {} tasks", weights.size(), tasks));
  }
  double total = 0;
  for (double w : weights) {
    if (!(w >= 0) || !std::isfinite(w)) throw InputError("funnel: task weights must be finite and >= 0");
    total += w;
  }
  if (!(total > 0)) throw InputError("funnel: task weights sum to zero");
  for (double& w : weights) w /= total;
  return weights;
}

void check_settings(const FunnelSettings& s, const std::vector<std::string>& tasks) {
  if (s.rungs.empty()) throw InputError("funnel: no rungs to evaluate on");
  for (std::size_t r = 1; r < s.rungs.size(); ++r) {
    if (s.rungs[r] <= s.rungs[r - 1]) {
      throw InputError(fmt::format("--rungs: expected rungs in ascending ladder order, found {} after {}",
                                   rung_name(s.rungs[r]), rung_name(s.rungs[r - 1])));
    }
  }
  if (s.top < 1) throw InputError(fmt::format("--top: expected a positive count, got {}", s.top));
  if (s.seeds < 1) throw InputError(fmt::format("--seeds: expected a positive count, got {}", s.seeds));
  if (s.steps.size() > 1 && s.steps.size() != s.rungs.size()) {
    throw InputError(fmt::format("funnel: {} step budgets for {} rungs", s.steps.size(), s.rungs.size()));
  }
  for (int steps : s.steps) {
    if (steps < 0) throw InputError(fmt::format("--steps: expected a count >= 0, got {}", steps));
  }
  if (s.sweep.points < 7) {
    throw InputError(fmt::format("funnel: a tuned rate needs a sweep of at least 7 rates, got {}", s.sweep.points));
  }
  if (tasks.empty()) throw InputError("funnel: the suite names no tasks");
}

int steps_at(const FunnelSettings& s, std::size_t rung_index) {
  if (s.steps.empty()) return 0;
  return s.steps.size() == 1 ? s.steps.front() : s.steps[rung_index];
}

std::vector<std::shared_ptr<const ProxyTask>> load_tasks(const std::vector<std::string>& names, Rung rung,
                                                          const fs::path& data_dir) {
  std::vector<std::shared_ptr<const ProxyTask>> tasks;
  for (const std::string& name : names) {
    try {
      tasks.push_back(load_task(name, rung, data_dir));
    } catch (const InputError&) {
      throw;
    } catch (const std::runtime_error& error) {
      throw InputError(fmt::format("task '{}' at rung {}: {}", name, rung_name(rung), error.what()));
    }
  }
  return tasks;
}

// Fitness as DESIGN §4 with the rate tuned: the weighted mean of the task scores, over the
// tasks where tuned AdamW gave a finite loss (weights renormalized); -1 when there is none.
double weighted_fitness(const std::vector<FunnelTaskResult>& results, const std::vector<double>& weights) {
  double sum = 0, weight = 0;
  for (std::size_t t = 0; t < results.size(); ++t) {
    if (!results[t].score) continue;
    sum += weights[t] * *results[t].score;
    weight += weights[t];
  }
  return weight > 0 ? sum / weight : -1.0;
}

FunnelEntry entry_from(const std::vector<TaskComparison>& comparisons, std::size_t optimizer, int candidate,
                       const std::string& name, const std::vector<double>& weights, int seeds, long& training_runs) {
  FunnelEntry entry;
  entry.candidate = candidate;
  entry.name = name;
  for (const TaskComparison& comparison : comparisons) {
    const OptimizerOutcome& o = comparison.optimizers[optimizer];
    entry.tasks.push_back({comparison.task.name, o.learning_rate, o.loss, o.loss_std, o.accuracy, o.score, o.diverged,
                           o.best_at_edge});
    training_runs += static_cast<long>(o.sweep.size()) * seeds;
  }
  entry.fitness = weighted_fitness(entry.tasks, weights);
  return entry;
}

// Indexes of `entries` by fitness, best first; ties keep candidate order (deterministic).
std::vector<std::size_t> order_by_fitness(const std::vector<FunnelEntry>& entries) {
  std::vector<std::size_t> order(entries.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return entries[a].fitness > entries[b].fitness; });
  return order;
}

void select_survivors(std::vector<FunnelEntry>& entries, SurvivalRule rule) {
  const std::vector<std::size_t> order = order_by_fitness(entries);
  const std::size_t keep = (entries.size() + 1) / 2;
  for (std::size_t position = 0; position < order.size(); ++position) {
    FunnelEntry& entry = entries[order[position]];
    entry.rank = static_cast<int>(position) + 1;
    const bool all_diverged = std::all_of(entry.tasks.begin(), entry.tasks.end(),
                                          [](const FunnelTaskResult& t) { return t.diverged; });
    entry.survived = rule == SurvivalRule::top_half ? position < keep && !all_diverged : entry.beats_adamw;
  }
}

FunnelRung run_rung(const std::vector<FunnelCandidate>& candidates, const std::vector<int>& entrants,
                    const std::vector<std::string>& task_names, const std::vector<double>& weights,
                    const FunnelSettings& settings, std::size_t rung_index, const fs::path& data_dir) {
  const auto start = std::chrono::steady_clock::now();
  FunnelRung rung;
  rung.rung = settings.rungs[rung_index];
  rung.steps = steps_at(settings, rung_index);
  const std::vector<std::shared_ptr<const ProxyTask>> tasks = load_tasks(task_names, rung.rung, data_dir);
  for (const auto& task : tasks) rung.tasks.push_back(task->description());

  std::vector<ComparedOptimizer> optimizers;
  for (int index : entrants) {
    const FunnelCandidate& c = candidates[index];
    const AnalyzedProgram analyzed = analyze(parse_program(c.program));
    optimizers.push_back({fmt::format("#{}", c.id), "program", c.folded,
                          program_optimizer_factory<float>(std::make_shared<const CompiledProgram>(compile_program(analyzed))),
                          1.0});
  }
  const std::size_t adamw_index = optimizers.size();
  optimizers.push_back(native_adamw_compared());
  optimizers.push_back(native_lion_compared());

  ComparisonConfig config;
  config.rung = rung.rung;
  config.seeds = settings.seeds;
  config.base_seed = settings.base_seed;
  config.lr_sweep = true;
  config.sweep = settings.sweep;
  config.steps = rung.steps;
  config.schedule = settings.schedule;
  config.curve_points = 0;  // only final losses are compared
  const std::vector<TaskComparison> comparisons = compare_optimizers(tasks, optimizers, config, adamw_index);

  for (std::size_t i = 0; i < entrants.size(); ++i) {
    rung.entries.push_back(
        entry_from(comparisons, i, entrants[i], optimizers[i].name, weights, settings.seeds, rung.training_runs));
  }
  rung.adamw = entry_from(comparisons, adamw_index, -1, "AdamW", weights, settings.seeds, rung.training_runs);
  rung.lion = entry_from(comparisons, adamw_index + 1, -1, "Lion", weights, settings.seeds, rung.training_runs);
  rung.lion.beats_adamw = rung.lion.fitness > rung.adamw.fitness;
  for (FunnelEntry& entry : rung.entries) {
    entry.beats_adamw = entry.fitness > rung.adamw.fitness;
    entry.beats_lion = entry.fitness > rung.lion.fitness;
  }
  select_survivors(rung.entries, settings.rule);
  rung.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rung;
}

std::vector<int> final_ranking(const FunnelResult& result) {
  const std::size_t n = result.candidates.size();
  std::vector<int> depth(n, -1);
  std::vector<double> fitness(n, -2);
  for (std::size_t r = 0; r < result.rungs.size(); ++r) {
    for (const FunnelEntry& e : result.rungs[r].entries) {
      depth[e.candidate] = static_cast<int>(r);
      fitness[e.candidate] = e.fitness;
    }
  }
  std::vector<int> ranking(n);
  std::iota(ranking.begin(), ranking.end(), 0);
  std::stable_sort(ranking.begin(), ranking.end(), [&](int a, int b) {
    if (depth[a] != depth[b]) return depth[a] > depth[b];
    return fitness[a] > fitness[b];
  });
  return ranking;
}

std::string format_rung_list(const std::vector<Rung>& rungs) {
  std::string text;
  for (Rung r : rungs) text += (text.empty() ? "" : ", ") + std::string(rung_name(r));
  return text;
}

}  // namespace

std::string_view survival_rule_name(SurvivalRule rule) {
  return rule == SurvivalRule::top_half ? "top-half" : "beat-adamw";
}

std::optional<SurvivalRule> parse_survival_rule(std::string_view text) {
  if (text == "top-half") return SurvivalRule::top_half;
  if (text == "beat-adamw") return SurvivalRule::beat_adamw;
  return std::nullopt;
}

std::vector<FunnelCandidate> funnel_candidates(const nlohmann::json& hall_of_fame,
                                               const std::vector<nlohmann::json>& discoveries, int top) {
  const HallOfFame hall = hall_of_fame_from_json(hall_of_fame);
  // Every program the run recorded: the hall's lists, then the ones later displaced from it.
  std::vector<HallOfFameEntry> pool = hall.best();
  pool.insert(pool.end(), hall.pareto_front().begin(), hall.pareto_front().end());
  for (const nlohmann::json& line : discoveries) pool.push_back(hall_of_fame_entry_from_json(line));
  std::stable_sort(pool.begin(), pool.end(), [](const HallOfFameEntry& a, const HallOfFameEntry& b) {
    return a.origin.fitness > b.origin.fitness;
  });
  std::vector<FunnelCandidate> candidates;
  std::set<std::uint64_t> hashes, fingerprints;
  for (const HallOfFameEntry& entry : pool) {
    if (static_cast<int>(candidates.size()) >= top) break;
    if (entry.origin.fitness <= -1) break;  // the rest diverged on every task of the search
    if (!hashes.insert(entry.origin.hash).second) continue;
    const Program program = parse_program(entry.program);
    const std::uint64_t fingerprint = behavioural_fingerprint(analyze(program));
    // Programs that blow up on the probe all share one fingerprint; it says nothing about sameness.
    if (fingerprint != diverging_fingerprint && !fingerprints.insert(fingerprint).second) continue;
    candidates.push_back({entry.origin.id, entry.program, print_folded(program), entry.origin.fitness,
                          entry.origin.states, entry.origin.ops, entry.origin.hash});
  }
  return candidates;
}

std::vector<nlohmann::json> read_discoveries(const fs::path& directory) {
  std::vector<nlohmann::json> lines;
  std::error_code error;
  if (!fs::exists(directory / "discoveries.jsonl", error)) return lines;
  std::istringstream text(read_whole_file(directory / "discoveries.jsonl"));
  for (std::string line; std::getline(text, line);) {
    // A line cut short by a killed run is skipped (the checkpoint's hall of fame has it).
    nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_object()) lines.push_back(std::move(json));
  }
  return lines;
}

std::vector<Rung> rungs_above(Rung rung, int count) {
  std::vector<Rung> rungs;
  for (int r = static_cast<int>(rung) + 1; r <= static_cast<int>(Rung::large) && static_cast<int>(rungs.size()) < count; ++r) {
    rungs.push_back(static_cast<Rung>(r));
  }
  return rungs;
}

FunnelResult run_funnel(const std::vector<FunnelCandidate>& candidates, const std::vector<std::string>& tasks,
                        const std::vector<double>& weights, const FunnelSettings& settings, const FunnelNote& note) {
  check_settings(settings, tasks);
  if (candidates.empty()) throw InputError("funnel: no candidates (the hall of fame holds no program that did not diverge)");
  const auto start = std::chrono::steady_clock::now();
  FunnelResult result;
  result.tasks = tasks;
  result.weights = normalized(weights, tasks.size());
  result.settings = settings;
  result.candidates = candidates;
  const fs::path data_dir = settings.data_dir.empty() ? default_data_dir() : settings.data_dir;

  std::vector<int> entrants(candidates.size());
  std::iota(entrants.begin(), entrants.end(), 0);
  for (std::size_t r = 0; r < settings.rungs.size(); ++r) {
    if (entrants.empty()) {
      if (note) note(fmt::format("no candidate survived; rung {} is skipped", rung_name(settings.rungs[r])));
      break;
    }
    if (note) {
      note(fmt::format("rung {}: {} candidate{} + AdamW + Lion on {} task{}, {} rates x {} seed{} each...",
                       rung_name(settings.rungs[r]), entrants.size(), entrants.size() == 1 ? "" : "s", tasks.size(),
                       tasks.size() == 1 ? "" : "s", settings.sweep.points, settings.seeds,
                       settings.seeds == 1 ? "" : "s"));
    }
    FunnelRung rung = run_rung(candidates, entrants, tasks, result.weights, settings, r, data_dir);
    entrants.clear();
    for (const FunnelEntry& e : rung.entries) {
      if (e.survived) entrants.push_back(e.candidate);
    }
    if (note) {
      note(fmt::format("rung {}: done in {:.1f}s ({} trainings); AdamW 0, Lion {:+.4f}; {} survive{}",
                       rung_name(rung.rung), rung.seconds, rung.training_runs, rung.lion.fitness, entrants.size(),
                       entrants.size() == 1 ? "s" : ""));
    }
    result.rungs.push_back(std::move(rung));
  }
  result.ranking = final_ranking(result);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

FunnelResult funnel_run_directory(const fs::path& directory, FunnelSettings settings, const FunnelNote& note) {
  const nlohmann::json hall_json = read_hall_of_fame_file(directory);  // InputError when not a run
  const fs::path config_path = directory / "config.json";
  std::error_code error;
  if (!fs::exists(config_path, error)) {
    throw InputError(fmt::format("{}: not a search run directory (expected config.json in it)", directory.string()));
  }
  nlohmann::json config_json;
  try {
    config_json = nlohmann::json::parse(read_whole_file(config_path));
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(fmt::format("{}: not valid JSON: {}", config_path.string(), e.what()));
  }
  const SearchConfig config = search_config_from_json(config_json, config_path.string());

  std::vector<FunnelCandidate> candidates;
  try {
    candidates = funnel_candidates(hall_json, read_discoveries(directory), settings.top);
  } catch (const InputError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw InputError(fmt::format("{}: {}", (directory / "hall_of_fame.json").string(), e.what()));
  }
  if (settings.rungs.empty()) {
    settings.rungs = rungs_above(config.suite.rung, 2);
    if (settings.rungs.empty()) {
      throw InputError(fmt::format("{}: the run searched at rung {}, the top of the ladder; name the rungs with --rungs",
                                   directory.string(), rung_name(config.suite.rung)));
    }
  }
  if (settings.data_dir.empty()) settings.data_dir = config.suite.data_dir;
  settings.schedule = config.suite.schedule;  // as the run was searched
  if (note) {
    note(fmt::format("funnel of {}: {} distinct candidate{} on rungs {} (tasks {})", directory.string(),
                     candidates.size(), candidates.size() == 1 ? "" : "s", format_rung_list(settings.rungs),
                     fmt::join(config.suite.tasks, ", ")));
  }
  FunnelResult result = run_funnel(candidates, config.suite.tasks, config.suite.weights, settings, note);
  result.run_id = hall_json.value("run_id", "");
  write_file_atomically(directory / "funnel.json", funnel_json(result).dump(2) + "\n");
  write_file_atomically(directory / "funnel.md", funnel_markdown(result));
  return result;
}

}  // namespace symopt
