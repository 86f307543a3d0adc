// Rung names, the data directory, and the task registry that maps a task name and rung to a
// configured task with its data loaded.
#include "proxies/proxy_task.h"

#include "proxies/char_mlp_lm_task.h"
#include "proxies/digits_classifier_task.h"
#include "proxies/quadratic_task.h"
#include "proxies/transformer_lm_task.h"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <stdexcept>

#ifndef SYMOPT_DATA_DIR
#error "SYMOPT_DATA_DIR must be defined by the build (the project's proxies/data)"
#endif

namespace symopt {
namespace {

constexpr std::array<std::pair<Rung, std::string_view>, 4> rung_names = {{
    {Rung::tiny, "tiny"}, {Rung::small, "small"}, {Rung::medium, "medium"}, {Rung::large, "large"}}};

constexpr std::string_view digits_file = "digits.csv.gz";
constexpr std::string_view text_file = "english_fortunes.txt";

}  // namespace

std::string_view rung_name(Rung rung) {
  for (const auto& [value, name] : rung_names) {
    if (value == rung) return name;
  }
  return "unknown";
}

std::optional<Rung> parse_rung(std::string_view text) {
  for (const auto& [value, name] : rung_names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

std::filesystem::path default_data_dir() {
  if (const char* from_environment = std::getenv("SYMOPT_DATA_DIR");
      from_environment != nullptr && *from_environment != '\0') {
    return from_environment;
  }
  return SYMOPT_DATA_DIR;
}

std::vector<std::string> task_names() {
  return {"quadratic", "logreg-digits", "mlp-digits", "char-mlp-lm", "transformer-lm"};
}

std::shared_ptr<const ProxyTask> load_task(std::string_view name, Rung rung, const std::filesystem::path& data_dir) {
  if (name == "quadratic") return make_quadratic_task(rung, quadratic_config(rung));
  if (name == "logreg-digits") {
    return make_digits_classifier_task(std::string(name), rung, logreg_digits_config(rung),
                                       load_digits(data_dir / digits_file));
  }
  if (name == "mlp-digits") {
    return make_digits_classifier_task(std::string(name), rung, mlp_digits_config(rung),
                                       load_digits(data_dir / digits_file));
  }
  if (name == "char-mlp-lm") {
    return make_char_mlp_lm_task(rung, char_mlp_lm_config(rung), load_text_corpus(data_dir / text_file));
  }
  if (name == "transformer-lm") {
    return make_transformer_lm_task(rung, transformer_lm_config(rung), load_text_corpus(data_dir / text_file));
  }
  std::string known;
  for (const auto& task : task_names()) known += (known.empty() ? "" : ", ") + task;
  throw std::runtime_error(fmt::format("unknown proxy task '{}' (known: {})", name, known));
}

}  // namespace symopt
