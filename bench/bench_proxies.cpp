// Proxy-task speed, each figure against a baseline measured in the same run:
// (a) AdamW training steps/s on the 64-128-10 digits MLP (batch 64) vs the same model and loop in
//     PyTorch eager on one thread (bench/torch_mlp_digits.py),
// (b) the medium mlp-digits rung's achieved FLOP/s vs Eigen's own large float32 GEMM,
// (c) the wall time of a full AdamW training run per task and rung (the size ladder in seconds),
// (d) evaluations per second of the tiny suite (Evaluator::evaluate_all) on 1 and 2 threads.
// Usage: bench_proxies [--parts abcd] [--medium] [--steps N]
//        bench_proxies --sweep RUNG [SEEDS]   (AdamW's and Lion's best rates per task; how the
//                                              tasks' fixed rates were chosen)
#include "dsl/analyzer.h"
#include "dsl/interpreter.h"
#include "dsl/parser.h"
#include "evaluator/baselines.h"
#include "evaluator/evaluator.h"
#include "evaluator/lr_sweep.h"
#include "evaluator/native_optimizers.h"
#include "evaluator/trainer.h"
#include "proxies/digits_classifier_task.h"
#include "proxies/proxy_task.h"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <Eigen/Core>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <unistd.h>
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

// (a) Steps per second of the 64-128-10 MLP, batch 64, AdamW, through the evaluator's own
// training loop (symopt::train: minibatch, exact gradient, per-tensor optimizer step).
double trainer_steps_per_second(const ProxyTask& task, const OptimizerFactory<float>& optimizer, int steps) {
  TrainingOptions options;
  options.learning_rate = 1e-3;
  options.seed = 1;
  options.steps = 200;
  symopt::train(task, optimizer, options);  // warm-up
  options.steps = steps;
  const auto start = Clock::now();
  const TrainingResult result = symopt::train(task, optimizer, options);
  const double seconds = seconds_since(start);
  if (result.diverged) throw std::runtime_error("(a): AdamW diverged on the 64-128-10 MLP");
  return steps / seconds;
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

// A Python that can import torch: $SYMOPT_TORCH_PYTHON ("none" skips PyTorch, e.g. under
// callgrind), else Debian's /usr/bin/python3 (which has python3-torch), else python3 on the
// PATH; empty when none can.
std::string python_with_torch() {
  std::vector<std::string> candidates;
  if (const char* chosen = std::getenv("SYMOPT_TORCH_PYTHON"); chosen != nullptr && *chosen != '\0') {
    if (std::string(chosen) == "none") return {};
    candidates.push_back(chosen);
  }
  candidates.push_back("/usr/bin/python3");
  candidates.push_back("python3");
  for (const std::string& python : candidates) {
    if (run_command(fmt::format("'{}' -c 'import torch' 2>/dev/null && echo ok", python)).find("ok") !=
        std::string::npos) {
      return python;
    }
  }
  return {};
}

// The same AdamW as the native one, written as a program: what a search candidate costs.
constexpr const char* adamw_program_text = R"(def train(w, g, lr, t, m, v):
    m = interp(g, m, 0.9)
    v = interp(square(g), v, 0.999)
    m_hat = m / (1 - 0.9 ** t)
    v_hat = v / (1 - 0.999 ** t)
    update = lr * (m_hat / (sqrt(v_hat) + 1e-08) + 0.01 * w)
    return update, m, v
)";

void compare_with_pytorch(int steps) {
  const DigitsClassifierConfig config{.hidden_width = 128, .batch_size = 64, .steps = steps, .learning_rate = 1e-3};
  const auto task = make_digits_classifier_task("mlp-digits", Rung::small, config,
                                                load_digits(default_data_dir() / "digits.csv.gz"));
  const double native = trainer_steps_per_second(*task, adamw_optimizer<float>(baseline_adamw_hyper()), steps);
  const auto program = std::make_shared<const CompiledProgram>(compile_program(analyze(parse_program(adamw_program_text))));
  const double interpreted = trainer_steps_per_second(*task, program_optimizer_factory<float>(program), steps);
  fmt::print("(a) mlp-digits 64-128-10, batch 64, AdamW (decay 0.01), float32, one thread, {} steps\n", steps);
  fmt::print("    symopt, native AdamW:      {:10.0f} steps/s\n", native);
  fmt::print("    symopt, AdamW program:     {:10.0f} steps/s  (through the interpreter)\n", interpreted);
  const std::string python = python_with_torch();
  if (python.empty()) {
    fmt::print("    pytorch eager:             skipped (no python3 here can import torch)\n");
    return;
  }
  const std::string script = std::string(SYMOPT_SOURCE_DIR) + "/bench/torch_mlp_digits.py";
  const std::string output = run_command(fmt::format("'{}' '{}' --data '{}' --steps {}", python, script,
                                                     (default_data_dir() / "digits.csv.gz").string(), steps));
  const auto marker = output.find("steps_per_second");
  if (marker == std::string::npos) {
    fmt::print("    pytorch eager:             failed (no figure from {} {})\n", python, script);
    return;
  }
  const double torch = std::stod(output.substr(marker + std::strlen("steps_per_second")));
  fmt::print("    pytorch eager ({}): {:10.0f} steps/s  (bench/torch_mlp_digits.py)\n", python, torch);
  fmt::print("    ratio native/pytorch:      {:10.1f}x   (goal >= 10x)\n", native / torch);
  fmt::print("    ratio program/pytorch:     {:10.1f}x\n", interpreted / torch);
}

// (b) The medium mlp-digits rung's gradient FLOP/s against a 1024^3 float GEMM, one thread.
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
  const TaskDescription& description = task->description();
  auto model = task->make_model_f32(1);
  std::vector<Tensor<float>> params;
  model->initialize(1, params);
  auto grads = params;
  for (long step = 0; step < 20; ++step) model->loss_and_gradient(params, step, grads);
  long steps = 0;
  const auto start = Clock::now();
  while (steps < 100 || seconds_since(start) < 1.0) model->loss_and_gradient(params, steps++, grads);
  const double model_flops = description.flops_per_step * steps / seconds_since(start);

  TrainingOptions options;
  options.seed = 1;
  const auto run_start = Clock::now();
  symopt::train(*task, adamw_optimizer<float>(baseline_adamw_hyper()), options);
  const double run_flops = description.flops_per_step * description.steps / seconds_since(run_start);

  fmt::print("(b) {} [{}], one thread\n", description.summary, rung_name(description.rung));
  fmt::print("    Eigen GEMM {}^3 float:      {:7.2f} GFLOP/s\n", size, gemm_flops * 1e-9);
  fmt::print("    loss_and_gradient:          {:7.2f} GFLOP/s = {:5.1f}% of GEMM   (goal >= 30%)\n",
             model_flops * 1e-9, 100 * model_flops / gemm_flops);
  fmt::print("    full run incl. AdamW+valid: {:7.2f} GFLOP/s = {:5.1f}% of GEMM\n", run_flops * 1e-9,
             100 * run_flops / gemm_flops);
}

// (c) One full AdamW training run per task and rung, through symopt::train.
void time_training_runs(const std::vector<Rung>& rungs) {
  fmt::print("(c) full training run (native AdamW at the task's rate, float32, one thread)\n");
  fmt::print("    {:15} {:7} {:>6} {:>10} {:>8} {:>10} {:>9} {:>9}\n", "task", "rung", "steps", "ms/run", "x below",
             "us/step", "GFLOP/s", "val loss");
  const OptimizerFactory<float> adamw = adamw_optimizer<float>(baseline_adamw_hyper());
  for (const auto& name : task_names()) {
    double previous_seconds = 0;
    for (const Rung rung : rungs) {
      const auto task = load_task(name, rung, default_data_dir());
      const TaskDescription& description = task->description();
      TrainingOptions options;
      options.seed = 1;
      options.steps = std::min(description.steps, 20);
      symopt::train(*task, adamw, options);  // warm-up
      options.steps = 0;
      const auto start = Clock::now();
      const TrainingResult run = symopt::train(*task, adamw, options);
      const double seconds = seconds_since(start);
      fmt::print("    {:15} {:7} {:6} {:10.2f} {:>8} {:10.1f} {:9.2f} {:9.4f}\n", name, rung_name(rung), description.steps,
                 seconds * 1e3, previous_seconds > 0 ? fmt::format("{:.1f}x", seconds / previous_seconds) : "",
                 seconds * 1e6 / description.steps, description.flops_per_step * description.steps / seconds * 1e-9,
                 run.validation_loss);
      previous_seconds = seconds;
    }
  }
}

// (d) Evaluations per second of the tiny suite: distinct programs (Adam-like, each with its
// own beta1, so that the fitness cache answers none of them) evaluated in one batch, every
// (program, task) run in Evaluator::evaluate_all's parallel loop. AdamW baselines are computed
// before timing.
std::vector<AnalyzedProgram> distinct_programs(int count) {
  std::vector<AnalyzedProgram> programs;
  for (int i = 0; i < count; ++i) {
    programs.push_back(analyze(parse_program(fmt::format(
        "def train(w, g, lr, m, v):\n"
        "    m = interp(g, m, {})\n"
        "    v = interp(square(g), v, 0.999)\n"
        "    return lr * (m / (sqrt(v) + 1e-8) + 0.01 * w), m, v\n",
        0.5 + 0.45 * i / count))));
  }
  return programs;
}

void suite_scaling(int program_count) {
  SuiteConfig config;
  config.tasks = task_names();
  config.rung = Rung::tiny;
  config.seeds = 1;
  const auto cache = std::filesystem::temp_directory_path() / fmt::format("symopt_bench_baselines_{}", ::getpid());
  config.baseline_cache = cache;
  const std::vector<AnalyzedProgram> programs = distinct_programs(program_count);
  fmt::print("(d) tiny suite ({} tasks, 1 seed): {} distinct programs in one evaluate_all batch\n",
             config.tasks.size(), program_count);
  double one_thread = 0;
  for (const int threads : {1, 2}) {
    const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    Evaluator evaluator(config);  // baselines: computed on the first pass, read from `cache` after
    const auto start = Clock::now();
    const std::vector<Fitness> results = evaluator.evaluate_all(programs);
    const double per_second = program_count / seconds_since(start);
    if (evaluator.cache_statistics().evaluations != program_count) {
      throw std::runtime_error("(d): the fitness cache merged programs meant to be distinct");
    }
    if (threads == 1) one_thread = per_second;
    fmt::print("    {} thread(s): {:7.2f} program evaluations/s = {:7.1f} training runs/s{}\n", threads, per_second,
               per_second * config.tasks.size(),
               threads == 1 ? std::string() : fmt::format("   scaling {:.2f}x (goal >= 1.8x)", per_second / one_thread));
  }
  std::filesystem::remove_all(cache);
}

// --sweep: final validation loss (mean over seeds) of AdamW and Lion on a log grid of rates.
void sweep_learning_rates(Rung rung, int seeds) {
  std::vector<double> rates;  // quarter decades from 1e-4 to ~0.3
  for (int k = -16; k <= -2; ++k) rates.push_back(std::pow(10.0, k / 4.0));
  const std::vector<std::uint64_t> seed_values = seed_list(1, seeds);
  const std::pair<const char*, OptimizerFactory<float>> optimizers[] = {
      {"AdamW", adamw_optimizer<float>(baseline_adamw_hyper())}, {"Lion", lion_optimizer<float>(comparison_lion_hyper())}};
  for (const auto& name : task_names()) {
    const auto task = load_task(name, rung, default_data_dir());
    fmt::print("{} [{}]: {} (task rate {:g})\n", name, rung_name(rung), task->description().summary,
               task->description().learning_rate);
    for (const auto& [optimizer_name, optimizer] : optimizers) {
      double best_loss = std::numeric_limits<double>::infinity(), best_rate = 0;
      fmt::print("  {:6}", optimizer_name);
      for (const double rate : rates) {
        const SeedRuns runs = train_over_seeds(*task, optimizer, rate, seed_values, TrainingOptions{});
        fmt::print(" {:g}:{:.4g}", rate, runs.mean_loss);
        if (runs.mean_loss < best_loss) best_loss = runs.mean_loss, best_rate = rate;
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
    std::string parts = "abcd";
    std::vector<Rung> rungs = {Rung::tiny, Rung::small};
    int steps = 3000;
    for (int i = 1; i < argc; ++i) {
      const std::string argument = argv[i];
      if (argument == "--medium") {
        rungs.push_back(Rung::medium);
      } else if (argument == "--parts" && i + 1 < argc) {
        parts = argv[++i];
      } else if (argument == "--steps" && i + 1 < argc) {
        steps = std::stoi(argv[++i]);
      } else {
        throw std::runtime_error(fmt::format("unknown argument '{}' (see the header of bench_proxies.cpp)", argument));
      }
    }
    fmt::print("bench_proxies: Eigen {}.{}.{}, SIMD: {}\n", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION,
               EIGEN_MINOR_VERSION, Eigen::SimdInstructionSetsInUse());
    std::fflush(stdout);
    // (a)-(c) are single-threaded by construction; pin TBB to one thread there anyway.
    {
      const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
      if (parts.find('a') != std::string::npos) compare_with_pytorch(steps), std::fflush(stdout);
      if (parts.find('b') != std::string::npos) compare_with_gemm(), std::fflush(stdout);
      if (parts.find('c') != std::string::npos) time_training_runs(rungs), std::fflush(stdout);
    }
    if (parts.find('d') != std::string::npos) suite_scaling(32);
  } catch (const std::exception& error) {
    fmt::print(stderr, "bench_proxies: {}\n", error.what());
    return 1;
  }
  return 0;
}
