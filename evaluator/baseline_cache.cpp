// AdamW baselines: the sweep that tunes them and their JSON files.
#include "evaluator/baseline_cache.h"

#include "common/atomic_file.h"
#include "proxies/build_info.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace symopt {
namespace {

constexpr const char* file_kind = "symopt-adamw-baseline";

// JSON has no infinity: a diverged rate's loss is stored as null.
nlohmann::json loss_to_json(double loss) { return std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json(); }
double loss_from_json(const nlohmann::json& json) {
  return json.is_null() ? std::numeric_limits<double>::infinity() : json.get<double>();
}

nlohmann::json baseline_to_json(const AdamwBaseline& baseline) {
  nlohmann::json sweep = nlohmann::json::array();
  for (const auto& [rate, loss] : baseline.sweep) sweep.push_back({{"learning_rate", rate}, {"loss", loss_to_json(loss)}});
  nlohmann::json json = {{"kind", file_kind},
                         {"key", baseline.key.to_json()},
                         {"learning_rate", baseline.learning_rate},
                         {"loss", baseline.loss},
                         {"loss_std", baseline.loss_std},
                         {"accuracy", baseline.accuracy ? nlohmann::json(*baseline.accuracy) : nlohmann::json()},
                         {"seed_losses", baseline.seed_losses},
                         {"sweep", sweep},
                         {"best_at_edge", baseline.best_at_edge}};
  return json;
}

// Throws nlohmann::json exceptions when a field is missing or has the wrong type.
AdamwBaseline baseline_from_json(const nlohmann::json& json, const BaselineKey& key) {
  AdamwBaseline baseline;
  baseline.key = key;
  baseline.learning_rate = json.at("learning_rate").get<double>();
  baseline.loss = json.at("loss").get<double>();
  baseline.loss_std = json.at("loss_std").get<double>();
  if (!json.at("accuracy").is_null()) baseline.accuracy = json.at("accuracy").get<double>();
  baseline.seed_losses = json.at("seed_losses").get<std::vector<double>>();
  for (const auto& point : json.at("sweep")) {
    baseline.sweep.emplace_back(point.at("learning_rate").get<double>(), loss_from_json(point.at("loss")));
  }
  baseline.best_at_edge = json.at("best_at_edge").get<bool>();
  if (!(baseline.learning_rate > 0) || !std::isfinite(baseline.loss) ||
      baseline.seed_losses.size() != key.seeds.size()) {
    throw std::runtime_error("values out of range");
  }
  return baseline;
}

}  // namespace

nlohmann::json BaselineKey::to_json() const {
  return {{"version", version},
          {"task", task},
          {"rung", rung_name(rung)},
          {"steps", steps},
          {"batch_size", batch_size},
          {"task_learning_rate", task_learning_rate},
          {"task_summary", task_summary},
          {"seeds", seeds},
          {"schedule", schedule_name(schedule)},
          {"optimizer", optimizer},
          {"proxies_level", proxies_level},
          {"sweep", {{"points", sweep.points}, {"factor", sweep.factor}, {"max_extensions", sweep.max_extensions}}}};
}

BaselineKey make_baseline_key(const ProxyTask& task, int steps, const std::vector<std::uint64_t>& seeds,
                              Schedule schedule, const AdamwHyper& adamw, const SweepSettings& sweep) {
  const TaskDescription& description = task.description();
  BaselineKey key;
  key.task = description.name;
  key.rung = description.rung;
  key.steps = steps > 0 ? steps : description.steps;
  key.batch_size = description.batch_size;
  key.task_learning_rate = description.learning_rate;
  key.task_summary = description.summary;
  key.seeds = seeds;
  key.schedule = schedule;
  key.optimizer = describe(adamw);
  key.sweep = sweep;
  key.proxies_level = symopt::proxies_level();
  return key;
}

AdamwBaseline compute_adamw_baseline(const ProxyTask& task, const BaselineKey& key, const AdamwHyper& adamw) {
  TrainingOptions options;
  options.steps = key.steps;
  options.schedule = key.schedule;
  const RateSweep sweep =
      sweep_learning_rate(task, adamw_optimizer<float>(adamw), key.task_learning_rate, key.sweep, key.seeds, options);
  const SeedRuns* best = sweep.best_runs();
  if (best == nullptr) {
    throw std::runtime_error(fmt::format("AdamW baseline for task '{}' ({}): every learning rate diverged",
                                         key.task, rung_name(key.rung)));
  }
  AdamwBaseline baseline;
  baseline.key = key;
  baseline.learning_rate = best->learning_rate;
  baseline.loss = best->mean_loss;
  baseline.loss_std = best->loss_std;
  baseline.accuracy = best->mean_accuracy;
  for (const TrainingResult& run : best->runs) baseline.seed_losses.push_back(run.validation_loss);
  for (const SeedRuns& rate : sweep.rates) baseline.sweep.emplace_back(rate.learning_rate, rate.mean_loss);
  baseline.best_at_edge = sweep.best_at_edge;
  return baseline;
}

std::filesystem::path baseline_file(const std::filesystem::path& directory, const BaselineKey& key) {
  const std::uint64_t first_seed = key.seeds.empty() ? 0 : key.seeds.front();
  return directory / fmt::format("adamw_{}_{}_{}steps_seeds{}x{}_{}_v{}.json", key.task, rung_name(key.rung),
                                 key.steps, first_seed, key.seeds.size(), schedule_name(key.schedule), key.version);
}

BaselineRead read_baseline(const std::filesystem::path& file, const BaselineKey& key) {
  BaselineRead read;
  std::error_code error;
  if (!std::filesystem::exists(file, error)) {
    read.message = fmt::format("{}: no cached baseline", file.string());
    return read;
  }
  try {
    const nlohmann::json json = nlohmann::json::parse(read_whole_file(file));
    if (json.at("kind") != file_kind) throw std::runtime_error("not an AdamW baseline file");
    if (json.at("key") != key.to_json()) {
      read.status = BaselineFileStatus::stale;
      read.message = fmt::format("{}: cached for a different configuration (key {}), recomputing", file.string(),
                                 json.at("key").dump());
      return read;
    }
    read.baseline = baseline_from_json(json, key);
    read.status = BaselineFileStatus::loaded;
  } catch (const std::exception& problem) {
    read.status = BaselineFileStatus::corrupt;
    read.message = fmt::format("{}: corrupt AdamW baseline cache ({}), recomputing", file.string(), problem.what());
  }
  return read;
}

void write_baseline(const std::filesystem::path& file, const AdamwBaseline& baseline) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  write_file_atomically(file, baseline_to_json(baseline).dump(2) + "\n");
}

AdamwBaseline obtain_adamw_baseline(const ProxyTask& task, const BaselineKey& key,
                                    const std::filesystem::path& directory, const AdamwHyper& adamw,
                                    std::string* warning) {
  if (directory.empty()) return compute_adamw_baseline(task, key, adamw);
  const std::filesystem::path file = baseline_file(directory, key);
  BaselineRead read = read_baseline(file, key);
  if (read.status == BaselineFileStatus::loaded) return std::move(*read.baseline);
  if (warning != nullptr && read.status != BaselineFileStatus::missing) *warning = read.message;
  AdamwBaseline baseline = compute_adamw_baseline(task, key, adamw);
  write_baseline(file, baseline);
  return baseline;
}

}  // namespace symopt
