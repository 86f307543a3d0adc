// Proxy-task speed, measured against baselines in the same run: (a) a native Adam loop on the
// 64-128-10 digits MLP vs the same loop in PyTorch eager, (b) the medium mlp-digits rung's
// FLOP/s vs Eigen's own large GEMM, (c) the wall time of a full training run per task and rung.
// With --sweep RUNG it instead sweeps AdamW's and Lion's learning rates on every task (how the
// tasks' fixed learning rates were chosen).
#include "proxies/digits_classifier_task.h"
#include "proxies/proxy_task.h"

#include <fmt/format.h>

#include <Eigen/Core>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#ifndef SYMOPT_SOURCE_DIR
#error "SYMOPT_SOURCE_DIR must be defined by the build"
#endif

namespace symopt {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

enum class Optimizer { adam, adamw, lion };

// The native per-tensor update rules, as the evaluator's baselines (evaluator/baselines.h):
// `adam` is torch.optim.Adam; `adamw` is torch.optim.AdamW (bias-corrected, decay 0.01), the
// fitness baseline; `lion` is Lion (betas 0.9, 0.99) with decay 0.1, which keeps the product
// lr * decay comparable at Lion's typically ~10x smaller rate.
struct OptimizerState {
  std::vector<Tensor<float>> first_moment, second_moment;
};

void optimizer_step(Optimizer optimizer, std::vector<Tensor<float>>& params, const std::vector<Tensor<float>>& grads,
                    OptimizerState& state, float learning_rate, long step) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    Tensor<float>& w = params[i];
    const Tensor<float>& g = grads[i];
    Tensor<float>& m = state.first_moment[i];
    Tensor<float>& v = state.second_moment[i];
    switch (optimizer) {
      case Optimizer::adam:
      case Optimizer::adamw: {
        if (optimizer == Optimizer::adamw) w *= 1.0f - learning_rate * 0.01f;
        const float correction1 = 1.0f - std::pow(0.9f, static_cast<float>(step));
        const float correction2 = 1.0f - std::pow(0.999f, static_cast<float>(step));
        m = 0.9f * m + 0.1f * g;
        v = 0.999f * v + 0.001f * g.square();
        w -= (learning_rate / correction1) * m / (v.sqrt() / std::sqrt(correction2) + 1e-8f);
        break;
      }
      case Optimizer::lion:
        w -= learning_rate * ((0.1f * g + 0.9f * m).sign() + 0.1f * w);
        m = 0.01f * g + 0.99f * m;
        break;
    }
  }
}

struct RunResult {
  double validation_loss = 0;
  double seconds = 0;
  bool diverged = false;
};

RunResult train(const ProxyTask& task, Optimizer optimizer, double learning_rate, std::uint64_t seed, int steps) {
  auto model = task.make_model_f32(seed);
  std::vector<Tensor<float>> params;
  model->initialize(seed, params);
  std::vector<Tensor<float>> grads = params;
  OptimizerState state{params, params};
  for (auto& tensor : state.first_moment) tensor.setZero();
  for (auto& tensor : state.second_moment) tensor.setZero();
  RunResult result;
  const auto start = Clock::now();
  for (long step = 0; step < steps; ++step) {
    model->loss_and_gradient(params, step, grads);
    optimizer_step(optimizer, params, grads, state, static_cast<float>(learning_rate), step + 1);
  }
  for (const auto& tensor : params) result.diverged = result.diverged || !tensor.isFinite().all();
  result.validation_loss = result.diverged ? std::numeric_limits<double>::infinity() : model->validate(params).loss;
  result.seconds = seconds_since(start);
  return result;
}

// (a) Steps per second of the 64-128-10 MLP, batch 64, with textbook Adam.
double native_mlp_steps_per_second(int steps) {
  const DigitsClassifierConfig config{.hidden_width = 128, .batch_size = 64, .steps = steps, .learning_rate = 1e-3};
  const auto task = make_digits_classifier_task("mlp-digits", Rung::small, config,
                                                load_digits(default_data_dir() / "digits.csv.gz"));
  train(*task, Optimizer::adam, 1e-3, 1, 200);  // warm-up
  const RunResult run = train(*task, Optimizer::adam, 1e-3, 1, steps);
  return steps / run.seconds;
}

// Runs a command and returns its standard output (empty on failure).
std::string run_command(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  return pclose(pipe) == 0 ? output : std::string();
}

void compare_with_pytorch(int steps) {
  const double native = native_mlp_steps_per_second(steps);
  fmt::print("(a) mlp-digits 64-128-10, batch 64, Adam, float32, one thread\n");
  fmt::print("    native (this build):   {:10.0f} steps/s\n", native);
  if (run_command("python3 -c 'import torch' 2>/dev/null && echo ok").find("ok") == std::string::npos) {
    fmt::print("    pytorch eager:         skipped (python3 cannot import torch)\n");
    return;
  }
  const std::string script = std::string(SYMOPT_SOURCE_DIR) + "/bench/torch_mlp_digits.py";
  const std::string output = run_command(fmt::format("python3 '{}' --data '{}' --steps {}", script,
                                                     (default_data_dir() / "digits.csv.gz").string(), steps));
  const auto marker = output.find("steps_per_second");
  if (marker == std::string::npos) {
    fmt::print("    pytorch eager:         failed (no figure from {})\n", script);
    return;
  }
  const double torch = std::stod(output.substr(marker + std::strlen("steps_per_second")));
  fmt::print("    pytorch eager:         {:10.0f} steps/s\n", torch);
  fmt::print("    ratio native/pytorch:  {:10.1f}x   (goal >= 10x)\n", native / torch);
}

// (b) The medium mlp-digits rung's gradient FLOP/s against a 1024^3 float GEMM.
void compare_with_gemm() {
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int size = 1024;
  const Matrix a = Matrix::Random(size, size), b = Matrix::Random(size, size);
  Matrix c(size, size);
  c.noalias() = a * b;  // warm-up
  int repetitions = 0;
  const auto gemm_start = Clock::now();
  while (repetitions < 3 || seconds_since(gemm_start) < 1.0) {
    c.noalias() = a * b;
    ++repetitions;
  }
  const double gemm_flops = 2.0 * size * size * size * repetitions / seconds_since(gemm_start);

  const auto task = load_task("mlp-digits", Rung::medium, default_data_dir());
  auto model = task->make_model_f32(1);
  std::vector<Tensor<float>> params;
  model->initialize(1, params);
  auto grads = params;
  for (long step = 0; step < 20; ++step) model->loss_and_gradient(params, step, grads);
  long steps = 0;
  const auto start = Clock::now();
  while (steps < 100 || seconds_since(start) < 1.0) model->loss_and_gradient(params, steps++, grads);
  const double model_flops = task->description().flops_per_step * steps / seconds_since(start);
  const RunResult run = train(*task, Optimizer::adamw, task->description().learning_rate, 1, task->description().steps);
  const double run_flops = task->description().flops_per_step * task->description().steps / run.seconds;

  fmt::print("(b) {} [{}]\n", task->description().summary, rung_name(task->description().rung));
  fmt::print("    Eigen GEMM {}^3 float:      {:7.2f} GFLOP/s\n", size, gemm_flops * 1e-9);
  fmt::print("    loss_and_gradient:          {:7.2f} GFLOP/s = {:5.1f}% of GEMM   (goal >= 30%)\n",
             model_flops * 1e-9, 100 * model_flops / gemm_flops);
  fmt::print("    full run incl. AdamW+valid: {:7.2f} GFLOP/s = {:5.1f}% of GEMM\n", run_flops * 1e-9,
             100 * run_flops / gemm_flops);
}

// (c) One full AdamW training run per task and rung.
void time_training_runs(const std::vector<Rung>& rungs) {
  fmt::print("(c) full training run (native AdamW at the task's rate, float32, one thread)\n");
  fmt::print("    {:15} {:7} {:>6} {:>10} {:>10} {:>10} {:>9}\n", "task", "rung", "steps", "ms/run", "us/step",
             "GFLOP/s", "val loss");
  for (const auto& name : task_names()) {
    for (const Rung rung : rungs) {
      const auto task = load_task(name, rung, default_data_dir());
      const TaskDescription& description = task->description();
      train(*task, Optimizer::adamw, description.learning_rate, 1, std::min(description.steps, 20));  // warm-up
      const RunResult run = train(*task, Optimizer::adamw, description.learning_rate, 1, description.steps);
      fmt::print("    {:15} {:7} {:6} {:10.2f} {:10.1f} {:10.2f} {:9.4f}\n", name, rung_name(rung), description.steps,
                 run.seconds * 1e3, run.seconds * 1e6 / description.steps,
                 description.flops_per_step * description.steps / run.seconds * 1e-9, run.validation_loss);
    }
  }
}

// --sweep: final validation loss (mean over seeds) of AdamW and Lion on a log grid of rates.
void sweep_learning_rates(Rung rung, int seeds) {
  std::vector<double> rates;  // quarter decades from 1e-4 to ~0.3
  for (int k = -16; k <= -2; ++k) rates.push_back(std::pow(10.0, k / 4.0));
  for (const auto& name : task_names()) {
    const auto task = load_task(name, rung, default_data_dir());
    fmt::print("{} [{}]: {} (task rate {:g})\n", name, rung_name(rung), task->description().summary,
               task->description().learning_rate);
    for (const Optimizer optimizer : {Optimizer::adamw, Optimizer::lion}) {
      double best_loss = std::numeric_limits<double>::infinity(), best_rate = 0;
      fmt::print("  {:6}", optimizer == Optimizer::adamw ? "AdamW" : "Lion");
      for (const double rate : rates) {
        double total = 0;
        for (int seed = 1; seed <= seeds; ++seed) {
          total += train(*task, optimizer, rate, static_cast<std::uint64_t>(seed), task->description().steps)
                       .validation_loss;
        }
        const double mean = total / seeds;
        fmt::print(" {:g}:{:.4g}", rate, mean);
        if (mean < best_loss) best_loss = mean, best_rate = rate;
      }
      fmt::print("\n  {:6} best rate {:g} -> {:.4f}\n", "", best_rate, best_loss);
    }
    std::fflush(stdout);
  }
}

}  // namespace
}  // namespace symopt

int main(int argc, char** argv) {
  using namespace symopt;
  try {
    if (argc >= 3 && std::string(argv[1]) == "--sweep") {
      const auto rung = parse_rung(argv[2]);
      if (!rung) throw std::runtime_error(fmt::format("unknown rung '{}'", argv[2]));
      sweep_learning_rates(*rung, argc >= 4 ? std::stoi(argv[3]) : 3);
      return 0;
    }
    std::vector<Rung> rungs = {Rung::tiny, Rung::small};
    if (argc >= 2 && std::string(argv[1]) == "--medium") rungs.push_back(Rung::medium);
    fmt::print("bench_proxies: Eigen {}.{}.{}, SIMD: {}\n", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION,
               EIGEN_MINOR_VERSION, Eigen::SimdInstructionSetsInUse());
    compare_with_pytorch(3000);
    compare_with_gemm();
    time_training_runs(rungs);
  } catch (const std::exception& error) {
    fmt::print(stderr, "bench_proxies: {}\n", error.what());
    return 1;
  }
  return 0;
}
