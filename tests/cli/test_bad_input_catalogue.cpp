// The bad-input catalogue: one row per way a user can hand symopt bad input. Each row runs
// the real binary and checks exit code 2, a message naming the file, the place (line:col,
// JSON key or option) and what was expected, no crash or hang, and that the row's folder
// is byte-for-byte as it was (no partial output). docs/bad_input.md lists every row; run
// with SYMOPT_BAD_INPUT_DOC=FILE to write the table of rows with their actual messages.
#include "child_process.h"

#include "search/checkpoint.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

namespace symopt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Row {
  std::string id;
  std::string input;                                      // what the user handed in (for the doc)
  std::vector<std::string> args;                          // {case} {shared} {programs} {oracles} replaced
  std::vector<std::pair<std::string, std::string>> files = {};  // written into the row's folder first
  std::vector<std::string> expect = {};                   // substrings: file, place, what was expected
  std::function<void(const fs::path&)> setup = {};        // more preparation in the row's folder
  std::vector<std::pair<std::string, std::string>> environment = {};
};

void PrintTo(const Row& row, std::ostream* out) { *out << row.id; }

// ---- fixtures shared by the rows of one process ----

const fs::path& shared_directory() {
  static const fs::path directory = [] {
    const fs::path d = fs::temp_directory_path() / ("symopt_bad_input_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return directory;
}

std::string replaced(std::string text, const fs::path& case_directory) {
  const std::vector<std::pair<std::string, std::string>> names = {
      {"{case}", case_directory.string()},
      {"{shared}", shared_directory().string()},
      {"{programs}", SYMOPT_SOURCE_DIR "/programs"},
      {"{oracles}", SYMOPT_SHARED_DIR "/oracles"}};
  for (const auto& [name, value] : names) {
    for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size())) {
      text.replace(at, name.size(), value);
    }
  }
  return text;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A small search config (one cheap task) whose AdamW baselines are shared by every row.
std::string small_config(const std::string& extra_keys = "") {
  return R"({"preset": "quick", "population_size": 16, "tournament_size": 4, "batch_size": 4,
             "suite": {"tasks": ["quadratic"], "baseline_cache": "{shared}/baseline_cache"},
             "budget": {"wall_time": null, "evaluations": 60})" +
         extra_keys + "}";
}

// A finished run (made once per process), copied into the rows that damage one.
const fs::path& valid_run(int which) {
  static std::mutex mutex;
  static std::map<int, fs::path> made;
  const std::lock_guard lock(mutex);
  if (!made.contains(which)) {
    const fs::path config = shared_directory() / "small.json";
    write_file(config, replaced(small_config(), {}));
    const fs::path run = shared_directory() / ("valid_run_" + std::to_string(which));
    const testing::ChildResult result = testing::run_symopt_limited(
        {"search", "--config", config.string(), "--out", run.string(), "--seed", std::to_string(which), "--quiet"});
    if (result.exit_code != 0) throw std::runtime_error("could not make a valid run: " + result.output);
    made[which] = run;
  }
  return made[which];
}

void copy_valid_run(const fs::path& case_directory, int which = 1) {
  fs::copy(valid_run(which), case_directory / "run", fs::copy_options::recursive);
}

void edit_json(const fs::path& path, const std::function<void(json&)>& edit) {
  json document = json::parse(read_file(path));
  edit(document);
  write_file(path, document.dump());
}

// The checkpoint edited inside its payload, with the checksum made right again: only the
// state validation can catch what the edit did.
void edit_checkpoint_payload(const fs::path& path, const std::function<void(json&)>& edit) {
  edit_json(path, [&](json& document) {
    edit(document["payload"]);
    document["checksum"] = checksum_of(document["payload"].dump());
  });
}

void write_gzip(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  gzFile file = gzopen(path.string().c_str(), "wb");
  gzwrite(file, text.data(), static_cast<unsigned>(text.size()));
  gzclose(file);
}

std::string digits_csv(int rows, const std::string& bad_row) {
  std::string csv;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < 64; ++c) csv += std::to_string((r + c) % 17) + ",";
    csv += std::to_string(r % 10) + "\n";
  }
  return bad_row + csv;
}

// The oracle for SGD on 7 weights, with one thing broken.
std::function<void(const fs::path&)> broken_oracle(const std::function<void(json&)>& edit) {
  return [edit](const fs::path& directory) {
    json oracle = json::parse(read_file(SYMOPT_SHARED_DIR "/oracles/sgd_7.json"));
    edit(oracle);
    write_file(directory / "oracle.json", oracle.dump());
  };
}

// Removes the shared folder when the process ends.
class SharedDirectoryCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code error;
    fs::remove_all(shared_directory(), error);
  }
};
const auto* const cleanup = ::testing::AddGlobalTestEnvironment(new SharedDirectoryCleanup);

// ---- the rows ----

Row program_row(std::string id, std::string input, std::string text, std::string place, std::string what) {
  return {.id = std::move(id),
          .input = std::move(input),
          .args = {"show", "{case}/p.opt"},
          .files = {{"p.opt", std::move(text)}},
          .expect = {"{case}/p.opt:" + place + ":", std::move(what)}};
}

Row config_row(std::string id, std::string input, std::string config, std::string key, std::string what) {
  return {.id = std::move(id),
          .input = std::move(input),
          .args = {"search", "--config", "{case}/c.json", "--out", "{case}/run", "--quiet"},
          .files = {{"c.json", std::move(config)}},
          .expect = {"{case}/c.json", std::move(key), std::move(what)}};
}

Row cli_row(std::string id, std::string input, std::vector<std::string> args, std::vector<std::string> expect) {
  return {.id = std::move(id), .input = std::move(input), .args = std::move(args), .expect = std::move(expect)};
}

Row resume_row(std::string id, std::string input, std::function<void(const fs::path&)> damage,
               std::vector<std::string> expect) {
  return {.id = std::move(id),
          .input = std::move(input),
          .args = {"search", "--resume", "{case}/run", "--quiet"},
          .expect = std::move(expect),
          .setup = [damage](const fs::path& d) {
            copy_valid_run(d);
            damage(d / "run");
          }};
}

Row data_row(std::string id, std::string input, std::function<void(const fs::path&)> make_data,
             std::vector<std::string> expect) {
  return {.id = std::move(id),
          .input = std::move(input) + " ($SYMOPT_DATA_DIR)",
          .args = {"search", "--preset", "quick", "--out", "{case}/run", "--quiet"},
          .expect = std::move(expect),
          .setup = [make_data](const fs::path& d) {
            fs::create_directories(d / "data");
            make_data(d / "data");
          },
          .environment = {{"SYMOPT_DATA_DIR", "{case}/data"}}};
}

Row oracle_row(std::string id, std::string input, std::function<void(json&)> edit, std::string key, std::string what) {
  return {.id = std::move(id),
          .input = std::move(input),
          .args = {"trace", "{programs}/sgd.opt", "--oracle", "{case}/oracle.json"},
          .expect = {"{case}/oracle.json", std::move(key), std::move(what)},
          .setup = broken_oracle(std::move(edit))};
}

std::string too_long_program() {
  std::string text = "def train(g):\n    u = g\n";
  for (int i = 0; i < 300; ++i) text += "    u = u + 1.0\n";
  return text + "    return u\n";
}

std::vector<Row> catalogue() {
  const std::string deep = "def train(g):\n    u = " + std::string(70, '(') + "g" + std::string(70, ')') + "\n    return u\n";
  std::vector<Row> rows = {
      // Programs: every parser error.
      program_row("program_empty", "an empty program file", "", "1:1", "expected 'def train(...):'"),
      program_row("program_only_comments", "a file of comments only", "# nothing\n\n", "1:1", "expected 'def train(...):'"),
      program_row("program_no_def", "a signature without 'def'", "train(g):\n    return g\n", "1:1", "expected 'def'"),
      program_row("program_def_indented", "an indented signature", "  def train(g):\n    return g\n", "1:1", "'def' must start the line"),
      program_row("program_no_function_name", "'def (g):'", "def (g):\n    return g\n", "1:5", "expected a name for the function"),
      program_row("program_no_open_paren", "'def train g):'", "def train g):\n    return g\n", "1:11", "expected '(' after the function name"),
      program_row("program_unclosed_parameters", "'def train(g:'", "def train(g:\n    return g\n", "1:12", "expected ')' to close the parameter list"),
      program_row("program_no_colon", "'def train(g)' without ':'", "def train(g)\n    return g\n", "1:13", "expected ':' after the parameter list"),
      program_row("program_junk_after_signature", "a name after the signature's ':'", "def train(g): x\n    return g\n", "1:15", "unexpected name 'x' after the end"),
      program_row("program_duplicate_parameter", "'def train(g, g):'", "def train(g, g):\n    return g\n", "1:14", "expected distinct names"),
      program_row("program_no_body", "a signature and nothing else", "def train(g):\n", "1:14", "expected an indented body"),
      program_row("program_body_not_indented", "a body at column 1", "def train(g):\nreturn g\n", "2:1", "the body must be indented"),
      program_row("program_uneven_indentation", "body lines indented differently", "def train(g):\n    u = g\n      return u\n", "3:7", "expected 4 spaces as on line 2"),
      program_row("program_tab_indentation", "a body indented with tabs", "def train(g):\n\tu = g\n\treturn u\n", "2:1", "use spaces, not tabs"),
      program_row("program_bad_character", "a '$' in an expression", "def train(g):\n    u = g $ 2\n    return u\n", "2:11", "unexpected character '$'"),
      program_row("program_unknown_op", "an unknown op 'frobnicate(g)'", "def train(g):\n    u = frobnicate(g)\n    return u\n", "2:9", "unknown op 'frobnicate' (expected an op name"),
      program_row("program_too_many_arguments", "'sign(g, g)' (arity 1)", "def train(g):\n    u = sign(g, g)\n    return u\n", "2:9", "op 'sign' takes 1 argument, given 2"),
      program_row("program_too_few_arguments", "'interp(g, m)' (arity 3)", "def train(g, m):\n    m = interp(g, m)\n    return m, m\n", "2:9", "op 'interp' takes 3 arguments, given 2"),
      program_row("program_no_arguments", "'sqrt()' (arity 1)", "def train(g):\n    u = sqrt()\n    return u\n", "2:9", "op 'sqrt' takes 1 argument, given 0"),
      program_row("program_undefined_variable", "a variable never assigned", "def train(g):\n    u = g + v\n    return u\n", "2:13", "undefined variable 'v' (expected a parameter or a variable assigned above)"),
      program_row("program_missing_equals", "'u g' (no '=')", "def train(g):\n    u g\n    return u\n", "2:7", "expected '=' after 'u'"),
      program_row("program_assign_to_literal", "'1 = g'", "def train(g):\n    1 = g\n    return g\n", "2:5", "expected a name to assign to"),
      program_row("program_unclosed_paren", "'(g + 1' without ')'", "def train(g):\n    u = (g + 1\n    return u\n", "2:15", "expected ')' to close '('"),
      program_row("program_missing_operand", "'g +' with nothing after", "def train(g):\n    u = g +\n    return u\n", "2:12", "expected a value (name, number, call or '(')"),
      program_row("program_bad_literal", "the literal '1.2.3'", "def train(g):\n    u = g * 1.2.3\n    return u\n", "2:13", "bad number literal '1.2.3'"),
      program_row("program_overflowing_literal", "the literal '1e999' (not finite)", "def train(g):\n    u = g * 1e999\n    return u\n", "2:13", "bad number literal '1e999'"),
      program_row("program_nested_too_deep", "70 nested parentheses", deep, "2:73", "nested deeper than 64 levels"),
      program_row("program_statement_after_return", "a statement after 'return'", "def train(g):\n    return g\n    u = g\n", "3:5", "expected 'return' to end the program"),
      program_row("program_missing_return", "no 'return'", "def train(g):\n    u = g\n", "3:1", "missing 'return'"),
      program_row("program_empty_return", "'return' alone", "def train(g):\n    return\n", "2:11", "expected the update after 'return'"),
      program_row("program_literal_update", "'return 1.0'", "def train(g):\n    return 1.0\n", "2:12", "the update must be a tensor expression"),
      program_row("program_literal_state", "a literal returned as a state", "def train(g, m):\n    return g, 0.5\n", "2:15", "expected a state variable name in 'return'"),
      program_row("program_trailing_tokens", "'u = g g'", "def train(g):\n    u = g g\n    return u\n", "2:11", "unexpected name 'g' after the end of the statement"),
      program_row("program_over_length_cap", "301 statements (the cap is 256)", too_long_program(), "258:1", "more than 256 statements"),
      // Programs: every analyzer error.
      program_row("analyzer_state_not_returned", "state 'm' missing from 'return'", "def train(g, m):\n    m = interp(g, m, 0.9)\n    return m\n", "3:5", "expected 'return the update, m'"),
      program_row("analyzer_too_many_returns", "three values returned for one state", "def train(g, m):\n    m = interp(g, m, 0.9)\n    return m, m, g\n", "3:5", "return lists 3 values, expected 2"),
      program_row("analyzer_misordered_return", "states returned out of signature order", "def train(g, m, v):\n    m = interp(g, m, 0.9)\n    v = interp(g, v, 0.9)\n    return m, v, m\n", "4:5", "mis-ordered return: position 2 of 'return' must be state 'm'"),
      program_row("analyzer_input_returned_as_state", "the gradient returned in a state's place", "def train(g, m):\n    return g, g\n", "2:5", "position 2 of 'return' must be state 'm', found 'g'"),
      program_row("analyzer_scalar_update", "a scalar update 'norm(g)'", "def train(g):\n    u = norm(g)\n    return u\n", "3:5", "the update must be a tensor of the parameter's shape"),
      program_row("analyzer_reduction_of_scalar", "'norm(lr)'", "def train(g, lr):\n    u = g * norm(lr)\n    return u\n", "2:13", "'norm' needs tensor arguments, given a scalar"),
      program_row("analyzer_matmul_shapes", "'matmul(g, g)' (R x C by R x C)", "def train(g):\n    u = matmul(g, g)\n    return u\n", "2:9", "inner sizes C and R differ"),
      program_row("analyzer_transposed_shapes", "'g + transpose(g)'", "def train(g):\n    u = g + transpose(g)\n    return u\n", "2:11", "agree only for some parameter shapes"),
      program_row("analyzer_scalar_state", "a state that ends as a scalar", "def train(g, m):\n    m = norm(g)\n    return g, m\n", "3:5", "state 'm' must end as a tensor"),
      // Programs: the JSON form and missing files.
      {.id = "program_json_invalid", .input = "a program .json file cut short", .args = {"show", "{case}/p.json"},
       .files = {{"p.json", "{\"text\": \"def"}}, .expect = {"{case}/p.json", "line 1, column 14", "not valid JSON"}},
      {.id = "program_json_no_text", .input = "a program .json without \"text\"", .args = {"show", "{case}/p.json"},
       .files = {{"p.json", "{\"text\": 3}"}}, .expect = {"{case}/p.json", "\"text\"", "expected an object with a string key"}},
      {.id = "program_json_bad_text", .input = "a program .json whose text has a wrong arity", .args = {"show", "{case}/p.json"},
       .files = {{"p.json", R"({"text": "def train(g):\n    u = sin(g, g)\n    return u\n"})"}},
       .expect = {"{case}/p.json:2:9:", "in key \"text\"", "takes 1 argument, given 2"}},
      cli_row("program_missing_file", "a program file that does not exist", {"show", "{case}/missing.opt"},
              {"{case}/missing.opt", "cannot read the file (missing or unreadable)"}),
      cli_row("trace_missing_program", "trace with a missing program file", {"trace", "{case}/missing.opt", "--oracle", "{oracles}/sgd_7.json"},
              {"{case}/missing.opt", "cannot read the file"}),
      {.id = "search_warm_start_invalid", .input = "a config whose warm start does not analyze",
       .args = {"search", "--config", "{case}/c.json", "--out", "{case}/run", "--quiet"},
       .files = {{"c.json", small_config(R"(, "warm_start": ["ws.opt"])")},
                 {"ws.opt", "def train(g, m):\n    m = interp(g, m, 0.9)\n    return m\n"}},
       .expect = {"{case}/ws.opt:3:5:", "state variable 'm' not returned"}},

      // Search configs: syntax, unknown keys, types, ranges, budgets.
      config_row("config_truncated", "a config cut short", R"({"preset": "quick", "seed": )", "line 1, column 29", "not valid JSON"),
      config_row("config_not_an_object", "a config that is a JSON array", "[1, 2]", "top level", "expected a JSON object"),
      config_row("config_unknown_key", "a misspelt key 'populaton_size'", R"({"preset": "quick", "populaton_size": 10})", "unknown key 'populaton_size'", "did you mean 'population_size'?"),
      config_row("config_unknown_nested_key", "an unknown key inside 'suite'", R"({"preset": "quick", "suite": {"task": ["quadratic"]}})", "unknown key 'suite.task'", "did you mean 'suite.tasks'?"),
      config_row("config_wrong_type", "\"population_size\": \"big\"", R"({"preset": "quick", "population_size": "big"})", "key 'population_size'", "expected an integer, found the string \"big\""),
      config_row("config_zero_population", "\"population_size\": 0", R"({"preset": "quick", "population_size": 0})", "key 'population_size'", "expected an integer in [1, 1000000], found the number 0"),
      config_row("config_negative_evaluations", "\"budget\": {\"evaluations\": -5}", R"({"preset": "quick", "budget": {"evaluations": -5}})", "key 'budget.evaluations'", "expected a positive integer or null"),
      config_row("config_zero_evaluations", "\"budget\": {\"evaluations\": 0}", R"({"preset": "quick", "budget": {"evaluations": 0}})", "key 'budget.evaluations'", "expected a positive integer or null, found the number 0"),
      config_row("config_zero_wall_time", "\"budget\": {\"wall_time\": \"0s\"}", R"({"preset": "quick", "budget": {"wall_time": "0s"}})", "key 'budget.wall_time'", "expected a positive duration"),
      config_row("config_negative_wall_time", "\"budget\": {\"wall_time\": -3}", R"({"preset": "quick", "budget": {"wall_time": -3}})", "key 'budget.wall_time'", "expected a positive duration"),
      config_row("config_wall_time_wrong_type", "\"budget\": {\"wall_time\": true}", R"({"preset": "quick", "budget": {"wall_time": true}})", "key 'budget.wall_time'", "expected a duration"),
      config_row("config_zero_checkpoint_interval", "\"checkpoint_seconds\": 0", R"({"preset": "quick", "checkpoint_seconds": 0})", "key 'checkpoint_seconds'", "expected a number in (0, 1000000]"),
      config_row("config_unknown_preset", "\"preset\": \"nope\"", R"({"preset": "nope"})", "key 'preset'", "unknown preset 'nope' (known: "),
      config_row("config_unknown_op", "an unknown op in 'mutation.ops'", R"({"preset": "quick", "mutation": {"ops": ["add", "frob"]}})", "key 'mutation.ops[1]'", "expected an op name"),
      config_row("config_max_statements_over_cap", "\"mutation\": {\"max_statements\": 1000}", R"({"preset": "quick", "mutation": {"max_statements": 1000}})", "key 'mutation.max_statements'", "expected an integer in [1, 256]"),
      config_row("config_all_mutation_weights_zero", "every mutation weight 0", R"({"preset": "quick", "mutation": {"weights": {"insert_statement": 0, "delete_statement": 0, "change_op": 0, "change_argument": 0, "replace_constant": 0, "perturb_constant": 0, "wrap_argument": 0}}})", "key 'mutation.weights'", "at least one mutation weight must be positive"),
      config_row("config_unknown_task", "an unknown task 'imagenet'", R"({"preset": "quick", "suite": {"tasks": ["quadratic", "imagenet"]}})", "key 'suite.tasks[1]'", "expected a task name (one of: "),
      config_row("config_missing_tasks", "no preset and no tasks", R"({"seed": 1})", "key 'suite.tasks'", "missing"),
      config_row("config_weights_length", "three weights for two tasks", R"({"preset": "quick", "suite": {"weights": [1, 2, 3]}})", "key 'suite.weights'", "expected one weight per task (2)"),
      config_row("config_bad_strategy", "\"strategy\": \"genetic\"", R"({"preset": "quick", "strategy": "genetic"})", "key 'strategy'", "expected one of \"evolution\", \"random\""),
      config_row("config_tournament_too_large", "a tournament larger than the population", R"({"preset": "quick", "tournament_size": 100})", "key 'tournament_size'", "expected at most population_size (64)"),
      config_row("config_missing_warm_start", "a warm start file that does not exist", R"({"preset": "quick", "warm_start": ["nothere.opt"]})", "key 'warm_start[0]'", "warm-start program 'nothere.opt' not found"),
      config_row("config_empty_warm_start", "\"warm_start\": []", R"({"preset": "quick", "warm_start": []})", "key 'warm_start'", "expected a non-empty array of strings"),
      config_row("config_negative_seed", "\"seed\": -1", R"({"preset": "quick", "seed": -1})", "key 'seed'", "expected a non-negative integer"),
      config_row("config_fractional_threads", "\"threads\": 1.5", R"({"preset": "quick", "threads": 1.5})", "key 'threads'", "expected an integer, found the number 1.5"),
      config_row("config_bad_rung", "\"suite\": {\"rung\": \"huge\"}", R"({"preset": "quick", "suite": {"rung": "huge"}})", "key 'suite.rung'", "expected one of \"tiny\", \"small\", \"medium\", \"large\""),
      config_row("config_negative_task_weight", "a negative task weight", R"({"preset": "quick", "suite": {"weights": [1, -1]}})", "key 'suite.weights[1]'", "expected a weight >= 0"),
      cli_row("config_missing_file", "--config naming a missing file", {"search", "--config", "{case}/none.json", "--out", "{case}/run"},
              {"{case}/none.json", "cannot read the file"}),

      // Command-line values.
      cli_row("cli_unknown_preset", "--preset nope", {"search", "--preset", "nope", "--out", "{case}/run"}, {"--preset nope", "unknown preset 'nope' (known: "}),
      cli_row("cli_zero_budget", "--budget 0", {"search", "--budget", "0", "--out", "{case}/run"}, {"--budget", "expected a positive duration", "found '0'"}),
      cli_row("cli_negative_budget", "--budget -5m", {"search", "--budget", "-5m", "--out", "{case}/run"}, {"--budget", "expected a positive duration", "found '-5m'"}),
      cli_row("cli_unparsable_budget", "--budget soon", {"search", "--budget", "soon", "--out", "{case}/run"}, {"--budget", "expected a positive duration", "found 'soon'"}),
      cli_row("cli_zero_evaluations", "--evaluations 0", {"search", "--evaluations", "0", "--out", "{case}/run"}, {"--evaluations", "expected a positive integer, found 0"}),
      cli_row("cli_negative_evaluations", "--evaluations -4", {"search", "--evaluations", "-4", "--out", "{case}/run"}, {"--evaluations", "expected a positive integer, found -4"}),
      cli_row("cli_negative_threads", "--threads -1", {"search", "--threads", "-1", "--out", "{case}/run"}, {"--threads", "not in range 0 to 4096"}),
      cli_row("cli_seed_not_a_number", "--seed abc", {"search", "--seed", "abc", "--out", "{case}/run"}, {"--seed", "abc"}),
      cli_row("cli_preset_and_config", "--preset and --config together", {"search", "--preset", "quick", "--config", "{case}/c.json", "--out", "{case}/run"}, {"--preset", "--config", "not both"}),
      cli_row("cli_unknown_option", "search --bogus", {"search", "--bogus"}, {"--bogus", "not expected"}),
      cli_row("cli_unknown_command", "symopt frobnicate", {"frobnicate"}, {"unknown command 'frobnicate'", "expected one of: "}),
      cli_row("cli_missing_required_option", "trace without --oracle", {"trace", "{programs}/sgd.opt"}, {"--oracle", "required"}),
      cli_row("cli_zero_top", "show --top 0", {"show", "{programs}/sgd.opt", "--top", "0"}, {"--top", "not in range"}),

      // Run directories and --resume.
      cli_row("resume_missing_directory", "--resume of a folder that does not exist", {"search", "--resume", "{case}/nothere"},
              {"{case}/nothere", "not a directory (expected a search run directory)"}),
      {.id = "resume_a_file", .input = "--resume of a regular file", .args = {"search", "--resume", "{case}/file.txt"},
       .files = {{"file.txt", "hello\n"}}, .expect = {"{case}/file.txt", "expected a search run directory"}},
      {.id = "resume_empty_directory", .input = "--resume of an empty folder", .args = {"search", "--resume", "{case}/empty"},
       .expect = {"{case}/empty", "not a search run directory (expected config.json and checkpoint.json in it)"},
       .setup = [](const fs::path& d) { fs::create_directories(d / "empty"); }},
      resume_row("resume_no_checkpoint", "a run killed before its first checkpoint (config.json only)",
                 [](const fs::path& run) { fs::remove(run / "checkpoint.json"); },
                 {"{case}/run", "holds no checkpoint.json", "start it again with --out"}),
      resume_row("resume_corrupt_config", "a run whose config.json is cut short",
                 [](const fs::path& run) { write_file(run / "config.json", "{\n"); },
                 {"{case}/run/config.json", "line 2, column 1", "not valid JSON"}),
      resume_row("resume_config_without_run_id", "a run whose config.json lacks 'run'",
                 [](const fs::path& run) { edit_json(run / "config.json", [](json& c) { c.erase("run"); }); },
                 {"{case}/run/config.json", "key 'run.run_id'", "missing (not the config of a search run)"}),
      resume_row("resume_config_wrong_type", "a run whose config.json has a wrong type",
                 [](const fs::path& run) { edit_json(run / "config.json", [](json& c) { c["population_size"] = "x"; }); },
                 {"{case}/run/config.json", "key 'population_size'", "expected an integer"}),
      cli_row("resume_with_out", "--resume together with --out", {"search", "--resume", "{case}/run", "--out", "{case}/other"},
              {"--resume", "--out", "cannot be combined"}),
      {.id = "resume_other_seed", .input = "--resume with a different --seed", .args = {"search", "--resume", "{case}/run", "--seed", "5"},
       .expect = {"--seed 5", "{case}/run", "has seed 1, which a resume cannot change"},
       .setup = [](const fs::path& d) { copy_valid_run(d); }},
      resume_row("checkpoint_truncated", "checkpoint.json cut to 500 bytes",
                 [](const fs::path& run) { fs::resize_file(run / "checkpoint.json", 500); },
                 {"{case}/run/checkpoint.json", "line 1, column 501", "not a readable checkpoint (truncated or corrupt JSON"}),
      resume_row("checkpoint_empty", "an empty checkpoint.json",
                 [](const fs::path& run) { write_file(run / "checkpoint.json", ""); },
                 {"{case}/run/checkpoint.json", "line 1, column 1", "truncated or corrupt JSON"}),
      resume_row("checkpoint_bit_flip", "one digit of the checkpoint changed",
                 [](const fs::path& run) {
                   std::string text = read_file(run / "checkpoint.json");
                   const std::size_t at = text.find("\"evaluations\":") + 14;
                   text[at] = text[at] == '9' ? '8' : '9';
                   write_file(run / "checkpoint.json", text);
                 },
                 {"{case}/run/checkpoint.json", "checksum", "checkpoint is corrupt (checksum"}),
      resume_row("checkpoint_foreign", "another program's JSON as checkpoint.json",
                 [](const fs::path& run) { write_file(run / "checkpoint.json", R"({"hello": 1})"); },
                 {"{case}/run/checkpoint.json", "\"format\"", "expected \"format\": \"symopt-search-checkpoint\""}),
      resume_row("checkpoint_future_version", "a checkpoint of format version 99",
                 [](const fs::path& run) { edit_json(run / "checkpoint.json", [](json& c) { c["format_version"] = 99; }); },
                 {"{case}/run/checkpoint.json", "format version 99", "this symopt reads version 1"}),
      resume_row("checkpoint_without_checksum", "a checkpoint without its checksum",
                 [](const fs::path& run) { edit_json(run / "checkpoint.json", [](json& c) { c.erase("checksum"); }); },
                 {"{case}/run/checkpoint.json", "lacks its payload or checksum"}),
      resume_row("checkpoint_from_another_run", "the checkpoint of another run copied in",
                 [](const fs::path& run) { fs::copy_file(valid_run(2) / "checkpoint.json", run / "checkpoint.json", fs::copy_options::overwrite_existing); },
                 {"{case}/run/checkpoint.json", "belongs to run", "a checkpoint from another run?"}),
      resume_row("checkpoint_invalid_program", "a checkpoint (checksum intact) holding an invalid program",
                 [](const fs::path& run) {
                   edit_checkpoint_payload(run / "checkpoint.json", [](json& p) {
                     p["state"]["population"][0]["program"] = "def train(g):\n    u = frob(g)\n    return u\n";
                   });
                 },
                 {"{case}/run/checkpoint.json", "population member", "unknown op 'frob'"}),
      resume_row("checkpoint_state_wrong_type", "a checkpoint (checksum intact) whose counters are text",
                 [](const fs::path& run) {
                   edit_checkpoint_payload(run / "checkpoint.json", [](json& p) { p["state"]["counters"] = "many"; });
                 },
                 {"{case}/run/checkpoint.json", "key 'state.counters'", "checkpoint state is invalid"}),
      {.id = "show_not_a_run_directory", .input = "show of a folder that is not a run", .args = {"show", "{case}/empty"},
       .expect = {"{case}/empty", "not a search run directory (expected hall_of_fame.json in it)"},
       .setup = [](const fs::path& d) { fs::create_directories(d / "empty"); }},
      {.id = "show_corrupt_hall_of_fame", .input = "show of a run whose hall_of_fame.json is garbage", .args = {"show", "{case}/run"},
       .expect = {"{case}/run/hall_of_fame.json", "line 1, column 1", "not valid JSON"},
       .setup = [](const fs::path& d) {
         copy_valid_run(d);
         write_file(d / "run" / "hall_of_fame.json", "garbage");
       }},

      // Data files.
      data_row("data_missing_digits", "a data folder without digits.csv.gz", [](const fs::path&) {},
               {"{case}/data/digits.csv.gz", "file does not exist"}),
      data_row("data_digits_not_gzip", "random bytes as digits.csv.gz",
               [](const fs::path& data) {
                 std::mt19937 random(5);
                 std::string bytes(3000, '\0');
                 for (char& c : bytes) c = static_cast<char>(random());
                 bytes[0] = 'x';
                 write_file(data / "digits.csv.gz", bytes);
               },
               {"{case}/data/digits.csv.gz", "not a gzip file (expected the gzip-compressed digits CSV"}),
      data_row("data_digits_truncated", "digits.csv.gz cut to 1000 bytes",
               [](const fs::path& data) {
                 write_file(data / "digits.csv.gz", read_file(SYMOPT_SOURCE_DIR "/proxies/data/digits.csv.gz").substr(0, 1000));
               },
               {"{case}/data/digits.csv.gz", "corrupt or truncated gzip stream"}),
      data_row("data_digits_wrong_columns", "a digits row of 3 columns",
               [](const fs::path& data) { write_gzip(data / "digits.csv.gz", digits_csv(700, "1,2,3\n")); },
               {"{case}/data/digits.csv.gz", "row 1", "expected 65 columns, found 3"}),
      data_row("data_digits_bad_pixel", "a pixel value 'x'",
               [](const fs::path& data) { std::string bad_row = "0,x";
                 for (int column = 3; column <= 64; ++column) bad_row += ",0";
                 write_gzip(data / "digits.csv.gz", digits_csv(700, bad_row + ",1\n")); },
               {"{case}/data/digits.csv.gz", "row 1, column 2", "expected an integer pixel 0..16, got 'x'"}),
      data_row("data_digits_too_few_rows", "a digits file of 10 rows",
               [](const fs::path& data) { write_gzip(data / "digits.csv.gz", digits_csv(10, "")); },
               {"{case}/data/digits.csv.gz", "expected at least", "rows, found 10"}),
      {.id = "data_text_too_short", .input = "a 6-byte text file (config key suite.data_dir)",
       .args = {"search", "--config", "{case}/c.json", "--out", "{case}/run", "--quiet"},
       .files = {{"c.json", R"({"preset": "quick", "suite": {"tasks": ["char-mlp-lm"], "data_dir": "{case}/data"}})"},
                 {"data/english_fortunes.txt", "hello\n"}},
       .expect = {"{case}/data/english_fortunes.txt", "expected at least 4096 bytes of text, found 6"}},
      {.id = "data_text_binary", .input = "a text file with a NUL byte (config key suite.data_dir)",
       .args = {"search", "--config", "{case}/c.json", "--out", "{case}/run", "--quiet"},
       .files = {{"c.json", R"({"preset": "quick", "suite": {"tasks": ["transformer-lm"], "data_dir": "{case}/data"}})"},
                 {"data/english_fortunes.txt", std::string(5000, 'a') + std::string(1, '\0') + "b"}},
       .expect = {"{case}/data/english_fortunes.txt", "byte 5000 is NUL: not a text file"}},
      {.id = "data_text_missing", .input = "a data folder without the text file (config key suite.data_dir)",
       .args = {"search", "--config", "{case}/c.json", "--out", "{case}/run", "--quiet"},
       .files = {{"c.json", R"({"preset": "quick", "suite": {"tasks": ["char-mlp-lm"], "data_dir": "{case}/data"}})"},
                 {"data/README", "empty\n"}},
       .expect = {"{case}/data/english_fortunes.txt", "file does not exist"}},

      // Output directories.
      {.id = "output_under_a_file", .input = "--out below a regular file",
       .args = {"search", "--config", "{case}/c.json", "--out", "{case}/file.txt/run", "--quiet"},
       .files = {{"c.json", small_config()}, {"file.txt", "hello\n"}},
       .expect = {"{case}/file.txt/run", "cannot create the run directory", "{case}/file.txt is not a directory"}},
      {.id = "output_is_a_file", .input = "--out naming a regular file",
       .args = {"search", "--config", "{case}/c.json", "--out", "{case}/file.txt", "--quiet"},
       .files = {{"c.json", small_config()}, {"file.txt", "hello\n"}},
       .expect = {"{case}/file.txt", "exists and is not a directory (expected a directory for the run)"}},
      {.id = "output_not_writable", .input = "--out in a folder nobody may write (/sys for root)",
       .args = {"search", "--config", "{case}/c.json", "--out", ::geteuid() == 0 ? "/sys/symopt_catalogue_run" : "{case}/locked/run", "--quiet"},
       .files = {{"c.json", small_config()}},
       .expect = {::geteuid() == 0 ? "/sys/symopt_catalogue_run" : "{case}/locked/run", "cannot create the run directory"},
       .setup = [](const fs::path& d) {
         fs::create_directories(d / "locked");
         fs::permissions(d / "locked", fs::perms::owner_read | fs::perms::owner_exec);
       }},
      {.id = "output_holds_a_run", .input = "--out naming a folder that holds a run",
       .args = {"search", "--config", "{case}/c.json", "--out", "{case}/run", "--quiet"},
       .files = {{"c.json", small_config()}},
       .expect = {"{case}/run", "already holds a search run", "--resume"},
       .setup = [](const fs::path& d) { copy_valid_run(d); }},

      // Oracle files.
      oracle_row("oracle_gradient_row_length", "one gradient row of 5 numbers for 7 weights",
                 [](json& o) { o["grads"][3].erase(5); o["grads"][3].erase(5); }, "key \"grads[3]\"", "expected 7 numbers (rows * cols), found 5"),
      oracle_row("oracle_trajectory_steps", "10 trajectory rows for 60 steps",
                 [](json& o) { o["trajectory"].erase(o["trajectory"].begin() + 10, o["trajectory"].end()); }, "key \"trajectory\"", "expected 60 entries"),
      oracle_row("oracle_w0_length", "8 initial weights for shape [7]", [](json& o) { o["w0"].push_back(1.0); }, "key \"w0\"", "expected 7 numbers"),
      oracle_row("oracle_zero_steps", "\"steps\": 0", [](json& o) { o["steps"] = 0; }, "key \"steps\"", "expected a positive integer, found 0"),
      oracle_row("oracle_zero_shape", "\"shape\": [0]", [](json& o) { o["shape"] = json::array({0}); }, "key \"shape[0]\"", "expected a positive integer"),
      oracle_row("oracle_missing_gradients", "no \"grads\"", [](json& o) { o.erase("grads"); }, "key \"grads\"", "missing"),
      oracle_row("oracle_gradient_not_a_number", "a gradient entry \"x\"", [](json& o) { o["grads"][2][1] = "x"; }, "key \"grads[2][1]\"", "expected a number, found string"),
      oracle_row("oracle_missing_learning_rate", "\"hyper\" without \"lr\"", [](json& o) { o["hyper"] = json::object(); }, "key \"hyper.lr\"", "expected the learning rate as a number"),
      {.id = "oracle_truncated", .input = "an oracle file cut short", .args = {"trace", "{programs}/sgd.opt", "--oracle", "{case}/oracle.json"},
       .files = {{"oracle.json", "{\"name\":"}}, .expect = {"{case}/oracle.json", "line 1, column 9", "not valid JSON"}},
      cli_row("oracle_missing_file", "an oracle file that does not exist", {"trace", "{programs}/sgd.opt", "--oracle", "{case}/none.json"},
              {"{case}/none.json", "cannot read the file"}),
  };
  return rows;
}

// ---- the check ----

// Every file below `directory` with its bytes, and every folder (as "DIR/").
std::map<std::string, std::string> snapshot(const fs::path& directory) {
  std::map<std::string, std::string> files;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(directory, fs::directory_options::skip_permission_denied, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string name = fs::relative(it->path(), directory).string();
    files[it->is_directory() ? name + "/" : name] = it->is_regular_file() ? read_file(it->path()) : "";
  }
  return files;
}

std::string first_message_line(const std::string& output, const fs::path& case_directory) {
  std::istringstream lines(output);
  std::string line, first;
  while (std::getline(lines, line)) {
    if (line.rfind("preparing the suite", 0) == 0 || line.empty()) continue;
    first = line;
    break;
  }
  for (const auto& [path, name] : {std::pair{case_directory.string(), std::string("CASE")},
                                   std::pair{shared_directory().string(), std::string("SHARED")},
                                   std::pair{std::string(SYMOPT_SOURCE_DIR), std::string("SOURCE")},
                                   std::pair{std::string(SYMOPT_SHARED_DIR), std::string("../shared")}}) {
    for (std::size_t at = first.find(path); at != std::string::npos; at = first.find(path)) first.replace(at, path.size(), name);
  }
  return first;
}

std::string markdown_cell(std::string text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

class BadInputCatalogue : public ::testing::TestWithParam<Row> {};

TEST_P(BadInputCatalogue, ExitsTwoWithFilePlaceAndExpectationAndLeavesNothing) {
  const Row& row = GetParam();
  const fs::path case_directory = shared_directory() / row.id;
  fs::create_directories(case_directory);
  for (const auto& [name, text] : row.files) write_file(case_directory / name, replaced(text, case_directory));
  if (row.setup) row.setup(case_directory);
  const auto before = snapshot(case_directory);

  std::vector<std::string> args;
  for (const std::string& a : row.args) args.push_back(replaced(a, case_directory));
  std::vector<std::pair<std::string, std::string>> environment;
  for (const auto& [name, value] : row.environment) environment.emplace_back(name, replaced(value, case_directory));
  const testing::ChildResult result = testing::run_symopt_limited(args, environment, std::chrono::seconds(60));

  EXPECT_FALSE(result.timed_out) << "hung: " << result.output;
  EXPECT_EQ(result.signal, 0) << "crashed with signal " << result.signal << ": " << result.output;
  EXPECT_EQ(result.exit_code, 2) << result.output;
  for (const std::string& part : row.expect) {
    EXPECT_NE(result.output.find(replaced(part, case_directory)), std::string::npos)
        << "expected '" << replaced(part, case_directory) << "' in:\n" << result.output;
  }
  EXPECT_EQ(result.output.find("symopt: error:"), std::string::npos) << "an internal error, not an input error: " << result.output;
  const auto after = snapshot(case_directory);
  for (const auto& [name, bytes] : after) {
    EXPECT_TRUE(before.contains(name)) << "left behind: " << name;
    if (before.contains(name)) {
      EXPECT_TRUE(before.at(name) == bytes) << "changed: " << name;
    }
  }
  EXPECT_EQ(before.size(), after.size()) << "files disappeared";

  if (const char* doc = std::getenv("SYMOPT_BAD_INPUT_DOC")) {
    std::ofstream(doc, std::ios::app) << "| `" << row.id << "` | " << markdown_cell(row.input) << " | `` "
                                      << markdown_cell(first_message_line(result.output, case_directory)) << " `` |\n";
  }
  std::error_code error;
  fs::permissions(case_directory / "locked", fs::perms::owner_all, error);
  fs::remove_all(case_directory, error);
}

INSTANTIATE_TEST_SUITE_P(Rows, BadInputCatalogue, ::testing::ValuesIn(catalogue()),
                         [](const auto& info) { return info.param.id; });

TEST(BadInputCatalogueDoc, ListsEveryRowAndTheCatalogueHasAtLeastFortyRows) {
  const std::vector<Row> rows = catalogue();
  EXPECT_GE(rows.size(), 40u);
  const std::string doc = read_file(SYMOPT_SOURCE_DIR "/docs/bad_input.md");
  ASSERT_FALSE(doc.empty()) << "docs/bad_input.md is missing";
  for (const Row& row : rows) EXPECT_NE(doc.find("`" + row.id + "`"), std::string::npos) << row.id << " is not in docs/bad_input.md";
}

}  // namespace
}  // namespace symopt
