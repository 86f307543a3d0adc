// The noisy quadratic f(W) = 1/2 <W - W*, L (W - W*) R>, with L and R symmetric positive
// definite (log-spaced eigenvalues in random rotations), so that the Hessian is L (x) R with
// eigenvalues in [1/condition_number, 1]. Step s sees the loss f(W) + <n_s, W>, whose
// gradient is the exact gradient plus the noise n_s = noise_scale L^1/2 Z_s R^1/2, Z_s
// standard normal: noise covariance noise_scale^2 (L (x) R), largest along stiff directions.
#include "proxies/quadratic_task.h"

#include "proxies/dense_layers.h"
#include "proxies/model_task.h"

#include <Eigen/QR>
#include <fmt/format.h>

#include <cmath>
#include <numbers>

namespace symopt {
namespace {

// The curvature and minimizer depend only on the shape: the same problem for every seed.
constexpr std::uint64_t problem_seed = 0x9ad2a71cULL;

struct QuadraticProblem {
  RowMatrix<double> left, right;            // L and R
  RowMatrix<double> left_sqrt, right_sqrt;  // their symmetric square roots
  RowMatrix<double> minimizer;              // W*
};

// Q diag(eigenvalues) Q^T and Q diag(sqrt(eigenvalues)) Q^T for a random rotation Q, the
// eigenvalues log-spaced from 1 down to 1 / spread.
void make_factor(int size, double spread, std::uint64_t stream, RowMatrix<double>& matrix,
                 RowMatrix<double>& matrix_sqrt) {
  Eigen::MatrixXd gaussian(size, size);
  const CounterRandom random(problem_seed, stream);
  for (int i = 0; i < gaussian.size(); ++i) gaussian.data()[i] = random.gaussian(static_cast<std::uint64_t>(i));
  const Eigen::MatrixXd rotation = Eigen::HouseholderQR<Eigen::MatrixXd>(gaussian).householderQ();
  Eigen::VectorXd eigenvalues(size);
  for (int i = 0; i < size; ++i) {
    const double position = size == 1 ? 0.0 : static_cast<double>(i) / (size - 1);
    eigenvalues[i] = std::pow(spread, -position);
  }
  matrix = rotation * eigenvalues.asDiagonal() * rotation.transpose();
  matrix_sqrt = rotation * eigenvalues.cwiseSqrt().asDiagonal() * rotation.transpose();
}

template <class T>
class QuadraticModel final : public ProxyModel<T> {
 public:
  QuadraticModel(const QuadraticConfig& config, std::shared_ptr<const QuadraticProblem> problem,
                 std::uint64_t data_seed)
      : config_(config),
        data_seed_(data_seed),
        shapes_{{config.rows, config.cols}},
        left_(problem->left.cast<T>()),
        right_(problem->right.cast<T>()),
        left_sqrt_(problem->left_sqrt.cast<T>()),
        right_sqrt_(problem->right_sqrt.cast<T>()),
        minimizer_(problem->minimizer.cast<T>()),
        difference_(config.rows, config.cols),
        left_product_(config.rows, config.cols),
        noise_(config.rows, config.cols),
        radius_((noise_.size() + 1) / 2),
        angle_((noise_.size() + 1) / 2) {}

  std::vector<TensorShape> parameter_shapes() const override { return shapes_; }

  void initialize(std::uint64_t seed, std::vector<Tensor<T>>& params) const override {
    zero_parameters(parameter_shapes(), params);
    fill_gaussian(params[0], 1.0, seed, 0);
  }

  T loss_and_gradient(std::span<const Tensor<T>> params, long step, std::span<Tensor<T>> grads) override {
    check_tensor_shapes(params, shapes_, "parameter");
    check_tensor_shapes(grads, shapes_, "gradient");
    const auto weights = as_matrix(params[0], shapes_[0]);
    auto gradient = as_matrix(grads[0], shapes_[0]);
    const T objective = exact_objective(weights, gradient);

    draw_standard_normals(step);
    multiply<T>(left_product_, left_sqrt_, noise_);
    multiply<T>(noise_, left_product_, right_sqrt_);
    noise_ *= static_cast<T>(config_.noise_scale);
    gradient += noise_;
    return objective + noise_.cwiseProduct(weights).sum();
  }

  ValidationMetrics validate(std::span<const Tensor<T>> params) override {
    check_tensor_shapes(params, shapes_, "parameter");
    return {static_cast<double>(exact_objective(as_matrix(params[0], shapes_[0]), noise_)), std::nullopt};
  }

 private:
  // f(W), with its gradient L (W - W*) R written to `gradient`.
  T exact_objective(const Eigen::Map<const RowMatrix<T>>& weights, Eigen::Ref<RowMatrix<T>> gradient) {
    difference_ = weights - minimizer_;
    multiply<T>(left_product_, left_, difference_);
    multiply<T>(gradient, left_product_, right_);
    return T(0.5) * difference_.cwiseProduct(gradient).sum();
  }

  // noise_ = standard normals for this step: Box-Muller on counter-based uniforms, both of
  // each pair's outputs used, the transcendental part vectorized by Eigen.
  void draw_standard_normals(long step) {
    const CounterRandom random(data_seed_, static_cast<std::uint64_t>(step));
    const Eigen::Index half = radius_.size();
    for (Eigen::Index i = 0; i < half; ++i) {
      radius_[i] = static_cast<T>(random.uniform(static_cast<std::uint64_t>(2 * i)));
      angle_[i] = static_cast<T>(random.uniform(static_cast<std::uint64_t>(2 * i + 1)));
    }
    radius_ = (T(-2) * radius_.log()).sqrt();
    angle_ *= static_cast<T>(2 * std::numbers::pi);
    Eigen::Map<Tensor<T>> normals(noise_.data(), noise_.size());
    normals.head(half) = radius_ * angle_.cos();
    normals.tail(noise_.size() - half) = (radius_ * angle_.sin()).head(noise_.size() - half);
  }

  QuadraticConfig config_;
  std::uint64_t data_seed_;
  std::vector<TensorShape> shapes_;  // the one parameter matrix
  RowMatrix<T> left_, right_, left_sqrt_, right_sqrt_, minimizer_;
  RowMatrix<T> difference_, left_product_, noise_;
  Tensor<T> radius_, angle_;  // Box-Muller scratch, half the parameter count each
};

}  // namespace

QuadraticConfig quadratic_config(Rung rung) {
  // Doubling both sides is 8x the work per step; the steps make up the rest of ~10x.
  switch (rung) {
    case Rung::tiny: return {.rows = 16, .cols = 32, .steps = 200};
    case Rung::small: return {.rows = 32, .cols = 64, .steps = 250};
    case Rung::medium: return {.rows = 64, .cols = 128, .steps = 300};
    case Rung::large: return {.rows = 128, .cols = 256, .steps = 400};
  }
  throw std::runtime_error("quadratic: unknown rung");
}

std::shared_ptr<const ProxyTask> make_quadratic_task(Rung rung, const QuadraticConfig& config) {
  if (config.rows < 1 || config.cols < 1 || config.condition_number < 1 || config.steps < 1) {
    throw std::runtime_error("quadratic: rows, cols, steps must be >= 1 and condition_number >= 1");
  }
  auto problem = std::make_shared<QuadraticProblem>();
  // Split the conditioning evenly: the Hessian's extreme eigenvalues are products.
  const double spread = std::sqrt(config.condition_number);
  make_factor(config.rows, spread, 1, problem->left, problem->left_sqrt);
  make_factor(config.cols, spread, 2, problem->right, problem->right_sqrt);
  problem->minimizer.resize(config.rows, config.cols);
  const CounterRandom random(problem_seed, 3);
  for (int i = 0; i < problem->minimizer.size(); ++i) {
    problem->minimizer.data()[i] = random.gaussian(static_cast<std::uint64_t>(i));
  }

  TaskDescription description = describe_task("quadratic", rung, config.steps, 0, config.learning_rate);
  description.summary = fmt::format(
      "noisy quadratic in a {}x{} matrix, Hessian L(x)R with condition number {:g}, noise scale {:g}",
      config.rows, config.cols, config.condition_number, config.noise_scale);
  description.metric = "noise-free objective f(W) (0 at the minimizer)";
  // Four matrix products (gradient and noise), each side: 2 r c (r + c) flops per pair.
  const double r = config.rows, c = config.cols;
  description.flops_per_step = 4.0 * r * c * (r + c);
  return std::make_shared<ModelTask<QuadraticModel, QuadraticConfig, QuadraticProblem>>(
      std::move(description), config, std::move(problem));
}

}  // namespace symopt
