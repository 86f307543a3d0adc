// Oracles (DESIGN §8): weight trajectories recorded from PyTorch's own optimizers in float64,
// loaded and validated, and the error measure by which a replay is compared against one.
#pragma once

#include "evaluator/tensor_optimizer.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace symopt {

struct Oracle {
  std::string name;         // e.g. "adamw"; names the optimizer family
  std::string optimizer;    // the PyTorch class that produced it, e.g. "torch.optim.adamw.AdamW"
  nlohmann::json hyper;     // PyTorch's constructor arguments: "lr", "betas", "eps", ...
  int rows = 0, cols = 0;   // shape [n] is read as 1 x n
  int steps = 0;
  std::vector<double> w0;                      // initial weights, row-major
  std::vector<std::vector<double>> grads;      // steps x (rows * cols), replayed as given
  std::vector<std::vector<double>> trajectory; // steps x (rows * cols): weights after each step
};

// Reads and checks an oracle file. Throws InputError (a std::runtime_error) naming the file
// and the offending JSON key (e.g. "grads[3]") for a missing file, malformed JSON, a missing
// key, a wrong type, a grads/trajectory count other than "steps", or a row whose length is
// not rows * cols.
Oracle load_oracle(const std::filesystem::path& path);

// The oracle's hyper["lr"]; throws InputError naming the oracle when absent or not a number.
double oracle_learning_rate(const Oracle& oracle);

// Relative error of one step: ||w - w_ref||_inf / max(||w_ref||_inf, 1e-12). Relative to the
// largest reference weight rather than per element, so weights that cross zero do not blow
// it up; the 1e-12 floor keeps an all-zero reference finite. A non-finite weight gives +inf
// (so a diverged replay never passes a tolerance). Throws std::runtime_error when the two
// lengths differ.
double relative_error(std::span<const double> weights, std::span<const double> reference);

// The largest relative_error over all steps of a replayed trajectory against the oracle's.
// Throws std::runtime_error when the step counts or row lengths differ.
double max_relative_error(const Oracle& oracle, const std::vector<std::vector<double>>& trajectory);

// Replays the oracle's gradients through `optimizer` (fresh, for a rows x cols tensor) from
// w0 at the oracle's learning rate, t = 1, 2, ...; returns the weights after every step in
// float64. Instantiated for float and double.
template <class T>
std::vector<std::vector<double>> replay_oracle(const Oracle& oracle, TensorOptimizer<T>& optimizer);

}  // namespace symopt
