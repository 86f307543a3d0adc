// The AdamW baselines of the fitness: per task, AdamW's tuned rate and its mean validation
// loss over the suite's seeds, computed once by a sweep and cached on disk as JSON.
#pragma once

#include "evaluator/baselines.h"
#include "evaluator/lr_sweep.h"
#include "evaluator/trainer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace symopt {

// Bump when anything that changes baseline numbers changes (trainer, AdamW, tasks' models).
inline constexpr int baseline_version = 1;

// Everything a baseline's numbers depend on; a cached file is used only when its key is equal.
struct BaselineKey {
  std::string task;
  Rung rung = Rung::tiny;
  int steps = 0;
  int batch_size = 0;
  double task_learning_rate = 0;
  std::string task_summary;
  std::vector<std::uint64_t> seeds;
  Schedule schedule = Schedule::constant;
  std::string optimizer;  // describe(AdamwHyper)
  SweepSettings sweep;
  std::string proxies_level;  // the loaded proxies copy: its vector width and FMAs change the last bits
  int version = baseline_version;

  nlohmann::json to_json() const;
};

BaselineKey make_baseline_key(const ProxyTask& task, int steps, const std::vector<std::uint64_t>& seeds,
                              Schedule schedule, const AdamwHyper& adamw, const SweepSettings& sweep);

struct AdamwBaseline {
  BaselineKey key;
  double learning_rate = 0;       // the tuned rate
  double loss = 0;                // mean validation loss over the seeds at that rate
  double loss_std = 0;
  std::optional<double> accuracy; // mean, where the task has one
  std::vector<double> seed_losses;
  std::vector<std::pair<double, double>> sweep;  // (rate, mean loss; +inf when diverged)
  bool best_at_edge = false;
};

// Runs the sweep; throws std::runtime_error naming the task when AdamW diverges at every rate.
AdamwBaseline compute_adamw_baseline(const ProxyTask& task, const BaselineKey& key, const AdamwHyper& adamw);

// e.g. DIR/adamw_mlp-digits_tiny_150steps_seeds0x3_constant_v1.json
std::filesystem::path baseline_file(const std::filesystem::path& directory, const BaselineKey& key);

enum class BaselineFileStatus { loaded, missing, stale, corrupt };
struct BaselineRead {
  BaselineFileStatus status = BaselineFileStatus::missing;
  std::optional<AdamwBaseline> baseline;  // when loaded
  std::string message;                    // why not, naming the file
};
BaselineRead read_baseline(const std::filesystem::path& file, const BaselineKey& key);
void write_baseline(const std::filesystem::path& file, const AdamwBaseline& baseline);  // atomic

// The cached baseline when `directory` holds a valid one, else computed (and written there
// when `directory` is not empty). A corrupt or stale file is reported through `warning`.
AdamwBaseline obtain_adamw_baseline(const ProxyTask& task, const BaselineKey& key,
                                    const std::filesystem::path& directory, const AdamwHyper& adamw,
                                    std::string* warning);

}  // namespace symopt
