// Test support for `symopt export --format pytorch`: a Python driver that imports exported
// modules and steps their SymoptOptimizer on given gradients, run under Debian's python3.
#pragma once

#include "run_command.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace symopt::testing {

inline constexpr const char* torch_python = "/usr/bin/python3";

inline bool torch_available() {
  const std::string command = std::string(torch_python) + " -c 'import torch' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

// One run: a module, a parameter of `shape` starting at w0, one step per gradient.
struct ExportCase {
  std::filesystem::path module;
  std::vector<int> shape;  // torch shape: {n} for a vector, {rows, cols} for a matrix
  std::vector<double> w0;
  std::vector<std::vector<double>> grads;
  double lr = 0;
  std::string dtype = "float64";
};

// Reads cases.json, runs every case, writes the weights after every step (row-major; NaN
// and infinities as strings, which JSON has no numbers for) to the output file.
inline constexpr const char* driver_source = R"PY(
import importlib.util, json, math, sys
import torch

def load(path, index):
    spec = importlib.util.spec_from_file_location(f"exported_{index}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

def encode(x):
    return x if math.isfinite(x) else str(x)

cases = json.load(open(sys.argv[1]))
results = []
for index, case in enumerate(cases):
    module = load(case["module"], index)
    dtype = getattr(torch, case["dtype"])
    p = torch.nn.Parameter(torch.tensor(case["w0"], dtype=dtype).reshape(case["shape"]))
    optimizer = module.SymoptOptimizer([p], lr=case["lr"])
    trajectory = []
    for grad in case["grads"]:
        p.grad = torch.tensor(grad, dtype=dtype).reshape(case["shape"])
        optimizer.step()
        trajectory.append([encode(x) for x in p.detach().reshape(-1).tolist()])
    results.append(trajectory)
json.dump(results, open(sys.argv[2], "w"))
print(f"ran {len(cases)} case(s) under torch {torch.__version__}")
)PY";

inline double decode(const nlohmann::json& x) {
  if (x.is_number()) return x.get<double>();
  const std::string text = x.get<std::string>();
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  return std::numeric_limits<double>::quiet_NaN();
}

struct DriverResult {
  CommandResult run;
  std::vector<std::vector<std::vector<double>>> trajectories;  // case -> step -> weights
};

inline DriverResult run_export_cases(const std::filesystem::path& directory, const std::vector<ExportCase>& cases) {
  nlohmann::json list = nlohmann::json::array();
  for (const ExportCase& c : cases) {
    list.push_back({{"module", c.module.string()}, {"shape", c.shape}, {"w0", c.w0}, {"grads", c.grads},
                    {"lr", c.lr}, {"dtype", c.dtype}});
  }
  const auto input = directory / "cases.json", output = directory / "trajectories.json",
             driver = directory / "driver.py";
  std::ofstream(input) << list.dump();
  std::ofstream(driver) << driver_source;
  std::filesystem::remove(output);
  DriverResult result;
  result.run = run_shell(std::string(torch_python) + " " + driver.string() + " " + input.string() + " " +
                         output.string());
  if (result.run.exit_code != 0 || !std::filesystem::exists(output)) return result;
  std::ifstream in(output);
  const nlohmann::json trajectories = nlohmann::json::parse(in);
  for (const auto& trajectory : trajectories) {
    auto& steps = result.trajectories.emplace_back();
    for (const auto& weights : trajectory) {
      auto& row = steps.emplace_back();
      for (const auto& x : weights) row.push_back(decode(x));
    }
  }
  return result;
}

}  // namespace symopt::testing
