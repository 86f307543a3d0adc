// Proxy-task speed, each figure against a baseline measured in the same run:
// (a) AdamW training steps/s on the 64-128-10 digits MLP (batch 64) vs the same model and loop in
//     PyTorch eager on one thread (bench/torch_mlp_digits.py),
// (b) the medium mlp-digits rung's achieved FLOP/s vs Eigen's own large float32 GEMM,
// (c) the wall time of a full AdamW training run per task and rung (the size ladder in seconds),
// (d) evaluations per second of the tiny suite (Evaluator::evaluate_all) on 1 and 2 threads,
//     with a trace of every training run of the batch (worker, wall and CPU time) that shows
//     where the 2-thread time goes: serial work, idle workers at the tail, slower runs.
// Usage: bench_proxies [--parts abcd] [--medium] [--steps N] [--batch PROGRAMS]
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
#include "proxies/build_info.h"
#include "proxies/digits_classifier_task.h"
#include "proxies/proxy_task.h"

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <Eigen/Core>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <time.h>
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
  // PyTorch picks its own kernels by CPU; a GLIBC_TUNABLES that forces our baseline copy must not
  // slow it down too.
  const std::string output = run_command(fmt::format("env -u GLIBC_TUNABLES '{}' '{}' --data '{}' --steps {}", python, script,
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
  const int size = 1024;
  const double gemm_flops = measure_float_gemm_flops(size, 1.0);  // in the proxies' own copy

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

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// One training run of the batch: its task, the TBB worker slot that ran it, wall seconds
// since the trace's origin, and the CPU seconds of its thread (what the machine's other
// load does not inflate).
struct RunSpan {
  int task = 0;
  int worker = 0;
  double start = 0, end = 0, cpu = 0;
};

class RunTrace {
 public:
  double now() const { return seconds_since(origin_); }
  void restart() {
    const std::lock_guard lock(mutex_);
    spans_.clear();
    origin_ = Clock::now();
  }
  void add(const RunSpan& span) {
    const std::lock_guard lock(mutex_);
    spans_.push_back(span);
  }
  std::vector<RunSpan> spans() const {
    const std::lock_guard lock(mutex_);
    return spans_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<RunSpan> spans_;
  Clock::time_point origin_ = Clock::now();
};

// The trainer makes one model per training run and drops it at the end: the model's life
// is the run.
template <class T>
class TracedModel final : public ProxyModel<T> {
 public:
  TracedModel(std::unique_ptr<ProxyModel<T>> model, RunTrace& trace, RunSpan span, double cpu_start)
      : model_(std::move(model)), trace_(trace), span_(span), cpu_start_(cpu_start) {}
  ~TracedModel() override {
    span_.end = trace_.now();
    span_.cpu = thread_cpu_seconds() - cpu_start_;
    trace_.add(span_);
  }
  std::vector<TensorShape> parameter_shapes() const override { return model_->parameter_shapes(); }
  void initialize(std::uint64_t seed, std::vector<Tensor<T>>& params) const override {
    model_->initialize(seed, params);
  }
  T loss_and_gradient(std::span<const Tensor<T>> params, long step, std::span<Tensor<T>> grads) override {
    return model_->loss_and_gradient(params, step, grads);
  }
  ValidationMetrics validate(std::span<const Tensor<T>> params) override { return model_->validate(params); }

 private:
  std::unique_ptr<ProxyModel<T>> model_;
  RunTrace& trace_;
  RunSpan span_;
  double cpu_start_;
};

class TracedTask final : public ProxyTask {
 public:
  TracedTask(std::shared_ptr<const ProxyTask> task, RunTrace& trace, int index)
      : task_(std::move(task)), trace_(trace), index_(index) {}
  const TaskDescription& description() const override { return task_->description(); }
  std::unique_ptr<ProxyModel<float>> make_model_f32(std::uint64_t data_seed) const override {
    return traced<float>([&] { return task_->make_model_f32(data_seed); });
  }
  std::unique_ptr<ProxyModel<double>> make_model_f64(std::uint64_t data_seed) const override {
    return traced<double>([&] { return task_->make_model_f64(data_seed); });
  }

 private:
  template <class T, class Make>
  std::unique_ptr<ProxyModel<T>> traced(Make make) const {
    const double cpu = thread_cpu_seconds();
    const RunSpan span{.task = index_, .worker = tbb::this_task_arena::current_thread_index(), .start = trace_.now()};
    return std::make_unique<TracedModel<T>>(make(), trace_, span, cpu);
  }
  std::shared_ptr<const ProxyTask> task_;
  RunTrace& trace_;
  int index_;
};

// Greedy list scheduling (each run to the first free worker, in the given order) of the
// runs' durations on `workers`: the makespan a perfect dynamic scheduler reaches in that order.
double list_schedule_makespan(const std::vector<double>& durations, int workers) {
  std::vector<double> free_at(static_cast<std::size_t>(workers), 0.0);
  for (const double d : durations) *std::min_element(free_at.begin(), free_at.end()) += d;
  return *std::max_element(free_at.begin(), free_at.end());
}

struct BatchFigures {
  double wall = 0;           // evaluate_all, start to return
  double run_wall = 0;       // sum over runs
  double run_cpu = 0;        // sum over runs
  double longest_cpu = 0;
  double busiest_worker_cpu = 0;  // CPU seconds of the runs of the worker that ran the most
  std::vector<double> cpu_longest_first;  // every run's CPU seconds, longest first
};

BatchFigures print_trace(const std::vector<RunSpan>& spans, double wall, int threads,
                         const std::vector<std::string>& task_names_in_order) {
  BatchFigures figures;
  figures.wall = wall;
  double first_start = wall, last_end = 0;
  struct Worker {
    double busy = 0, cpu = 0, first_start = std::numeric_limits<double>::infinity(), last_end = 0;
    int runs = 0;
  };
  std::map<int, Worker> workers;
  std::vector<double> task_cpu(task_names_in_order.size()), task_wall(task_names_in_order.size());
  std::vector<int> task_runs(task_names_in_order.size());
  for (const RunSpan& span : spans) {
    figures.run_wall += span.end - span.start;
    figures.run_cpu += span.cpu;
    figures.cpu_longest_first.push_back(span.cpu);
    first_start = std::min(first_start, span.start);
    last_end = std::max(last_end, span.end);
    Worker& worker = workers[span.worker];
    worker.busy += span.end - span.start;
    worker.cpu += span.cpu;
    ++worker.runs;
    worker.first_start = std::min(worker.first_start, span.start);
    worker.last_end = std::max(worker.last_end, span.end);
    const auto t = static_cast<std::size_t>(span.task);
    task_cpu[t] += span.cpu;
    task_wall[t] += span.end - span.start;
    ++task_runs[t];
  }
  std::sort(figures.cpu_longest_first.rbegin(), figures.cpu_longest_first.rend());
  if (!figures.cpu_longest_first.empty()) figures.longest_cpu = figures.cpu_longest_first.front();
  fmt::print("      trace: {} runs, batch {:.2f} s wall; runs {:.2f} s wall / {:.2f} s CPU (CPU/wall {:.2f}); "
             "before the first run {:.3f} s, after the last {:.3f} s\n",
             spans.size(), wall, figures.run_wall, figures.run_cpu, figures.run_cpu / figures.run_wall, first_start,
             wall - last_end);
  for (const auto& [index, worker] : workers) {
    fmt::print("      worker {}: {} runs, {:.3f} s CPU; wall: busy {:.2f} s ({:.0f}% of the batch), first run at {:.3f} s, "
               "idle at the tail {:.3f} s\n",
               index, worker.runs, worker.cpu, worker.busy, 100 * worker.busy / wall, worker.first_start,
               last_end - worker.last_end);
    figures.busiest_worker_cpu = std::max(figures.busiest_worker_cpu, worker.cpu);
  }
  if (threads > 1) {
    fmt::print("      run time / (threads x batch wall) = {:.1f}%\n", 100 * figures.run_wall / (threads * wall));
  }
  std::string per_task;
  for (std::size_t t = 0; t < task_names_in_order.size(); ++t) {
    if (task_runs[t] == 0) continue;
    per_task += fmt::format("{}{} {:.1f}", per_task.empty() ? "" : ", ", task_names_in_order[t],
                            1e3 * task_cpu[t] / task_runs[t]);
  }
  fmt::print("      ms CPU per run: {}\n", per_task);
  return figures;
}

void suite_scaling(int program_count) {
  SuiteConfig config;
  config.tasks = task_names();
  config.rung = Rung::tiny;
  config.seeds = 1;
  const auto cache = std::filesystem::temp_directory_path() / fmt::format("symopt_bench_baselines_{}", ::getpid());
  config.baseline_cache = cache;
  const std::vector<AnalyzedProgram> programs = distinct_programs(program_count);
  RunTrace trace;
  std::vector<std::shared_ptr<const ProxyTask>> tasks;
  for (std::size_t t = 0; t < config.tasks.size(); ++t) {
    tasks.push_back(std::make_shared<TracedTask>(load_task(config.tasks[t], config.rung, default_data_dir()), trace,
                                                 static_cast<int>(t)));
  }
  fmt::print("(d) tiny suite ({} tasks, 1 seed): {} distinct programs in one evaluate_all batch\n",
             config.tasks.size(), program_count);
  double one_thread = 0;
  BatchFigures serial;
  for (const int threads : {1, 2}) {
    const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    Evaluator evaluator(config, tasks);  // baselines: computed on the first pass, read from `cache` after
    trace.restart();
    const auto start = Clock::now();
    const double cpu_start = thread_cpu_seconds();
    const std::vector<Fitness> results = evaluator.evaluate_all(programs);
    const double wall = seconds_since(start);
    const double caller_cpu = thread_cpu_seconds() - cpu_start;
    const double per_second = program_count / wall;
    if (evaluator.cache_statistics().evaluations != program_count) {
      throw std::runtime_error("(d): the fitness cache merged programs meant to be distinct");
    }
    if (threads == 1) one_thread = per_second;
    fmt::print("    {} thread(s): {:7.2f} program evaluations/s = {:7.1f} training runs/s{}\n", threads, per_second,
               per_second * config.tasks.size(),
               threads == 1 ? std::string() : fmt::format("   scaling {:.2f}x (goal >= 1.8x)", per_second / one_thread));
    const BatchFigures figures = print_trace(trace.spans(), wall, threads, config.tasks);
    if (threads == 1) {
      serial = figures;
      // The calling thread ran every run; what it spent besides is the batch's serial part.
      serial.wall = caller_cpu - figures.run_cpu;
      fmt::print("      serial CPU outside the runs (look-ups, fingerprints, compiling, scoring): {:.3f} s\n",
                 serial.wall);
      continue;
    }
    // The same batch in CPU seconds, free of the machine's other load (which stretches wall
    // time at random): the 1-thread CPU work against the serial part plus the CPU time of the
    // busiest worker (the split this run made: its idle tail is the difference between the
    // workers), of a greedy longest-first split of the same runs, and of a perfect split.
    const double total_one = serial.wall + serial.run_cpu;
    const double made = serial.wall + figures.busiest_worker_cpu;
    const double longest_first = serial.wall + list_schedule_makespan(figures.cpu_longest_first, threads);
    const double ideal = serial.wall + std::max(serial.run_cpu / threads, serial.longest_cpu);
    fmt::print("      CPU-time model: 1 thread {:.3f} s of CPU; {} threads: this run's split {:.3f} s = {:.2f}x, "
               "longest first {:.3f} s = {:.2f}x, perfect split of the 1-thread runs {:.2f}x; "
               "CPU per run {:+.1f}% against 1 thread\n",
               total_one, threads, made, total_one / made, longest_first, total_one / longest_first, total_one / ideal,
               100 * (figures.run_cpu / serial.run_cpu - 1));
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
    int batch = 32;
    for (int i = 1; i < argc; ++i) {
      const std::string argument = argv[i];
      if (argument == "--medium") {
        rungs.push_back(Rung::medium);
      } else if (argument == "--parts" && i + 1 < argc) {
        parts = argv[++i];
      } else if (argument == "--steps" && i + 1 < argc) {
        steps = std::stoi(argv[++i]);
      } else if (argument == "--batch" && i + 1 < argc) {
        batch = std::stoi(argv[++i]);
      } else {
        throw std::runtime_error(fmt::format("unknown argument '{}' (see the header of bench_proxies.cpp)", argument));
      }
    }
    fmt::print("bench_proxies: Eigen {}.{}.{}; {}\n", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION,
               proxies_build_description());
    std::fflush(stdout);
    // (a)-(c) are single-threaded by construction; pin TBB to one thread there anyway.
    {
      const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
      if (parts.find('a') != std::string::npos) compare_with_pytorch(steps), std::fflush(stdout);
      if (parts.find('b') != std::string::npos) compare_with_gemm(), std::fflush(stdout);
      if (parts.find('c') != std::string::npos) time_training_runs(rungs), std::fflush(stdout);
    }
    if (parts.find('d') != std::string::npos) suite_scaling(batch);
  } catch (const std::exception& error) {
    fmt::print(stderr, "bench_proxies: {}\n", error.what());
    return 1;
  }
  return 0;
}
