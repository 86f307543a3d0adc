// Loading oracle files with a precise error for every way one can be malformed, and
// comparing replayed trajectories with them.
#include "evaluator/oracle.h"

#include "common/atomic_file.h"
#include "common/input_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace symopt {
namespace {

// Reads the fields of one oracle document; every error names the file and the key.
class OracleReader {
 public:
  explicit OracleReader(const std::filesystem::path& path) : file_(path.string()) {}

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw InputError(fmt::format("oracle file '{}': key \"{}\": {}", file_, key, problem));
  }

  const nlohmann::json& member(const nlohmann::json& document, const std::string& key) const {
    const auto found = document.find(key);
    if (found == document.end()) fail(key, "missing");
    return *found;
  }

  std::string text(const nlohmann::json& document, const std::string& key) const {
    const nlohmann::json& value = member(document, key);
    if (!value.is_string()) fail(key, fmt::format("expected a string, found {}", value.type_name()));
    return value.get<std::string>();
  }

  int positive_integer(const nlohmann::json& value, const std::string& key) const {
    if (!value.is_number_integer() || value.get<long long>() < 1 ||
        value.get<long long>() > std::numeric_limits<int>::max()) {
      fail(key, fmt::format("expected a positive integer, found {}", value.dump()));
    }
    return static_cast<int>(value.get<long long>());
  }

  std::vector<double> numbers(const nlohmann::json& value, const std::string& key,
                              std::size_t expected_length) const {
    if (!value.is_array()) fail(key, fmt::format("expected an array of numbers, found {}", value.type_name()));
    if (value.size() != expected_length) {
      fail(key, fmt::format("expected {} numbers (rows * cols), found {}", expected_length, value.size()));
    }
    std::vector<double> result;
    result.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_number()) {
        fail(fmt::format("{}[{}]", key, i), fmt::format("expected a number, found {}", value[i].type_name()));
      }
      result.push_back(value[i].get<double>());
    }
    return result;
  }

  std::vector<std::vector<double>> rows_of_numbers(const nlohmann::json& document, const std::string& key,
                                                   int steps, std::size_t row_length) const {
    const nlohmann::json& value = member(document, key);
    if (!value.is_array()) fail(key, fmt::format("expected an array of {} arrays, found {}", steps, value.type_name()));
    if (value.size() != static_cast<std::size_t>(steps)) {
      fail(key, fmt::format("expected {} entries (one per step, \"steps\"), found {}", steps, value.size()));
    }
    std::vector<std::vector<double>> result;
    result.reserve(value.size());
    for (std::size_t step = 0; step < value.size(); ++step) {
      result.push_back(numbers(value[step], fmt::format("{}[{}]", key, step), row_length));
    }
    return result;
  }

 private:
  std::string file_;
};

}  // namespace

Oracle load_oracle(const std::filesystem::path& path) {
  const std::string contents = read_whole_file(path);  // InputError naming the path
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(contents);
  } catch (const nlohmann::json::parse_error& error) {
    throw InputError(fmt::format("oracle file '{}': not valid JSON: {}", path.string(), error.what()));
  }
  const OracleReader reader(path);
  if (!document.is_object()) reader.fail("(top level)", fmt::format("expected an object, found {}", document.type_name()));

  Oracle oracle;
  oracle.name = reader.text(document, "name");
  oracle.optimizer = reader.text(document, "optimizer");
  oracle.hyper = reader.member(document, "hyper");
  if (!oracle.hyper.is_object()) {
    reader.fail("hyper", fmt::format("expected an object, found {}", oracle.hyper.type_name()));
  }
  // Checked here so that the message names the file; replaying needs the rate.
  if (!oracle.hyper.contains("lr") || !oracle.hyper["lr"].is_number()) {
    reader.fail("hyper.lr", fmt::format("expected the learning rate as a number, found {}",
                                        oracle.hyper.contains("lr") ? oracle.hyper["lr"].dump() : "nothing"));
  }

  const nlohmann::json& shape = reader.member(document, "shape");
  if (!shape.is_array() || shape.empty() || shape.size() > 2) {
    reader.fail("shape", fmt::format("expected [n] or [rows, cols], found {}", shape.dump()));
  }
  const int first = reader.positive_integer(shape[0], "shape[0]");
  oracle.rows = shape.size() == 1 ? 1 : first;
  oracle.cols = shape.size() == 1 ? first : reader.positive_integer(shape[1], "shape[1]");
  const long long elements = static_cast<long long>(oracle.rows) * oracle.cols;
  if (elements > std::numeric_limits<int>::max()) reader.fail("shape", "too many elements");
  const auto row_length = static_cast<std::size_t>(elements);

  oracle.steps = reader.positive_integer(reader.member(document, "steps"), "steps");
  oracle.w0 = reader.numbers(reader.member(document, "w0"), "w0", row_length);
  oracle.grads = reader.rows_of_numbers(document, "grads", oracle.steps, row_length);
  oracle.trajectory = reader.rows_of_numbers(document, "trajectory", oracle.steps, row_length);
  return oracle;
}

double oracle_learning_rate(const Oracle& oracle) {
  const auto found = oracle.hyper.find("lr");
  if (found == oracle.hyper.end() || !found->is_number()) {
    throw InputError(fmt::format("oracle '{}': key \"hyper.lr\": missing or not a number", oracle.name));
  }
  return found->get<double>();
}

double relative_error(std::span<const double> weights, std::span<const double> reference) {
  if (weights.size() != reference.size()) {
    throw std::runtime_error(fmt::format("relative_error: {} weights against a reference of {}",
                                         weights.size(), reference.size()));
  }
  double difference = 0;
  double scale = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i])) return std::numeric_limits<double>::infinity();
    difference = std::max(difference, std::fabs(weights[i] - reference[i]));
    scale = std::max(scale, std::fabs(reference[i]));
  }
  return difference / std::max(scale, 1e-12);
}

double max_relative_error(const Oracle& oracle, const std::vector<std::vector<double>>& trajectory) {
  if (trajectory.size() != oracle.trajectory.size()) {
    throw std::runtime_error(fmt::format("oracle '{}': a trajectory of {} steps compared against {}",
                                         oracle.name, trajectory.size(), oracle.trajectory.size()));
  }
  double largest = 0;
  for (std::size_t step = 0; step < trajectory.size(); ++step) {
    largest = std::max(largest, relative_error(trajectory[step], oracle.trajectory[step]));
  }
  return largest;
}

template <class T>
std::vector<std::vector<double>> replay_oracle(const Oracle& oracle, TensorOptimizer<T>& optimizer) {
  const T learning_rate = static_cast<T>(oracle_learning_rate(oracle));
  std::vector<T> weights(oracle.w0.begin(), oracle.w0.end());
  std::vector<T> gradient(weights.size());
  std::vector<std::vector<double>> trajectory;
  trajectory.reserve(oracle.grads.size());
  for (std::size_t step = 0; step < oracle.grads.size(); ++step) {
    std::transform(oracle.grads[step].begin(), oracle.grads[step].end(), gradient.begin(),
                   [](double g) { return static_cast<T>(g); });
    optimizer.step(weights, gradient, learning_rate, static_cast<long>(step) + 1);
    trajectory.emplace_back(weights.begin(), weights.end());
  }
  return trajectory;
}

template std::vector<std::vector<double>> replay_oracle<float>(const Oracle&, TensorOptimizer<float>&);
template std::vector<std::vector<double>> replay_oracle<double>(const Oracle&, TensorOptimizer<double>&);

}  // namespace symopt
