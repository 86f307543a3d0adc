// The native reference optimizers. Speed matters (they are the baseline the interpreter is
// benchmarked against): each step is one pass over memory. Loops without sqrt or division
// are plain loops GCC vectorizes; the others run Eigen array expressions tile by tile,
// because GCC will not vectorize std::sqrt (errno) while Eigen's packet sqrt is exact, and
// a tile small enough for L1 makes the three statements one pass over main memory.
#include "evaluator/native_optimizers.h"

#include "common/input_error.h"

#include <Eigen/Core>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace symopt {
namespace {

// Elements per tile: 256 measured fastest for AdamW at SSE2 width (1 KiB of floats per array).
constexpr long tile_elements = 256;

template <class T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

void check_lengths(std::size_t weights, std::size_t gradient, std::size_t expected) {
  if (weights != expected || gradient != expected) {
    throw std::runtime_error(fmt::format(
        "optimizer step: {} weights and {} gradient entries for a tensor of {} elements", weights,
        gradient, expected));
  }
}

// Calls body(start, length) for consecutive tiles covering [0, size).
template <class Body>
void for_each_tile(long size, Body&& body) {
  for (long start = 0; start < size; start += tile_elements) body(start, std::min(tile_elements, size - start));
}

// sign with sign(0) = 0 and NaN passed through, written without branches so loops vectorize.
template <class T>
inline T sign_of(T x) {
  const T unit = std::copysign(T(x != T(0)), x);
  return x != x ? x : unit;
}

template <class T>
class Sgd final : public TensorOptimizer<T> {
 public:
  explicit Sgd(long size) : size_(size) {}
  void step(std::span<T> weights, std::span<const T> gradient, T learning_rate, long) override {
    check_lengths(weights.size(), gradient.size(), size_);
    T* w = weights.data();
    const T* g = gradient.data();
    const long size = static_cast<long>(size_);
    for (long i = 0; i < size; ++i) w[i] -= learning_rate * g[i];
  }

 private:
  std::size_t size_;
};

template <class T>
class SgdMomentum final : public TensorOptimizer<T> {
 public:
  SgdMomentum(const SgdHyper& hyper, long size) : momentum_(T(hyper.momentum)), buffer_(size, T(0)) {}
  void step(std::span<T> weights, std::span<const T> gradient, T learning_rate, long) override {
    check_lengths(weights.size(), gradient.size(), buffer_.size());
    T* w = weights.data();
    const T* g = gradient.data();
    T* buffer = buffer_.data();
    const long size = static_cast<long>(buffer_.size());
    for (long i = 0; i < size; ++i) {
      buffer[i] = momentum_ * buffer[i] + g[i];
      w[i] -= learning_rate * buffer[i];
    }
  }

 private:
  T momentum_;
  std::vector<T> buffer_;
};

template <class T>
class Rmsprop final : public TensorOptimizer<T> {
 public:
  Rmsprop(const RmspropHyper& hyper, long size)
      : alpha_(T(hyper.alpha)), epsilon_(T(hyper.epsilon)), square_average_(size, T(0)) {}
  void step(std::span<T> weights, std::span<const T> gradient, T learning_rate, long) override {
    check_lengths(weights.size(), gradient.size(), square_average_.size());
    for_each_tile(static_cast<long>(square_average_.size()), [&](long start, long length) {
      ArrayMap<T> w(weights.data() + start, length);
      ConstArrayMap<T> g(gradient.data() + start, length);
      ArrayMap<T> v(square_average_.data() + start, length);
      v = alpha_ * v + (T(1) - alpha_) * g.square();
      w -= learning_rate * g / (v.sqrt() + epsilon_);
    });
  }

 private:
  T alpha_, epsilon_;
  std::vector<T> square_average_;
};

// Adam is AdamW with weight_decay = 0: multiplying by 1 - lr * 0 is exact.
template <class T>
class Adamw final : public TensorOptimizer<T> {
 public:
  Adamw(const AdamwHyper& hyper, long size)
      : hyper_(hyper), first_moment_(size, T(0)), second_moment_(size, T(0)) {}
  void step(std::span<T> weights, std::span<const T> gradient, T learning_rate, long t) override {
    check_lengths(weights.size(), gradient.size(), first_moment_.size());
    // Scalars in float64 as PyTorch computes them (Python floats), then rounded once.
    const double correction1 = hyper_.bias_correction ? 1 - std::pow(hyper_.beta1, double(t)) : 1.0;
    const double correction2 = hyper_.bias_correction ? 1 - std::pow(hyper_.beta2, double(t)) : 1.0;
    const T step_size = T(double(learning_rate) / correction1);
    const T inverse_root_correction2 = T(1 / std::sqrt(correction2));
    const T decay = T(1 - double(learning_rate) * hyper_.weight_decay);
    const T beta1 = T(hyper_.beta1), beta2 = T(hyper_.beta2), epsilon = T(hyper_.epsilon);
    for_each_tile(static_cast<long>(first_moment_.size()), [&](long start, long length) {
      ArrayMap<T> w(weights.data() + start, length);
      ConstArrayMap<T> g(gradient.data() + start, length);
      ArrayMap<T> m(first_moment_.data() + start, length);
      ArrayMap<T> v(second_moment_.data() + start, length);
      m = beta1 * m + (T(1) - beta1) * g;
      v = beta2 * v + (T(1) - beta2) * g.square();
      // sqrt(v) * (1 / sqrt(bc2)) rather than PyTorch's sqrt(v) / sqrt(bc2): a division
      // fewer per element for at most an ulp of difference.
      w = w * decay - step_size * m / (v.sqrt() * inverse_root_correction2 + epsilon);
    });
  }

 private:
  AdamwHyper hyper_;
  std::vector<T> first_moment_, second_moment_;
};

template <class T>
class Lion final : public TensorOptimizer<T> {
 public:
  Lion(const LionHyper& hyper, long size) : hyper_(hyper), momentum_(size, T(0)) {}
  void step(std::span<T> weights, std::span<const T> gradient, T learning_rate, long) override {
    check_lengths(weights.size(), gradient.size(), momentum_.size());
    const T beta1 = T(hyper_.beta1), beta2 = T(hyper_.beta2);
    // The reference code's order: decay first (w *= 1 - lr * lambda), then the signed step.
    const T decay = T(1 - double(learning_rate) * hyper_.weight_decay);
    T* w = weights.data();
    const T* g = gradient.data();
    T* m = momentum_.data();
    const long size = static_cast<long>(momentum_.size());
    for (long i = 0; i < size; ++i) {
      const T direction = beta1 * m[i] + (T(1) - beta1) * g[i];
      w[i] = w[i] * decay - learning_rate * sign_of(direction);
      m[i] = beta2 * m[i] + (T(1) - beta2) * g[i];
    }
  }

 private:
  LionHyper hyper_;
  std::vector<T> momentum_;
};

long element_count(int rows, int cols) {
  if (rows < 1 || cols < 1) throw std::runtime_error(fmt::format("optimizer for a {} x {} tensor", rows, cols));
  return static_cast<long>(rows) * cols;
}

// ---- by-name construction from PyTorch-style keywords ----

class HyperReader {
 public:
  HyperReader(const std::string& optimizer, const nlohmann::json& hyper) : optimizer_(optimizer), hyper_(hyper) {
    if (!hyper_.is_object()) fail("(hyper)", fmt::format("expected an object, found {}", hyper_.type_name()));
  }
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw InputError(fmt::format("optimizer '{}': key \"{}\": {}", optimizer_, key, problem));
  }
  // Rejects keys this optimizer does not take, so a typo cannot silently use a default.
  void allow_only(std::initializer_list<const char*> keys) const {
    for (const auto& [key, value] : hyper_.items()) {
      if (key == "lr") continue;
      if (std::none_of(keys.begin(), keys.end(), [&](const char* allowed) { return key == allowed; })) {
        fail(key, "not a hyperparameter of this optimizer");
      }
    }
  }
  void read(const char* key, double& target) const {
    const auto found = hyper_.find(key);
    if (found == hyper_.end()) return;
    if (!found->is_number()) fail(key, fmt::format("expected a number, found {}", found->dump()));
    target = found->get<double>();
  }
  void read(const char* key, bool& target) const {
    const auto found = hyper_.find(key);
    if (found == hyper_.end()) return;
    if (!found->is_boolean()) fail(key, fmt::format("expected true or false, found {}", found->dump()));
    target = found->get<bool>();
  }
  void read_betas(double& beta1, double& beta2) const {
    const auto found = hyper_.find("betas");
    if (found == hyper_.end()) return;
    if (!found->is_array() || found->size() != 2 || !(*found)[0].is_number() || !(*found)[1].is_number()) {
      fail("betas", fmt::format("expected [beta1, beta2], found {}", found->dump()));
    }
    beta1 = (*found)[0].get<double>();
    beta2 = (*found)[1].get<double>();
  }

 private:
  std::string optimizer_;
  const nlohmann::json& hyper_;
};

}  // namespace

template <class T>
OptimizerFactory<T> sgd_optimizer(const SgdHyper& hyper) {
  return [hyper](int rows, int cols) -> std::unique_ptr<TensorOptimizer<T>> {
    const long size = element_count(rows, cols);
    if (hyper.momentum == 0) return std::make_unique<Sgd<T>>(size);
    return std::make_unique<SgdMomentum<T>>(hyper, size);
  };
}

template <class T>
OptimizerFactory<T> rmsprop_optimizer(const RmspropHyper& hyper) {
  return [hyper](int rows, int cols) { return std::make_unique<Rmsprop<T>>(hyper, element_count(rows, cols)); };
}

template <class T>
OptimizerFactory<T> adam_optimizer(const AdamHyper& hyper) {
  const AdamwHyper as_adamw{.beta1 = hyper.beta1, .beta2 = hyper.beta2, .epsilon = hyper.epsilon,
                            .weight_decay = 0, .bias_correction = true};
  return adamw_optimizer<T>(as_adamw);
}

template <class T>
OptimizerFactory<T> adamw_optimizer(const AdamwHyper& hyper) {
  return [hyper](int rows, int cols) { return std::make_unique<Adamw<T>>(hyper, element_count(rows, cols)); };
}

template <class T>
OptimizerFactory<T> lion_optimizer(const LionHyper& hyper) {
  return [hyper](int rows, int cols) { return std::make_unique<Lion<T>>(hyper, element_count(rows, cols)); };
}

template <class T>
OptimizerFactory<T> native_optimizer(const std::string& name, const nlohmann::json& hyper) {
  const HyperReader reader(name, hyper);
  if (name == "sgd" || name == "sgd_momentum") {
    SgdHyper settings;
    reader.allow_only({"momentum"});
    reader.read("momentum", settings.momentum);
    return sgd_optimizer<T>(settings);
  }
  if (name == "rmsprop") {
    RmspropHyper settings;
    reader.allow_only({"alpha", "eps"});
    reader.read("alpha", settings.alpha);
    reader.read("eps", settings.epsilon);
    return rmsprop_optimizer<T>(settings);
  }
  if (name == "adam" || name == "adamw") {
    // Adam is AdamW without decay (adam_optimizer); it takes neither decay key.
    AdamwHyper settings;
    if (name == "adam") {
      settings.weight_decay = 0;
      reader.allow_only({"betas", "eps"});
    } else {
      reader.allow_only({"betas", "eps", "weight_decay", "bias_correction"});
    }
    reader.read_betas(settings.beta1, settings.beta2);
    reader.read("eps", settings.epsilon);
    reader.read("weight_decay", settings.weight_decay);
    reader.read("bias_correction", settings.bias_correction);
    return adamw_optimizer<T>(settings);
  }
  if (name == "lion") {
    LionHyper settings;
    reader.allow_only({"betas", "weight_decay"});
    reader.read_betas(settings.beta1, settings.beta2);
    reader.read("weight_decay", settings.weight_decay);
    return lion_optimizer<T>(settings);
  }
  throw InputError(fmt::format("no native optimizer named '{}' (known: sgd, sgd_momentum, rmsprop, adam, adamw, lion)", name));
}

#define SYMOPT_INSTANTIATE_NATIVE_OPTIMIZERS(T)                                            \
  template OptimizerFactory<T> sgd_optimizer<T>(const SgdHyper&);                          \
  template OptimizerFactory<T> rmsprop_optimizer<T>(const RmspropHyper&);                  \
  template OptimizerFactory<T> adam_optimizer<T>(const AdamHyper&);                        \
  template OptimizerFactory<T> adamw_optimizer<T>(const AdamwHyper&);                      \
  template OptimizerFactory<T> lion_optimizer<T>(const LionHyper&);                        \
  template OptimizerFactory<T> native_optimizer<T>(const std::string&, const nlohmann::json&);
SYMOPT_INSTANTIATE_NATIVE_OPTIMIZERS(float)
SYMOPT_INSTANTIATE_NATIVE_OPTIMIZERS(double)
#undef SYMOPT_INSTANTIATE_NATIVE_OPTIMIZERS

}  // namespace symopt
