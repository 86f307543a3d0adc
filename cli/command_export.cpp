// TEMPORARY placeholder while `symopt export` is being written; replaced by its real file.
#include "cli/commands.h"

#include <stdexcept>

namespace symopt::cli {

void add_export_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("export", "(not available yet)");
  command->allow_extras();
  command->callback([&exit_code] { throw std::runtime_error("'export' is not available yet"); (void)exit_code; });
}

}  // namespace symopt::cli
