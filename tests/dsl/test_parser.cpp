// Parser and printer: round trips, the folded form, and the catalogue of malformed inputs.
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "random_programs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace symopt {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(Parser, ReadsDesignExampleIntoThreeAddressStatements) {
  const Program p = parse_program(
      "def train(w, g, lr, m, v):\n"
      "    m = interp(g, m, 0.9)\n"
      "    v = interp(square(g), v, 0.999)\n"
      "    update = m / (sqrt(v) + 1e-8)\n"
      "    update = update + w * 0.01\n"
      "    update = update * lr\n"
      "    return update, m, v\n");
  EXPECT_EQ(p.parameters.size(), 5u);
  EXPECT_EQ(p.body.size(), 9u);  // interp, square, interp, sqrt, add, div, mul, add, mul
  EXPECT_EQ(op_info(p.body[0].op).name, "interp");
  EXPECT_EQ(p.body[0].arguments[2].constant, 0.9);
  EXPECT_EQ(p.returns.size(), 3u);
}

TEST(Parser, ReferenceProgramsRoundTrip) {
  for (const auto& entry : std::filesystem::directory_iterator(SYMOPT_SOURCE_DIR "/programs")) {
    SCOPED_TRACE(entry.path().string());
    const Program p = parse_program(read_file(entry.path()));
    EXPECT_EQ(parse_program(print_program(p)), p);
    // The folded form reads back to a program that prints the same canonical text.
    const Program folded = parse_program(print_folded(p));
    EXPECT_EQ(print_program(parse_program(print_folded(folded))), print_program(folded));
  }
}

TEST(Parser, RandomProgramsRoundTripThroughText) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    const Program p = testing::random_program(rng, 1 + i % 20);
    const std::string text = print_program(p);
    ASSERT_EQ(parse_program(text), p) << text;
  }
}

TEST(Parser, PrecedenceAndNegativeLiterals) {
  const Program p = parse_program("def train(g):\n    u = -2 ** g * -0.5 - (g - 1)\n    return u\n");
  // -(2 ** g) * -0.5 - (g - 1): pow, neg, mul, sub, sub
  ASSERT_EQ(p.body.size(), 5u);
  EXPECT_EQ(op_info(p.body[0].op).name, "pow");
  EXPECT_EQ(op_info(p.body[1].op).name, "neg");
  EXPECT_EQ(p.body[2].arguments[1].constant, -0.5);
  EXPECT_EQ(print_folded(p), "def train(g):\n    u = -2 ** g * -0.5 - (g - 1)\n    return u\n");
}

TEST(Printer, FoldedFormInlinesSingleUseTemporaries) {
  const Program p = parse_program(
      "def train(g, lr, m):\n    update = sign(interp(g, m, 0.9)) * lr\n"
      "    m = interp(g, m, 0.99)\n    return update, m\n");
  EXPECT_EQ(print_folded(p), "def train(g, lr, m):\n    update = sign(interp(g, m, 0.9)) * lr\n"
                             "    m = interp(g, m, 0.99)\n    return update, m\n");
}

TEST(Printer, FoldingNeverMovesAReadPastAnAssignment) {
  // _1 reads the old m; inlining it after m changes would change the meaning.
  const Program p = parse_program(
      "def train(g, m):\n    _1 = m * 2\n    m = interp(g, m, 0.5)\n    u = _1 + m\n    return u, m\n");
  EXPECT_EQ(print_folded(p), "def train(g, m):\n    _1 = m * 2\n    m = interp(g, m, 0.5)\n"
                             "    u = _1 + m\n    return u, m\n");
}

struct BadInput {
  const char* name;
  const char* text;
  int line;
  int column;
  const char* message;
};

class ParserErrors : public ::testing::TestWithParam<BadInput> {};

TEST_P(ParserErrors, NameLineColumnAndWhatWasExpected) {
  const BadInput& bad = GetParam();
  try {
    parse_program(bad.text);
    FAIL() << "accepted: " << bad.text;
  } catch (const DslError& error) {
    EXPECT_EQ(error.where.line, bad.line) << error.what();
    EXPECT_EQ(error.where.column, bad.column) << error.what();
    EXPECT_NE(std::string(error.what()).find(bad.message), std::string::npos) << error.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, ParserErrors,
    ::testing::Values(
        BadInput{"empty", "", 1, 1, "empty program"},
        BadInput{"only_comments", "# nothing\n\n", 1, 1, "empty program"},
        BadInput{"no_body", "def train(g):\n", 1, 14, "empty program"},
        BadInput{"unknown_op", "def train(g):\n    u = frobnicate(g)\n    return u\n", 2, 9, "unknown op 'frobnicate'"},
        BadInput{"wrong_arity", "def train(g):\n    u = interp(g, g)\n    return u\n", 2, 9, "takes 3 arguments, given 2"},
        BadInput{"undefined_variable", "def train(g):\n    u = g * q\n    return u\n", 2, 13, "undefined variable 'q'"},
        BadInput{"missing_return", "def train(g):\n    u = g\n", 3, 1, "missing 'return'"},
        BadInput{"bad_literal", "def train(g):\n    u = g * 1.2.3\n    return u\n", 2, 13, "bad number literal '1.2.3'"},
        BadInput{"bad_literal_suffix", "def train(g):\n    u = g * 3x\n    return u\n", 2, 13, "bad number literal '3x'"},
        BadInput{"overflowing_literal", "def train(g):\n    u = g * 1e999\n    return u\n", 2, 13, "bad number literal"},
        BadInput{"body_not_indented", "def train(g):\nu = g\n    return u\n", 2, 1, "bad indentation"},
        BadInput{"uneven_indent", "def train(g):\n    u = g\n      return u\n", 3, 7, "bad indentation"},
        BadInput{"tab_indent", "def train(g):\n\tu = g\n\treturn u\n", 2, 1, "not tabs"},
        BadInput{"no_def", "train(g):\n    return g\n", 1, 1, "expected 'def'"},
        BadInput{"missing_colon", "def train(g)\n    return g\n", 1, 13, "expected ':'"},
        BadInput{"duplicate_parameter", "def train(g, g):\n    return g\n", 1, 14, "appears twice"},
        BadInput{"unclosed_paren", "def train(g):\n    u = (g + 1\n    return u\n", 2, 15, "expected ')'"},
        BadInput{"unexpected_character", "def train(g):\n    u = g $ 2\n    return u\n", 2, 11, "unexpected character '$'"},
        BadInput{"trailing_tokens", "def train(g):\n    u = g g\n    return u\n", 2, 11, "unexpected name 'g'"},
        BadInput{"statement_after_return", "def train(g):\n    return g\n    u = g\n", 3, 5, "after 'return'"},
        BadInput{"not_an_assignment", "def train(g):\n    g + 1\n    return g\n", 2, 7, "expected '='"},
        BadInput{"literal_update", "def train(g):\n    return 1.0\n", 2, 12, "not a literal"},
        BadInput{"empty_return", "def train(g):\n    return\n", 2, 11, "expected the update"},
        BadInput{"nested_too_deep", "def train(g):\n    u = ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((g\n    return u\n", 2, 73, "nested deeper than 64"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Parser, ProgramTooLong) {
  std::string text = "def train(g):\n    u = g\n";
  for (int i = 0; i < max_program_statements + 5; ++i) text += "    u = u + g\n";
  text += "    return u\n";
  try {
    parse_program(text);
    FAIL();
  } catch (const DslError& error) {
    EXPECT_NE(std::string(error.what()).find("program too long"), std::string::npos);
    EXPECT_GT(error.where.line, max_program_statements);
  }
}

}  // namespace
}  // namespace symopt
