// `symopt trace PROGRAM --oracle FILE`: replays an oracle's gradients through the program
// and exits 0 when its trajectory matches within tolerance, 1 otherwise.
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "evaluator/oracle.h"
#include "evaluator/trace.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace symopt::cli {

void add_trace_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string program, oracle;
    bool float64 = false, json = false;
    double tolerance = 0;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("trace", "replay an oracle's gradients through a program and compare trajectories");
  command->add_option("program", options->program, "program file (.opt or .json)")->required();
  command->add_option("--oracle", options->oracle, "oracle JSON file (see DESIGN §8)")->required();
  command->add_flag("--f64", options->float64, "run in float64 (default float32)");
  command->add_option("--tol", options->tolerance,
                      "largest relative error accepted (default 1e-5 in float32, 1e-10 in float64)")
      ->check(CLI::PositiveNumber);
  command->add_flag("--json", options->json, "machine-readable output");
  command->callback([options, &exit_code] {
    const AnalyzedProgram program = load_analyzed_program(options->program);
    const Oracle oracle = load_oracle(options->oracle);
    const double tolerance = options->tolerance > 0 ? options->tolerance : (options->float64 ? 1e-10 : 1e-5);
    const TraceResult result = trace_program(program, oracle, options->float64);
    const bool within = result.max_error <= tolerance;  // false for NaN
    if (options->json) {
      nlohmann::json out = {{"program", options->program}, {"oracle", options->oracle},
                            {"precision", options->float64 ? "float64" : "float32"},
                            {"steps", result.step_errors.size()}, {"max_relative_error", result.max_error},
                            {"worst_step", result.worst_step}, {"tolerance", tolerance}, {"within", within}};
      fmt::print("{}\n", out.dump(2));
    } else {
      fmt::print("{} on {} ({}, {} steps, {}x{}): largest relative error {:.3e} at step {} -> {} (tolerance {:.0e})\n",
                 options->program, options->oracle, options->float64 ? "float64" : "float32",
                 result.step_errors.size(), oracle.rows, oracle.cols, result.max_error,
                 result.worst_step, within ? "MATCH" : "MISMATCH", tolerance);
    }
    exit_code = within ? exit_ok : exit_failure;
  });
}

}  // namespace symopt::cli
