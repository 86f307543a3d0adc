// The funnel's outputs: funnel.json (every number, for tools) and funnel.md (a summary table
// of every candidate at every rung against AdamW and Lion, then one detail table per rung).
#include "search/funnel.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

namespace symopt {
namespace {

nlohmann::json finite_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json task_result_json(const FunnelTaskResult& t) {
  nlohmann::json out = {{"task", t.task},
                        {"learning_rate", t.learning_rate},
                        {"loss", finite_or_null(t.loss)},
                        {"loss_std", finite_or_null(t.loss_std)},
                        {"accuracy", nullptr},
                        {"score", nullptr},
                        {"diverged", t.diverged},
                        {"best_rate_at_sweep_edge", t.best_at_edge}};
  if (t.accuracy) out["accuracy"] = *t.accuracy;
  if (t.score) out["score"] = *t.score;
  return out;
}

nlohmann::json entry_json(const FunnelEntry& e) {
  nlohmann::json tasks = nlohmann::json::array();
  for (const FunnelTaskResult& t : e.tasks) tasks.push_back(task_result_json(t));
  nlohmann::json out = {{"name", e.name}, {"fitness", e.fitness}, {"tasks", tasks}, {"beats_adamw", e.beats_adamw}};
  if (e.candidate >= 0) {
    out["candidate"] = e.candidate;
    out["rank"] = e.rank;
    out["survived"] = e.survived;
    out["beats_lion"] = e.beats_lion;
  }
  return out;
}

// Where each candidate's journey ended: the last rung it was evaluated on (-1: none).
std::vector<int> deepest_rung(const FunnelResult& result) {
  std::vector<int> depth(result.candidates.size(), -1);
  for (std::size_t r = 0; r < result.rungs.size(); ++r) {
    for (const FunnelEntry& e : result.rungs[r].entries) depth[e.candidate] = static_cast<int>(r);
  }
  return depth;
}

const FunnelEntry* entry_of(const FunnelRung& rung, int candidate) {
  for (const FunnelEntry& e : rung.entries) {
    if (e.candidate == candidate) return &e;
  }
  return nullptr;
}

std::string fitness_text(double fitness) { return fmt::format("{:+.4f}", fitness); }

std::string loss_cell(const FunnelTaskResult& t) {
  if (t.diverged) return "diverged";
  std::string cell = fmt::format("{:.4g} @ {:.3g}{}", t.loss, t.learning_rate, t.best_at_edge ? " (edge)" : "");
  if (t.accuracy) cell += fmt::format(", acc {:.3f}", *t.accuracy);
  return cell;
}

std::string detail_row(const FunnelEntry& e) {
  std::string row = fmt::format("| {} | {} |", e.name, fitness_text(e.fitness));
  if (e.candidate >= 0) {
    row += fmt::format(" {} | {} | {} | {} |", e.rank, e.survived ? "yes" : "no", e.beats_adamw ? "better" : "worse",
                       e.beats_lion ? "better" : "worse");
  } else {
    row += " | | | |";
  }
  for (const FunnelTaskResult& t : e.tasks) row += fmt::format(" {} |", loss_cell(t));
  return row + "\n";
}

}  // namespace

nlohmann::json funnel_json(const FunnelResult& result) {
  const FunnelSettings& s = result.settings;
  nlohmann::json rungs_list = nlohmann::json::array(), steps = nlohmann::json::array();
  for (Rung r : s.rungs) rungs_list.push_back(rung_name(r));
  for (int n : s.steps) steps.push_back(n);
  const std::vector<int> depth = deepest_rung(result);
  nlohmann::json candidates = nlohmann::json::array();
  for (std::size_t i = 0; i < result.candidates.size(); ++i) {
    const FunnelCandidate& c = result.candidates[i];
    candidates.push_back({{"index", i},
                          {"id", c.id},
                          {"program", c.program},
                          {"folded", c.folded},
                          {"search_fitness", c.search_fitness},
                          {"states", c.states},
                          {"ops", c.ops},
                          {"hash", fmt::format("{:016x}", c.hash)},
                          {"reached", depth[i] < 0 ? nlohmann::json(nullptr)
                                                   : nlohmann::json(rung_name(result.rungs[depth[i]].rung))}});
  }
  nlohmann::json rungs = nlohmann::json::array();
  for (const FunnelRung& rung : result.rungs) {
    nlohmann::json tasks = nlohmann::json::array(), entries = nlohmann::json::array();
    for (const TaskDescription& d : rung.tasks) {
      tasks.push_back({{"task", d.name},
                       {"summary", d.summary},
                       {"steps", rung.steps > 0 ? rung.steps : d.steps},
                       {"task_learning_rate", d.learning_rate},
                       {"flops_per_step", d.flops_per_step}});
    }
    for (const FunnelEntry& e : rung.entries) entries.push_back(entry_json(e));
    rungs.push_back({{"rung", rung_name(rung.rung)},
                     {"tasks", tasks},
                     {"entries", entries},
                     {"references", {{"AdamW", entry_json(rung.adamw)}, {"Lion", entry_json(rung.lion)}}},
                     {"training_runs", rung.training_runs},
                     {"seconds", rung.seconds}});
  }
  return {{"format", funnel_format},
          {"format_version", funnel_format_version},
          {"run_id", result.run_id},
          {"tasks", result.tasks},
          {"weights", result.weights},
          {"settings",
           {{"rungs", rungs_list},
            {"top", s.top},
            {"seeds", s.seeds},
            {"base_seed", s.base_seed},
            {"steps", steps},
            {"survival_rule", survival_rule_name(s.rule)},
            {"sweep", {{"points", s.sweep.points}, {"factor", s.sweep.factor}, {"max_extensions", s.sweep.max_extensions}}},
            {"schedule", schedule_name(s.schedule)}}},
          {"fitness", "weighted mean over tasks of tanh(log(adamw_loss / loss) / 0.5), every optimizer at its best "
                      "swept rate; 0 = tuned AdamW, positive = better, -1 = diverged"},
          {"candidates", candidates},
          {"rungs", rungs},
          {"ranking", result.ranking},
          {"seconds", result.seconds}};
}

std::string funnel_markdown(const FunnelResult& result) {
  const FunnelSettings& s = result.settings;
  std::string text = fmt::format("# Funnel{}\n\n", result.run_id.empty() ? "" : " of run " + result.run_id);
  std::string weights;
  for (double w : result.weights) weights += fmt::format("{}{:.3g}", weights.empty() ? "" : ", ", w);
  text += fmt::format(
      "Tasks: {} (weights {}). Top {} behaviourally distinct programs of the run (hall of fame and discoveries); {} seed{} per rate; every optimizer "
      "at its best of a {}-point log-spaced rate sweep (ratio {:.3g}, extended past an edge up to {} times). "
      "Survivors: {}. Total time {:.1f}s.\n\n",
      fmt::join(result.tasks, ", "), weights, s.top, s.seeds, s.seeds == 1 ? "" : "s", s.sweep.points, s.sweep.factor,
      s.sweep.max_extensions,
      s.rule == SurvivalRule::top_half ? "the better half at each rung" : "those above tuned AdamW at each rung",
      result.seconds);
  text += "Fitness: weighted mean over tasks of tanh(log(AdamW loss / loss) / 0.5); 0 = tuned AdamW, positive = "
          "better, -1 = diverged. In brackets: rank among the rung's candidates; `*` = survived.\n\n";

  // Summary: one row per candidate in final order, one column per rung, references below.
  text += "| final | program | states | ops | search fitness |";
  std::string rule = "|---|---|---|---|---|";
  for (const FunnelRung& rung : result.rungs) {
    text += fmt::format(" {} |", rung_name(rung.rung));
    rule += "---|";
  }
  text += "\n" + rule + "\n";
  for (std::size_t position = 0; position < result.ranking.size(); ++position) {
    const int index = result.ranking[position];
    const FunnelCandidate& c = result.candidates[index];
    text += fmt::format("| {} | #{} | {} | {} | {} |", position + 1, c.id, c.states, c.ops, fitness_text(c.search_fitness));
    for (const FunnelRung& rung : result.rungs) {
      const FunnelEntry* e = entry_of(rung, index);
      text += e ? fmt::format(" {} ({}){} |", fitness_text(e->fitness), e->rank, e->survived ? " *" : "") : " - |";
    }
    text += "\n";
  }
  for (const char* name : {"AdamW", "Lion"}) {
    text += fmt::format("| | {} (native) | {} | | |", name, std::string(name) == "AdamW" ? 2 : 1);
    for (const FunnelRung& rung : result.rungs) {
      text += fmt::format(" {} |", fitness_text(std::string(name) == "AdamW" ? rung.adamw.fitness : rung.lion.fitness));
    }
    text += "\n";
  }

  for (const FunnelRung& rung : result.rungs) {
    text += fmt::format("\n## Rung {} ({:.1f}s, {} trainings)\n\n", rung_name(rung.rung), rung.seconds, rung.training_runs);
    for (const TaskDescription& d : rung.tasks) {
      text += fmt::format("- {}: {}; {} steps\n", d.name, d.summary, rung.steps > 0 ? rung.steps : d.steps);
    }
    text += "\nCells: mean validation loss over seeds @ the best rate (`edge`: the best rate stayed on the sweep's "
            "edge).\n\n| program | fitness | rank | survives | vs AdamW | vs Lion |";
    std::string line = "|---|---|---|---|---|---|";
    for (const TaskDescription& d : rung.tasks) {
      text += fmt::format(" {} |", d.name);
      line += "---|";
    }
    text += "\n" + line + "\n";
    for (const FunnelEntry& e : rung.entries) text += detail_row(e);
    text += detail_row(rung.adamw) + detail_row(rung.lion);
  }

  text += "\n## Programs\n";
  for (int index : result.ranking) {
    const FunnelCandidate& c = result.candidates[index];
    const bool ends_line = !c.folded.empty() && c.folded.back() == '\n';
    text += fmt::format("\n### #{}\n\n```\n{}{}```\n", c.id, c.folded, ends_line ? "" : "\n");
  }
  return text;
}

}  // namespace symopt
