// Every subcommand of the symopt binary; each is defined in its own command_*.cpp file.
// A command registers its options on the app and runs through the callback it sets,
// storing its exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace symopt::cli {

void add_ops_command(CLI::App& app, int& exit_code);
void add_tasks_command(CLI::App& app, int& exit_code);
void add_trace_command(CLI::App& app, int& exit_code);
void add_eval_command(CLI::App& app, int& exit_code);
void add_search_command(CLI::App& app, int& exit_code);
void add_show_command(CLI::App& app, int& exit_code);
void add_simplify_command(CLI::App& app, int& exit_code);
void add_funnel_command(CLI::App& app, int& exit_code);
void add_validate_command(CLI::App& app, int& exit_code);
void add_export_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);

}  // namespace symopt::cli
