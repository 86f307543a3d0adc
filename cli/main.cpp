// The symopt binary: parses the command line and maps errors to exit codes
// (0 ok, 1 failure, 2 bad usage or bad input).
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/input_error.h"
#include "dsl/dsl_error.h"
#include "proxies/build_info.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>

int main(int argc, char** argv) {
  using namespace symopt::cli;
  CLI::App app{"symopt: discovers optimization algorithms by symbolic program search"};
  app.require_subcommand(1);
  // Which proxies copy the loader picked matters for speed and for bit-for-bit comparisons.
  app.set_version_flag("--version", "symopt 0.1.0\n" + symopt::proxies_build_description());
  int exit_code = exit_ok;
  add_search_command(app, exit_code);
  add_show_command(app, exit_code);
  add_simplify_command(app, exit_code);
  add_funnel_command(app, exit_code);
  add_validate_command(app, exit_code);
  add_eval_command(app, exit_code);
  add_trace_command(app, exit_code);
  add_export_command(app, exit_code);
  add_report_command(app, exit_code);
  add_ops_command(app, exit_code);
  add_tasks_command(app, exit_code);
  // CLI11 answers an unknown command with "A subcommand is required"; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    bool known = false;
    for (const CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
      names.push_back(command->get_name());
      known = known || command->get_name() == argv[1];
    }
    if (!known) {
      fmt::print(stderr, "symopt: unknown command '{}' (expected one of: {})\n", argv[1], fmt::join(names, ", "));
      return exit_bad_input;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? exit_ok : exit_bad_input;
  } catch (const symopt::InputError& error) {
    fmt::print(stderr, "symopt: {}\n", error.what());
    return exit_bad_input;
  } catch (const symopt::DslError& error) {
    fmt::print(stderr, "symopt: {}\n", error.what());
    return exit_bad_input;
  } catch (const std::exception& error) {
    fmt::print(stderr, "symopt: error: {}\n", error.what());
    return exit_failure;
  }
  return exit_code;
}
