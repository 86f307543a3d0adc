// `symopt tasks [--size RUNG] [--json]`: every proxy task at every rung of its size ladder,
// with parameter count, step budget, batch, fixed learning rate, compute and the metric.
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/input_error.h"
#include "proxies/proxy_task.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

namespace symopt::cli {
namespace {

struct RungInfo {
  TaskDescription description;
  long parameters = 0;
  int tensors = 0;
  double flops_per_run = 0;
  std::optional<double> ratio_to_previous;  // compute per run against the rung below
};

RungInfo describe_rung(const ProxyTask& task) {
  RungInfo info;
  info.description = task.description();
  for (const TensorShape& shape : task.make_model_f32(0)->parameter_shapes()) {
    info.parameters += shape.size();
    ++info.tensors;
  }
  info.flops_per_run = info.description.flops_per_step * info.description.steps;
  return info;
}

std::vector<Rung> all_rungs() { return {Rung::tiny, Rung::small, Rung::medium, Rung::large}; }

}  // namespace

void add_tasks_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string size;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("tasks", "list the proxy tasks and their size ladders");
  command->add_option("--size", options->size, "only this rung (tiny, small, medium, large)");
  command->add_flag("--json", options->json, "machine-readable output");
  command->callback([options, &exit_code] {
    std::vector<Rung> rungs = all_rungs();
    if (!options->size.empty()) {
      const auto rung = parse_rung(options->size);
      if (!rung) throw InputError(fmt::format("--size: unknown rung '{}' (expected tiny, small, medium or large)", options->size));
      rungs = {*rung};
    }
    nlohmann::json list = nlohmann::json::array();
    for (const std::string& name : task_names()) {
      std::vector<RungInfo> ladder;
      for (const Rung rung : all_rungs()) {
        RungInfo info = describe_rung(*load_task(name, rung, default_data_dir()));
        if (!ladder.empty() && ladder.back().flops_per_run > 0) info.ratio_to_previous = info.flops_per_run / ladder.back().flops_per_run;
        ladder.push_back(std::move(info));
      }
      if (!options->json) {
        fmt::print("{}: {}\n", name, ladder.front().description.metric);
        fmt::print("  {:7} {:>9} {:>6} {:>6} {:>8} {:>11} {:>10} {:>7}  {}\n", "rung", "params", "steps", "batch", "lr",
                   "MFLOP/step", "GFLOP/run", "x below", "model");
      }
      for (const RungInfo& info : ladder) {
        const TaskDescription& d = info.description;
        if (std::find(rungs.begin(), rungs.end(), d.rung) == rungs.end()) continue;
        if (options->json) {
          nlohmann::json entry = {{"task", d.name},
                                  {"rung", rung_name(d.rung)},
                                  {"parameters", info.parameters},
                                  {"parameter_tensors", info.tensors},
                                  {"steps", d.steps},
                                  {"batch_size", d.batch_size},
                                  {"learning_rate", d.learning_rate},
                                  {"flops_per_step", d.flops_per_step},
                                  {"flops_per_run", info.flops_per_run},
                                  {"compute_ratio_to_rung_below", nullptr},
                                  {"metric", d.metric},
                                  {"has_accuracy", d.has_accuracy},
                                  {"summary", d.summary}};
          if (info.ratio_to_previous) entry["compute_ratio_to_rung_below"] = *info.ratio_to_previous;
          list.push_back(std::move(entry));
        } else {
          fmt::print("  {:7} {:>9} {:>6} {:>6} {:>8.2g} {:>11.3f} {:>10.3f} {:>7}  {}\n", rung_name(d.rung),
                     info.parameters, d.steps, d.batch_size > 0 ? fmt::format("{}", d.batch_size) : "-",
                     d.learning_rate, d.flops_per_step * 1e-6, info.flops_per_run * 1e-9,
                     info.ratio_to_previous ? fmt::format("{:.1f}x", *info.ratio_to_previous) : "",
                     d.summary);
        }
      }
    }
    if (options->json) fmt::print("{}\n", list.dump(2));
    exit_code = exit_ok;
  });
}

}  // namespace symopt::cli
