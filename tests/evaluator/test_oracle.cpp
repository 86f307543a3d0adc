// The oracle loader reads every shared oracle exactly as the JSON says, and rejects each
// way a file can be malformed with an error naming the file and the key; the relative
// error measure is checked on hand-computed trajectories.
#include "common/atomic_file.h"
#include "evaluator/oracle.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace symopt {
namespace {

const std::filesystem::path oracle_directory = SYMOPT_SHARED_DIR "/oracles";

nlohmann::json raw_json(const std::filesystem::path& path) { return nlohmann::json::parse(read_whole_file(path)); }

// A scratch directory per test process, removed at the end of each test.
class OracleFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("symopt_oracle_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::filesystem::path write(const std::string& file_name, const std::string& contents) {
    const auto path = directory_ / file_name;
    write_file_atomically(path, contents);
    return path;
  }

  // Writes lion_7.json changed by `edit` and expects load_oracle to fail naming the file
  // and `key`.
  void expect_rejected(const std::string& key, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json document = raw_json(oracle_directory / "lion_7.json");
    edit(document);
    const auto path = write("edited_" + std::to_string(++edits_) + ".json", document.dump());
    try {
      load_oracle(path);
      ADD_FAILURE() << "accepted an oracle with a bad \"" << key << "\"";
    } catch (const std::runtime_error& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(path.string()), std::string::npos) << message;
      EXPECT_NE(message.find("\"" + key + "\""), std::string::npos) << message;
    }
  }

  std::filesystem::path directory_;
  int edits_ = 0;
};

TEST(Oracle, LoadsEverySharedOracleAsWritten) {
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(oracle_directory)) {
    SCOPED_TRACE(entry.path().string());
    const Oracle oracle = load_oracle(entry.path());
    const nlohmann::json raw = raw_json(entry.path());
    EXPECT_EQ(oracle.name, raw["name"].get<std::string>());
    EXPECT_EQ(oracle.optimizer, raw["optimizer"].get<std::string>());
    EXPECT_EQ(oracle.hyper, raw["hyper"]);
    const auto& shape = raw["shape"];
    EXPECT_EQ(oracle.rows, shape.size() == 1 ? 1 : shape[0].get<int>());
    EXPECT_EQ(oracle.cols, shape.back().get<int>());
    EXPECT_EQ(oracle.steps, raw["steps"].get<int>());
    EXPECT_EQ(oracle.w0, raw["w0"].get<std::vector<double>>());
    EXPECT_EQ(oracle.grads, raw["grads"].get<std::vector<std::vector<double>>>());
    EXPECT_EQ(oracle.trajectory, raw["trajectory"].get<std::vector<std::vector<double>>>());
    EXPECT_EQ(oracle_learning_rate(oracle), raw["hyper"]["lr"].get<double>());
    // The reference compared against itself has no error.
    EXPECT_EQ(max_relative_error(oracle, oracle.trajectory), 0.0);
    ++loaded;
  }
  EXPECT_EQ(loaded, 12);
}

TEST(Oracle, VectorShapeIsOneRow) {
  const Oracle oracle = load_oracle(oracle_directory / "sgd_7.json");
  EXPECT_EQ(oracle.rows, 1);
  EXPECT_EQ(oracle.cols, static_cast<int>(oracle.w0.size()));
}

TEST_F(OracleFileTest, MissingFileNamesThePath) {
  const auto path = directory_ / "absent.json";
  try {
    load_oracle(path);
    ADD_FAILURE() << "loaded a missing file";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
  }
}

TEST_F(OracleFileTest, MalformedJsonNamesThePath) {
  const auto path = write("broken.json", R"({"name": "sgd", "steps": )");
  try {
    load_oracle(path);
    ADD_FAILURE() << "loaded malformed JSON";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("JSON"), std::string::npos) << error.what();
  }
}

TEST_F(OracleFileTest, EveryMissingKeyIsNamed) {
  for (const char* key : {"name", "optimizer", "hyper", "shape", "steps", "w0", "grads", "trajectory"}) {
    SCOPED_TRACE(key);
    expect_rejected(key, [&](nlohmann::json& document) { document.erase(key); });
  }
}

TEST_F(OracleFileTest, WrongTypesAreNamed) {
  expect_rejected("name", [](nlohmann::json& d) { d["name"] = 3; });
  expect_rejected("optimizer", [](nlohmann::json& d) { d["optimizer"] = nlohmann::json::array(); });
  expect_rejected("hyper", [](nlohmann::json& d) { d["hyper"] = "lr=0.1"; });
  expect_rejected("shape", [](nlohmann::json& d) { d["shape"] = 7; });
  expect_rejected("shape", [](nlohmann::json& d) { d["shape"] = {1, 1, 7}; });
  expect_rejected("shape[0]", [](nlohmann::json& d) { d["shape"] = {-7}; });
  expect_rejected("shape[1]", [](nlohmann::json& d) { d["shape"] = {1, 7.5}; });
  expect_rejected("steps", [](nlohmann::json& d) { d["steps"] = "60"; });
  expect_rejected("steps", [](nlohmann::json& d) { d["steps"] = 0; });
  expect_rejected("w0", [](nlohmann::json& d) { d["w0"] = 1.0; });
  expect_rejected("w0[2]", [](nlohmann::json& d) { d["w0"][2] = "x"; });
  expect_rejected("grads", [](nlohmann::json& d) { d["grads"] = nlohmann::json::object(); });
  expect_rejected("grads[4]", [](nlohmann::json& d) { d["grads"][4] = 0.5; });
  expect_rejected("trajectory[7][1]", [](nlohmann::json& d) { d["trajectory"][7][1] = nullptr; });
}

TEST_F(OracleFileTest, CountsAndLengthsMustAgree) {
  // One step more than there are gradients / trajectory rows.
  expect_rejected("grads", [](nlohmann::json& d) { d["steps"] = d["steps"].get<int>() + 1; d["trajectory"].push_back(d["w0"]); });
  expect_rejected("trajectory", [](nlohmann::json& d) { d["trajectory"].erase(d["trajectory"].size() - 1); });
  // A row one element short of rows * cols.
  expect_rejected("w0", [](nlohmann::json& d) { d["w0"].erase(0); });
  expect_rejected("grads[59]", [](nlohmann::json& d) { d["grads"][59].erase(0); });
  expect_rejected("trajectory[0]", [](nlohmann::json& d) { d["trajectory"][0].push_back(1.0); });
  // A shape that disagrees with every row.
  expect_rejected("w0", [](nlohmann::json& d) { d["shape"] = {2, 4}; });
}

TEST_F(OracleFileTest, TopLevelMustBeAnObject) {
  const auto path = write("array.json", "[1, 2, 3]");
  EXPECT_THROW(load_oracle(path), std::runtime_error);
}

TEST(OracleLearningRate, MissingRateIsAnError) {
  Oracle oracle;
  oracle.name = "made-up";
  oracle.hyper = {{"momentum", 0.9}};
  EXPECT_THROW(oracle_learning_rate(oracle), std::runtime_error);
  oracle.hyper["lr"] = "fast";
  EXPECT_THROW(oracle_learning_rate(oracle), std::runtime_error);
}

TEST(RelativeError, HandComputedTrajectories) {
  Oracle oracle;
  oracle.steps = 2;
  oracle.trajectory = {{1, -4}, {2, 2}};
  // Step 1: max |diff| = 0.5 against max |ref| = 4 -> 0.125.
  // Step 2: max |diff| = 0.2 against max |ref| = 2 -> 0.1. The max is 0.125.
  EXPECT_DOUBLE_EQ(max_relative_error(oracle, {{1, -3.5}, {2, 2.2}}), 0.125);
  // The scale is the whole step's largest weight, not each element's own: an error of 0.01
  // on the reference's 0.001 entry is 0.01 / 4 relative.
  const std::vector<double> weights = {1.01, -4}, reference = {0.001, -4};
  EXPECT_DOUBLE_EQ(relative_error(weights, reference), (1.01 - 0.001) / 4);
}

TEST(RelativeError, ZeroReferenceUsesTheFloor) {
  const std::vector<double> weights = {1e-13, 0}, reference = {0, 0};
  // 1e-13 / max(0, 1e-12) = 0.1
  EXPECT_NEAR(relative_error(weights, reference), 0.1, 1e-15);
}

TEST(RelativeError, NonFiniteWeightsAreInfinitelyWrong) {
  const std::vector<double> reference = {1, 2};
  EXPECT_EQ(relative_error(std::vector<double>{std::nan(""), 2}, reference), std::numeric_limits<double>::infinity());
  EXPECT_EQ(relative_error(std::vector<double>{1, -std::numeric_limits<double>::infinity()}, reference),
            std::numeric_limits<double>::infinity());
}

TEST(RelativeError, MismatchedSizesThrow) {
  Oracle oracle;
  oracle.steps = 2;
  oracle.trajectory = {{1, 2}, {3, 4}};
  EXPECT_THROW(max_relative_error(oracle, {{1, 2}}), std::runtime_error);
  EXPECT_THROW(max_relative_error(oracle, {{1, 2}, {3}}), std::runtime_error);
}

}  // namespace
}  // namespace symopt
