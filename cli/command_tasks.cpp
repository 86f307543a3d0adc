// TEMPORARY placeholder while `symopt tasks` is being written; replaced by its real file.
#include "cli/commands.h"

#include <stdexcept>

namespace symopt::cli {

void add_tasks_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("tasks", "(not available yet)");
  command->allow_extras();
  command->callback([&exit_code] { throw std::runtime_error("'tasks' is not available yet"); (void)exit_code; });
}

}  // namespace symopt::cli
