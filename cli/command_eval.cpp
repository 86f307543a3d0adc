// TEMPORARY placeholder while `symopt eval` is being written; replaced by its real file.
#include "cli/commands.h"

#include <stdexcept>

namespace symopt::cli {

void add_eval_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("eval", "(not available yet)");
  command->allow_extras();
  command->callback([&exit_code] { throw std::runtime_error("'eval' is not available yet"); (void)exit_code; });
}

}  // namespace symopt::cli
