// `symopt export PROGRAM --format pytorch [--out FILE]`: the program as a ready-to-use
// PyTorch optimizer class (export/pytorch_export.h), printed or written to a file.
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/input_error.h"
#include "export/pytorch_export.h"

#include <fmt/format.h>

namespace symopt::cli {

void add_export_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string program, format, out;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("export", "write a program as a ready-to-use optimizer class");
  command->add_option("program", options->program, "program file (.opt or .json)")->required();
  command->add_option("--format", options->format, "target: pytorch (a torch.optim.Optimizer module)")->required();
  command->add_option("--out", options->out, "write the module to this file (default: print it)");
  command->callback([options, &exit_code] {
    if (options->format != "pytorch") {
      throw InputError(fmt::format("--format: unknown format '{}' (expected pytorch)", options->format));
    }
    const Program program = load_program_file(options->program);
    const AnalyzedProgram analyzed = load_analyzed_program(options->program);
    const std::string module = export_pytorch(program, analyzed, options->program);
    if (options->out.empty()) {
      fmt::print("{}", module);
    } else {
      write_file_atomically(options->out, module);
      fmt::print("wrote {} (class SymoptOptimizer, {} state tensor(s) per parameter)\n", options->out,
                 analyzed.state_count());
    }
    exit_code = exit_ok;
  });
}

}  // namespace symopt::cli
