// Progress formatting.
#include "search/progress.h"

#include "search/lineage.h"
#include "search/search_config.h"
#include "search/search_state.h"

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace symopt {

nlohmann::json progress_report_to_json(const ProgressReport& r) {
  nlohmann::json line = search_counters_to_json(r.counters);  // the counters sit flat in a log line
  line.update({{"elapsed_seconds", r.elapsed_seconds},
               {"evaluations_per_second", r.evaluations_per_second},
               {"rejected_share", r.rejected_share},
               {"cached_share", r.cached_share},
               {"best_fitness", finite_or_null(r.best_fitness)},
               {"median_fitness", finite_or_null(r.median_fitness)},
               {"best_id", r.best_id},
               {"best_states", r.best_states},
               {"best_ops", r.best_ops}});
  if (r.cache) {
    line["cache"] = {{"lookups", r.cache->lookups},
                     {"structural_hits", r.cache->structural_hits},
                     {"behavioural_hits", r.cache->behavioural_hits},
                     {"trained", r.cache->evaluations},
                     {"evictions", r.cache->evictions}};
  }
  return line;
}

std::string format_progress_line(const ProgressReport& r) {
  const SearchCounters& c = r.counters;
  const long trained = c.evaluations - c.cached;
  // Shown only in runs that use the feature (hurdles, turning duplicates away), so other runs
  // keep their line.
  const auto share_if_any = [](std::string_view label, long count, long of) {
    return count > 0 && of > 0
               ? fmt::format(" {} {:.0f}%", label, 100.0 * static_cast<double>(count) / static_cast<double>(of))
               : std::string();
  };
  const std::string hurdle = share_if_any("hurdle-stopped", c.stopped_at_hurdle, trained);
  const std::string turned_away = share_if_any("duplicates", c.turned_away, c.evaluations);
  return fmt::format("{:>8} | {} evals {:.1f}/s | rejected {:.0f}% cached {:.0f}%{}{} | best {:.4f} ({} state{}, {} ops) | median {:.4f}",
                     format_duration(r.elapsed_seconds), c.evaluations, r.evaluations_per_second,
                     100 * r.rejected_share, 100 * r.cached_share, hurdle, turned_away, r.best_fitness, r.best_states,
                     r.best_states == 1 ? "" : "s", r.best_ops, r.median_fitness);
}

}  // namespace symopt
