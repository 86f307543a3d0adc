// TEMPORARY placeholder while `symopt funnel` is being written; replaced by its real file.
#include "cli/commands.h"

#include <stdexcept>

namespace symopt::cli {

void add_funnel_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("funnel", "(not available yet)");
  command->allow_extras();
  command->callback([&exit_code] { throw std::runtime_error("'funnel' is not available yet"); (void)exit_code; });
}

}  // namespace symopt::cli
