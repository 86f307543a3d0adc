// `symopt show RUN_DIR | PROGRAM [--top K] [--lineage ID] [--json]`: a run's best programs
// (folded, with fitness per task), its Pareto front and the ancestry of one program; or one
// program file's folded and canonical forms, hash, states and ops.
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/input_error.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "search/checkpoint.h"
#include "search/hall_of_fame.h"
#include "search/lineage.h"
#include "search/run_directory.h"
#include "search/search_config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace symopt::cli {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::string target;
  int top = 5;
  long lineage = -1;
  bool json = false;
  CLI::Option* lineage_option = nullptr;
};

std::string indented(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    out += "    " + text.substr(start, end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

void show_program(const Options& o) {
  const Program program = load_program_file(o.target);
  const AnalyzedProgram analyzed = load_analyzed_program(o.target);
  const std::string folded = print_folded(analyzed.canonical);
  const std::string canonical = print_program(analyzed.canonical);
  if (o.json) {
    const nlohmann::json out = {{"file", o.target},       {"folded", folded},
                                {"canonical", canonical}, {"hash", hash_to_hex(analyzed.structural_hash)},
                                {"states", analyzed.state_count()}, {"ops", analyzed.op_count()},
                                {"source_statements", program.body.size()}};
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("{}: hash {}, {} state{} per parameter, {} ops ({} statements as written)\n", o.target,
             hash_to_hex(analyzed.structural_hash), analyzed.state_count(), analyzed.state_count() == 1 ? "" : "s",
             analyzed.op_count(), program.body.size());
  fmt::print("folded (dead code removed):\n{}canonical:\n{}", indented(folded), indented(canonical));
}

// The lineage records of the run: the checkpoint's (every kept ancestor) when it loads,
// else the hall of fame file's (ancestors of its members).
Lineage load_lineage(const fs::path& directory, const nlohmann::json& hall) {
  Lineage lineage;
  std::error_code error;
  if (fs::exists(directory / "checkpoint.json", error)) {
    try {
      return read_checkpoint(directory / "checkpoint.json").state.lineage;
    } catch (const InputError&) {
      // fall back to the hall of fame's copy
    }
  }
  for (const auto& record : hall.at("lineage")) lineage.add(lineage_record_from_json(record));
  return lineage;
}

void show_lineage(const Options& o, const nlohmann::json& hall) {
  const Lineage lineage = load_lineage(o.target, hall);
  const std::vector<LineageRecord> chain = lineage.chain(o.lineage);
  if (chain.empty()) {
    throw InputError(fmt::format("{}: no program with id {} is kept (the run keeps the ancestors of its population "
                                 "and hall of fame; see `symopt show {}` for ids)",
                                 o.target, o.lineage, o.target));
  }
  // The program text, where the hall of fame has it.
  std::string program;
  for (const char* list : {"best", "pareto_front"}) {
    for (const auto& entry : hall.at(list)) {
      if (entry.at("id").get<long>() == o.lineage) program = entry.at("folded").get<std::string>();
    }
  }
  if (o.json) {
    nlohmann::json steps = nlohmann::json::array();
    for (const LineageRecord& r : chain) steps.push_back(lineage_record_to_json(r));
    nlohmann::json out = {{"run_directory", o.target}, {"id", o.lineage}, {"chain", steps}};
    if (!program.empty()) out["folded"] = program;
    fmt::print("{}\n", out.dump(2));
    return;
  }
  const bool complete = chain.front().parent_id < 0;
  fmt::print("lineage of program {} ({} step{}{}):\n", o.lineage, chain.size() - 1, chain.size() == 2 ? "" : "s",
             complete ? " from the warm start" : "; older ancestors were not kept: lineage_max_records");
  fmt::print("{:>8} {:>9} {:>6} {:>4}  {}\n", "id", "fitness", "states", "ops", "mutation");
  for (const LineageRecord& r : chain) {
    fmt::print("{:>8} {:>9.4f} {:>6} {:>4}  {}\n", r.id, r.fitness, r.states, r.ops, r.mutation);
  }
  if (!program.empty()) fmt::print("program {}:\n{}", o.lineage, indented(program));
}

std::string task_line(const nlohmann::json& task) {
  const auto number = [](const nlohmann::json& v) { return v.is_null() ? std::string("inf") : fmt::format("{:.4g}", v.get<double>()); };
  return fmt::format("{} {:+.3f} (loss {} vs AdamW {}{})", task.at("task").get<std::string>(),
                     task.at("score").get<double>(), number(task.at("loss")), number(task.at("adamw_loss")),
                     task.at("diverged").get<bool>() ? ", diverged" : "");
}

void show_run(const Options& o) {
  const nlohmann::json hall = read_hall_of_fame_file(o.target);
  try {
    if (o.lineage_option->count()) return show_lineage(o, hall);
    const auto& best = hall.at("best");
    const std::size_t count = std::min<std::size_t>(best.size(), static_cast<std::size_t>(o.top));
    if (o.json) {
      nlohmann::json out = {{"run_directory", o.target},
                            {"run_id", hall.at("run_id")},
                            {"counters", hall.at("counters")},
                            {"elapsed_seconds", hall.at("elapsed_seconds")},
                            {"best", nlohmann::json::array()},
                            {"pareto_front", hall.at("pareto_front")}};
      for (std::size_t k = 0; k < count; ++k) out["best"].push_back(best[k]);
      fmt::print("{}\n", out.dump(2));
      return;
    }
    const auto& c = hall.at("counters");
    const long candidates = c.at("candidates").get<long>(), evaluations = c.at("evaluations").get<long>();
    fmt::print("run {} in {}: {} evaluations in {} ({} candidates, {:.0f}% rejected, {:.0f}% cached, {} restarts)\n\n",
               hall.at("run_id").get<std::string>(), o.target, evaluations,
               format_duration(hall.at("elapsed_seconds").get<double>()), candidates,
               candidates ? 100.0 * c.at("rejected").get<long>() / candidates : 0.0,
               evaluations ? 100.0 * c.at("cached").get<long>() / evaluations : 0.0, c.at("restarts").get<long>());
    for (std::size_t k = 0; k < count; ++k) {
      const auto& e = best[k];
      fmt::print("#{} id {}: fitness {:.4f}, {} state{}, {} ops, generation {}, found after {} evaluations\n", k + 1,
                 e.at("id").get<long>(), e.at("fitness").get<double>(), e.at("states").get<int>(),
                 e.at("states").get<int>() == 1 ? "" : "s", e.at("ops").get<int>(), e.at("generation").get<int>(),
                 e.at("evaluation").get<long>());
      for (const auto& task : e.at("tasks")) fmt::print("    {}\n", task_line(task));
      fmt::print("{}\n", indented(e.at("folded").get<std::string>()));
    }
    fmt::print("Pareto front (no other program has higher fitness with as few states and ops):\n");
    fmt::print("{:>6} {:>4} {:>9} {:>8}\n", "states", "ops", "fitness", "id");
    for (const auto& e : hall.at("pareto_front")) {
      fmt::print("{:>6} {:>4} {:>9.4f} {:>8}\n", e.at("states").get<int>(), e.at("ops").get<int>(),
                 e.at("fitness").get<double>(), e.at("id").get<long>());
    }
    fmt::print("(`symopt show {} --lineage ID` for the mutations that led to a program)\n", o.target);
  } catch (const nlohmann::json::exception& error) {
    throw InputError(fmt::format("{}/hall_of_fame.json: malformed: {}", o.target, error.what()));
  }
}

}  // namespace

void add_show_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* command = app.add_subcommand("show", "a run's best programs, Pareto front and lineage; or one program");
  command->add_option("target", o->target, "run directory, or program file (.opt or .json)")->required();
  command->add_option("--top", o->top, "how many of the best programs (default 5)")->check(CLI::Range(1, 1000000));
  o->lineage_option = command->add_option("--lineage", o->lineage, "the chain of mutations from the warm start to this program id");
  command->add_flag("--json", o->json, "machine-readable output");
  command->callback([o, &exit_code] {
    std::error_code error;
    if (fs::is_directory(o->target, error)) {
      show_run(*o);
    } else {
      if (o->lineage_option->count()) throw InputError(fmt::format("{}: --lineage needs a run directory", o->target));
      show_program(*o);
    }
    exit_code = exit_ok;
  });
}

}  // namespace symopt::cli
