// Funnel selection (the Lion paper, section 2.3): the top K distinct programs of a search run
// are re-evaluated on the next, ~10x costlier rung of the size ladder with their rate tuned,
// the survivors on the rung after, each rung against tuned native AdamW and Lion.
#pragma once

#include "evaluator/comparison.h"
#include "proxies/proxy_task.h"
#include "search/search_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace symopt {

inline constexpr const char* funnel_format = "symopt-funnel";
inline constexpr int funnel_format_version = 1;

// Who goes on to the next rung (see docs/funnel.md).
//   top_half:   the ceil(n/2) best by rung fitness; a candidate that diverged on every task
//               never survives. Cost is bounded: with 10x per rung, each rung costs ~5x the
//               one before.
//   beat_adamw: every candidate whose rung fitness is above tuned AdamW's (0). Stricter or
//               looser depending on the run; the cost is not bounded in advance.
enum class SurvivalRule { top_half, beat_adamw };
std::string_view survival_rule_name(SurvivalRule rule);            // "top-half", "beat-adamw"
std::optional<SurvivalRule> parse_survival_rule(std::string_view text);

struct FunnelSettings {
  std::vector<Rung> rungs;        // in order; empty: the two rungs above the run's (as many as exist)
  int top = 8;                    // K: distinct programs taken from the hall of fame
  int seeds = 2;                  // training seeds per (task, rate)
  std::uint64_t base_seed = 0;
  std::vector<int> steps;         // per rung (same length as rungs) or one value for every rung; 0: the rung's budget
  SurvivalRule rule = SurvivalRule::top_half;
  SweepSettings sweep = comparison_sweep_settings();  // one grid for candidates and references
  Schedule schedule = Schedule::constant;  // funnel_run_directory uses the run's
  std::filesystem::path data_dir;  // empty: the run's suite data dir, else default_data_dir()
};

struct FunnelCandidate {
  long id = -1;                   // the program's id in the run
  std::string program;            // canonical text (what is trained)
  std::string folded;             // readable form
  double search_fitness = 0;      // fitness in the search (at the run's rung)
  int states = 0, ops = 0;
  std::uint64_t hash = 0;         // structural hash
};

// One optimizer (candidate or reference) on one task at one rung, at its best swept rate.
struct FunnelTaskResult {
  std::string task;
  double learning_rate = 0;
  double loss = 0;                // mean validation loss over seeds; +inf when diverged
  double loss_std = 0;
  std::optional<double> accuracy;
  std::optional<double> score;    // task_score against tuned AdamW; absent when AdamW diverged at every rate
  bool diverged = false;
  bool best_at_edge = false;      // the best rate stayed on the sweep's edge
};

struct FunnelEntry {
  int candidate = -1;             // index into FunnelResult::candidates; -1 for a reference
  std::string name;               // "#<id>" or "AdamW" / "Lion"
  double fitness = -1;            // weighted mean task score vs tuned AdamW (AdamW itself: 0)
  std::vector<FunnelTaskResult> tasks;  // in the suite's order
  int rank = 0;                   // 1-based among the rung's candidates (0 for references)
  bool survived = false;          // goes on (at the last rung: the funnel's selection)
  bool beats_adamw = false;
  bool beats_lion = false;
};

struct FunnelRung {
  Rung rung = Rung::tiny;
  int steps = 0;                  // the override (0: each task's budget, listed in tasks)
  std::vector<TaskDescription> tasks;
  std::vector<FunnelEntry> entries;  // the entrants, in candidate order
  FunnelEntry adamw, lion;
  double seconds = 0;             // wall time of the rung (the only non-deterministic field)
  long training_runs = 0;         // (rate, seed) trainings done at this rung, references included
};

struct FunnelResult {
  std::string run_id;
  std::vector<std::string> tasks;
  std::vector<double> weights;    // normalized
  FunnelSettings settings;        // resolved (rungs filled in)
  std::vector<FunnelCandidate> candidates;
  std::vector<FunnelRung> rungs;
  std::vector<int> ranking;       // candidate indexes: deepest rung reached, then fitness there
  double seconds = 0;
};

// Progress lines ("rung small: 8 candidates + AdamW + Lion ...") for the user; may be empty.
using FunnelNote = std::function<void(const std::string&)>;

// The `top` best programs (by search fitness) that are behaviourally distinct (by fingerprint,
// so renamed or reordered copies count once) and did not diverge everywhere, from the hall of
// fame (hall_of_fame.json: "best" and "pareto_front") and the run's discoveries (the lines of
// discoveries.jsonl: programs once in the hall, later displaced, often by copies of one
// program with a different structural hash). Ties keep that order. std::runtime_error on a
// malformed entry.
std::vector<FunnelCandidate> funnel_candidates(const nlohmann::json& hall_of_fame,
                                               const std::vector<nlohmann::json>& discoveries, int top);
// The lines of RUN_DIR/discoveries.jsonl (none when absent); a line cut short is skipped.
std::vector<nlohmann::json> read_discoveries(const std::filesystem::path& directory);

// The `count` rungs above `rung` (fewer near the top of the ladder).
std::vector<Rung> rungs_above(Rung rung, int count);

// Runs the funnel over the candidates on the given tasks. Every (task, optimizer) sweep of a
// rung runs in parallel (TBB); the result is the same at any thread count. Throws
// InputError for bad settings or tasks that cannot be loaded.
FunnelResult run_funnel(const std::vector<FunnelCandidate>& candidates, const std::vector<std::string>& tasks,
                        const std::vector<double>& weights, const FunnelSettings& settings,
                        const FunnelNote& note = {});

// Reads RUN_DIR (config.json, hall_of_fame.json, discoveries.jsonl), runs the funnel with the
// run's suite (tasks, weights, schedule; its data dir unless one is given; empty rungs: the
// two above the run's) and writes funnel.json and funnel.md into it, atomically.
// InputError (exit code 2) when the directory is not a search run or the settings are bad.
FunnelResult funnel_run_directory(const std::filesystem::path& directory, FunnelSettings settings,
                                  const FunnelNote& note = {});

nlohmann::json funnel_json(const FunnelResult& result);
std::string funnel_markdown(const FunnelResult& result);

}  // namespace symopt
