// `symopt eval PROGRAM... [--tasks T,...] [--size RUNG] [--lr-sweep] [--seeds N] ...`: each
// program against native AdamW and Lion on proxy tasks, as a table, JSON and a loss plot.
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/input_error.h"
#include "dsl/interpreter.h"
#include "dsl/printer.h"
#include "evaluator/comparison.h"
#include "evaluator/comparison_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <algorithm>
#include <optional>

namespace symopt::cli {
namespace {

struct Options {
  std::vector<std::string> programs;
  std::string tasks;  // comma-separated
  std::string size = "tiny";
  bool lr_sweep = false;
  int seeds = 3;
  std::uint64_t base_seed = 0;
  int steps = 0;
  std::string schedule = "constant";
  int threads = 0;
  bool json = false;
  std::string out, plot;
};

std::vector<std::string> checked_tasks(const std::string& requested) {
  const std::vector<std::string> known = task_names();
  if (requested.empty()) return known;
  std::vector<std::string> tasks;
  for (std::size_t start = 0; start <= requested.size();) {
    const std::size_t comma = std::min(requested.find(',', start), requested.size());
    const std::string name = requested.substr(start, comma - start);
    start = comma + 1;
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw InputError(fmt::format("--tasks: unknown task '{}' (known: {})", name, fmt::join(known, ", ")));
    }
    if (std::find(tasks.begin(), tasks.end(), name) != tasks.end()) {
      throw InputError(fmt::format("--tasks: '{}' is listed twice", name));
    }
    tasks.push_back(name);
  }
  return tasks;
}

ComparisonConfig checked_config(const Options& options) {
  ComparisonConfig config;
  const auto rung = parse_rung(options.size);
  if (!rung) throw InputError(fmt::format("--size: unknown rung '{}' (expected tiny, small, medium or large)", options.size));
  config.rung = *rung;
  if (options.seeds < 1) throw InputError(fmt::format("--seeds: expected a positive count, got {}", options.seeds));
  config.seeds = options.seeds;
  config.base_seed = options.base_seed;
  if (options.steps < 0) throw InputError(fmt::format("--steps: expected a positive count, got {}", options.steps));
  config.steps = options.steps;
  if (options.schedule == "cosine") {
    config.schedule = Schedule::cosine;
  } else if (options.schedule != "constant") {
    throw InputError(fmt::format("--schedule: expected constant or cosine, got '{}'", options.schedule));
  }
  config.lr_sweep = options.lr_sweep;
  return config;
}

ComparedOptimizer program_compared(const std::string& path) {
  const AnalyzedProgram program = load_analyzed_program(path);
  return {path, "program", print_folded(load_program_file(path)),
          program_optimizer_factory<float>(std::make_shared<const CompiledProgram>(compile_program(program))), 1.0};
}

void run(const Options& options) {
  // Everything the user typed is checked before any training starts.
  const ComparisonConfig config = checked_config(options);
  const std::vector<std::string> task_list = checked_tasks(options.tasks);
  if (options.threads < 0) throw InputError(fmt::format("--threads: expected a positive count, got {}", options.threads));
  std::vector<ComparedOptimizer> optimizers;
  for (const std::string& path : options.programs) optimizers.push_back(program_compared(path));
  const std::size_t adamw_index = optimizers.size();
  optimizers.push_back(native_adamw_compared());
  optimizers.push_back(native_lion_compared());

  std::optional<tbb::global_control> thread_limit;
  if (options.threads > 0) thread_limit.emplace(tbb::global_control::max_allowed_parallelism, options.threads);
  std::vector<std::shared_ptr<const ProxyTask>> tasks;
  for (const std::string& name : task_list) tasks.push_back(load_task(name, config.rung, default_data_dir()));
  const std::vector<TaskComparison> comparisons = compare_optimizers(tasks, optimizers, config, adamw_index);

  const nlohmann::json json = comparison_json(comparisons, config);
  if (!options.out.empty()) write_file_atomically(options.out, json.dump(2) + "\n");
  if (!options.plot.empty()) write_file_atomically(options.plot, comparison_plot_svg(comparisons, config));
  if (options.json) {
    fmt::print("{}\n", json.dump(2));
  } else {
    fmt::print("{}", comparison_table(comparisons, config));
  }
}

}  // namespace

void add_eval_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("eval", "evaluate programs against native AdamW and Lion on proxy tasks");
  command->add_option("programs", options->programs, "program files (.opt or .json)")->required();
  // One comma-separated word (not a list of words), so that program files after it stay programs.
  command->add_option("--tasks", options->tasks, "comma-separated task names (default: all; see `symopt tasks`)");
  command->add_option("--size", options->size, "rung: tiny, small, medium or large (default tiny)");
  command->add_flag("--lr-sweep", options->lr_sweep,
                    "tune every optimizer's rate on a 12-point log grid (default: the task's fixed rate)");
  command->add_option("--seeds", options->seeds, "training seeds per task and rate (default 3)");
  command->add_option("--seed", options->base_seed, "first seed (default 0)");
  command->add_option("--steps", options->steps, "training steps instead of the rung's budget");
  command->add_option("--schedule", options->schedule, "learning-rate schedule: constant (default) or cosine");
  command->add_option("--threads", options->threads, "worker threads (default: all cores); results do not depend on it");
  command->add_flag("--json", options->json, "print JSON instead of the table");
  command->add_option("--out", options->out, "also write the JSON to this file");
  command->add_option("--plot", options->plot, "write the loss curves as SVG to this file");
  command->callback([options, &exit_code] {
    run(*options);
    exit_code = exit_ok;
  });
}

}  // namespace symopt::cli
