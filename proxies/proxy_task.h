// The contract every proxy task meets: seeded parameters, a deterministic minibatch stream,
// loss with its exact gradient, a held-out validation metric, and a size ladder.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace symopt {

// Each rung is about 10x the compute of the one below (width, data, steps).
enum class Rung { tiny, small, medium, large };

std::string_view rung_name(Rung rung);
std::optional<Rung> parse_rung(std::string_view text);

// A parameter tensor is stored flat, row-major, as rows x cols (a vector is 1 x n).
template <class T>
using Tensor = Eigen::Array<T, Eigen::Dynamic, 1>;

struct TensorShape {
  int rows = 1;
  int cols = 1;
  long size() const { return static_cast<long>(rows) * cols; }
};

struct TaskDescription {
  std::string name;       // e.g. "mlp-digits"
  Rung rung = Rung::tiny;
  int steps = 0;          // training step budget at this rung
  int batch_size = 0;     // 0 where the task has no minibatches
  double learning_rate = 0;  // the fixed rate every program is given (it scales it itself)
  std::string summary;    // one line: model, data, sizes
  std::string metric;     // what validate() measures, e.g. "cross-entropy (nats) and accuracy ..."
  bool has_accuracy = false;  // validate() reports an accuracy
  double flops_per_step = 0;  // forward + backward estimate, for efficiency figures
};

struct ValidationMetrics {
  double loss = 0;
  std::optional<double> accuracy;  // where the task is a classification
};

// One instantiated model of a task: owns its scratch buffers so that the training loop
// allocates nothing per step. Not thread-safe: one per concurrent evaluation.
template <class T>
class ProxyModel {
 public:
  virtual ~ProxyModel() = default;
  virtual std::vector<TensorShape> parameter_shapes() const = 0;
  // Fills params (resized to parameter_shapes()) deterministically from the seed.
  virtual void initialize(std::uint64_t seed, std::vector<Tensor<T>>& params) const = 0;
  // Loss on minibatch number `step` (0-based; the stream is a pure function of the data
  // seed and step) and its exact gradient into grads (same shapes as params).
  virtual T loss_and_gradient(std::span<const Tensor<T>> params, long step,
                              std::span<Tensor<T>> grads) = 0;
  // Held-out loss (and accuracy where it applies) on the validation split.
  virtual ValidationMetrics validate(std::span<const Tensor<T>> params) = 0;
};

// A task at one rung: immutable and shareable across threads (data is loaded once).
class ProxyTask {
 public:
  virtual ~ProxyTask() = default;
  virtual const TaskDescription& description() const = 0;
  virtual std::unique_ptr<ProxyModel<float>> make_model_f32(std::uint64_t data_seed) const = 0;
  virtual std::unique_ptr<ProxyModel<double>> make_model_f64(std::uint64_t data_seed) const = 0;
};

// The data directory: $SYMOPT_DATA_DIR if set, else the project's proxies/data.
std::filesystem::path default_data_dir();

std::vector<std::string> task_names();
// Throws std::runtime_error naming the task, or the data file and what is wrong with it.
std::shared_ptr<const ProxyTask> load_task(std::string_view name, Rung rung,
                                           const std::filesystem::path& data_dir);

}  // namespace symopt
