// `symopt funnel RUN_DIR [--top K] [--rungs small,medium] [--seeds N] [--json]`: the run's top
// K distinct programs re-evaluated up the size ladder against tuned AdamW and Lion
// (search/funnel.h); writes funnel.json and funnel.md into the run directory.
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/input_error.h"
#include "search/funnel.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <cstdio>
#include <optional>

namespace symopt::cli {
namespace {

struct Options {
  std::string directory;
  int top = 8;
  std::vector<std::string> rungs;
  int seeds = 2;
  std::uint64_t base_seed = 0;
  int steps = 0;
  std::string survivors = "top-half";
  int threads = 0;
  bool json = false, quiet = false;
};

FunnelSettings checked_settings(const Options& o) {
  FunnelSettings settings;
  for (const std::string& name : o.rungs) {
    const auto rung = parse_rung(name);
    if (!rung) throw InputError(fmt::format("--rungs: unknown rung '{}' (expected tiny, small, medium or large)", name));
    settings.rungs.push_back(*rung);
  }
  settings.top = o.top;
  settings.seeds = o.seeds;
  settings.base_seed = o.base_seed;
  if (o.steps < 0) throw InputError(fmt::format("--steps: expected a count >= 0, got {}", o.steps));
  if (o.steps > 0) settings.steps = {o.steps};
  const auto rule = parse_survival_rule(o.survivors);
  if (!rule) throw InputError(fmt::format("--survivors: expected top-half or beat-adamw, got '{}'", o.survivors));
  settings.rule = *rule;
  if (o.threads < 0) throw InputError(fmt::format("--threads: expected a count >= 0, got {}", o.threads));
  return settings;
}

void run(const Options& o) {
  const FunnelSettings settings = checked_settings(o);
  std::optional<tbb::global_control> thread_limit;
  if (o.threads > 0) thread_limit.emplace(tbb::global_control::max_allowed_parallelism, o.threads);
  FunnelNote note;
  if (!o.quiet) note = [](const std::string& line) {
    fmt::print(stderr, "{}\n", line);
    std::fflush(stderr);
  };
  const FunnelResult result = funnel_run_directory(o.directory, settings, note);
  if (o.json) {
    fmt::print("{}\n", funnel_json(result).dump(2));
  } else {
    fmt::print("{}\nwritten: {}/funnel.json and funnel.md\n", funnel_markdown(result), o.directory);
  }
}

}  // namespace

void add_funnel_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* command = app.add_subcommand(
      "funnel", "re-evaluate a run's best programs on larger rungs against tuned AdamW and Lion; writes funnel.json/.md");
  command->add_option("run_directory", o->directory, "a search run directory")->required();
  command->add_option("--top", o->top, "distinct programs taken from the hall of fame (default 8)");
  command->add_option("--rungs", o->rungs, "comma-separated rungs in ladder order (default: the two above the run's)")
      ->delimiter(',');
  command->add_option("--seeds", o->seeds, "training seeds per task and rate (default 2)");
  command->add_option("--seed", o->base_seed, "first seed (default 0)");
  command->add_option("--steps", o->steps, "training steps at every rung instead of each rung's budget (quick looks)");
  command->add_option("--survivors", o->survivors, "top-half (default) or beat-adamw");
  command->add_option("--threads", o->threads, "worker threads (default: all cores); results do not depend on it");
  command->add_flag("--json", o->json, "print funnel.json instead of the table");
  command->add_flag("--quiet", o->quiet, "no progress lines on stderr");
  command->callback([o, &exit_code] {
    run(*o);
    exit_code = exit_ok;
  });
}

}  // namespace symopt::cli
