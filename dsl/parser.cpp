// Recursive-descent parser for program text. Each line is tokenized on its own (no line
// continuations); nested expressions are lowered to three-address statements on the fly.
#include "dsl/parser.h"

#include "dsl/op_table.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace symopt {
namespace {

struct Token {
  enum class Kind { name, number, symbol, end };
  Kind kind = Kind::end;
  std::string text;
  int column = 0;  // 1-based
};

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<Token> tokenize(std::string_view line, int line_number, int first_column) {
  std::vector<Token> tokens;
  std::size_t i = static_cast<std::size_t>(first_column - 1);
  while (i < line.size()) {
    const char c = line[i];
    const int column = static_cast<int>(i) + 1;
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#') {
      break;
    } else if (is_name_start(c)) {
      std::size_t j = i;
      while (j < line.size() && is_name_char(line[j])) ++j;
      tokens.push_back({Token::Kind::name, std::string(line.substr(i, j - i)), column});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      // A literal runs over digits, '.', exponent and its sign; from_chars judges it later.
      std::size_t j = i;
      while (j < line.size()) {
        const char d = line[j];
        const bool exponent_sign =
            (d == '+' || d == '-') && j > i && (line[j - 1] == 'e' || line[j - 1] == 'E');
        if (std::isalnum(static_cast<unsigned char>(d)) || d == '.' || d == '_' || exponent_sign) {
          ++j;
        } else {
          break;
        }
      }
      tokens.push_back({Token::Kind::number, std::string(line.substr(i, j - i)), column});
      i = j;
    } else if (c == '*' && i + 1 < line.size() && line[i + 1] == '*') {
      tokens.push_back({Token::Kind::symbol, "**", column});
      i += 2;
    } else if (std::string_view("+-*/(),=:").find(c) != std::string_view::npos) {
      tokens.push_back({Token::Kind::symbol, std::string(1, c), column});
      ++i;
    } else {
      throw DslError({line_number, column},
                     fmt::format("unexpected character '{}'", std::string(1, c)));
    }
  }
  tokens.push_back({Token::Kind::end, "", static_cast<int>(line.size()) + 1});
  return tokens;
}

// Where a statement's result goes while its expression is lowered.
struct Value {
  Operand operand;
  SourceLocation location;
};

class LineParser {
 public:
  LineParser(Program& program, std::vector<Token> tokens, int line)
      : program_(program), tokens_(std::move(tokens)), line_(line) {}

  const Token& peek() const { return tokens_[position_]; }
  const Token& next() { return tokens_[position_++]; }
  bool accept(std::string_view symbol) {
    if (peek().kind == Token::Kind::symbol && peek().text == symbol) {
      ++position_;
      return true;
    }
    return false;
  }
  SourceLocation here() const { return {line_, peek().column}; }
  [[noreturn]] void fail(const std::string& what) const { throw DslError(here(), what); }
  void expect(std::string_view symbol, std::string_view context) {
    if (!accept(symbol)) {
      fail(fmt::format("expected '{}' {}, found {}", symbol, context, describe(peek())));
    }
  }
  void expect_end() {
    if (peek().kind != Token::Kind::end) {
      fail(fmt::format("unexpected {} after the end of the statement", describe(peek())));
    }
  }
  static std::string describe(const Token& token) {
    switch (token.kind) {
      case Token::Kind::end: return "end of line";
      case Token::Kind::name: return fmt::format("name '{}'", token.text);
      case Token::Kind::number: return fmt::format("number '{}'", token.text);
      default: return fmt::format("'{}'", token.text);
    }
  }
  std::string expect_name(std::string_view context) {
    if (peek().kind != Token::Kind::name) {
      fail(fmt::format("expected a name {}, found {}", context, describe(peek())));
    }
    return next().text;
  }

  Value expression() {
    // Bounded so hostile input cannot exhaust the stack.
    if (++depth_ > max_nesting) fail(fmt::format("expression nested deeper than {} levels", max_nesting));
    Value value = additive();
    --depth_;
    return value;
  }

  // Emits target = op(args); a fresh temporary when target < 0. Returns the result.
  Value emit(int op, std::vector<Value> args, SourceLocation where) {
    Statement statement;
    statement.op = op;
    statement.location = where;
    for (std::size_t i = 0; i < args.size(); ++i) statement.arguments[i] = args[i].operand;
    statement.target = program_.add_variable(fresh_temporary());
    program_.body.push_back(statement);
    return {Operand::of_variable(statement.target), where};
  }

 private:
  std::string fresh_temporary() {
    for (;;) {
      std::string name = fmt::format("_{}", ++temporary_counter_);
      if (program_.find_variable(name) < 0) return name;
    }
  }

  Value additive() {
    Value left = multiplicative();
    for (;;) {
      const SourceLocation where = here();
      if (accept("+")) {
        left = emit(*find_infix_op("+", 2), {left, multiplicative()}, where);
      } else if (accept("-")) {
        left = emit(*find_infix_op("-", 2), {left, multiplicative()}, where);
      } else {
        return left;
      }
    }
  }

  Value multiplicative() {
    Value left = unary();
    for (;;) {
      const SourceLocation where = here();
      if (accept("*")) {
        left = emit(*find_infix_op("*", 2), {left, unary()}, where);
      } else if (accept("/")) {
        left = emit(*find_infix_op("/", 2), {left, unary()}, where);
      } else {
        return left;
      }
    }
  }

  Value unary() {
    const SourceLocation where = here();
    if (accept("-")) {
      if (++depth_ > max_nesting) fail(fmt::format("expression nested deeper than {} levels", max_nesting));
      struct Unnest { int& depth; ~Unnest() { --depth; } } unnest{depth_};
      // "-0.5" is one negative literal (so printed constants parse back unchanged), but
      // "-2 ** x" is -(2 ** x) and "-(0.5)" stays a negation.
      const bool literal_follows = peek().kind == Token::Kind::number &&
                                   !(tokens_[position_ + 1].kind == Token::Kind::symbol &&
                                     tokens_[position_ + 1].text == "**");
      if (literal_follows) {
        const Token& token = next();
        return {Operand::of_constant(-parse_literal(token, here())), where};
      }
      return emit(*find_infix_op("-", 1), {unary()}, where);
    }
    return power();
  }

  Value power() {
    Value base = primary();
    const SourceLocation where = here();
    if (accept("**")) return emit(*find_infix_op("**", 2), {base, unary()}, where);
    return base;
  }

  Value primary() {
    const Token& token = peek();
    const SourceLocation where = here();
    if (token.kind == Token::Kind::number) {
      next();
      return {Operand::of_constant(parse_literal(token, where)), where};
    }
    if (accept("(")) {
      Value inner = expression();
      expect(")", "to close '('");
      return inner;
    }
    if (token.kind == Token::Kind::name) {
      next();
      if (accept("(")) return call(token.text, where);
      const int variable = program_.find_variable(token.text);
      if (variable < 0 || !defined_.contains(variable)) {
        throw DslError(where, fmt::format("undefined variable '{}' (expected a parameter or a variable assigned above)",
                                          token.text));
      }
      return {Operand::of_variable(variable), where};
    }
    fail(fmt::format("expected a value (name, number, call or '('), found {}", describe(token)));
  }

  Value call(const std::string& name, SourceLocation where) {
    const auto op = find_op(name);
    if (!op || *op == copy_op()) {
      throw DslError(where, fmt::format("unknown op '{}' (expected an op name; `symopt ops` lists them)", name));
    }
    std::vector<Value> args;
    if (!accept(")")) {
      do {
        args.push_back(expression());
      } while (accept(","));
      expect(")", fmt::format("to close the arguments of '{}'", name));
    }
    const OpInfo& info = op_info(*op);
    if (static_cast<int>(args.size()) != info.arity) {
      throw DslError(where, fmt::format("op '{}' takes {} argument{}, given {}", name, info.arity,
                                        info.arity == 1 ? "" : "s", args.size()));
    }
    return emit(*op, std::move(args), where);
  }

  static double parse_literal(const Token& token, SourceLocation where) {
    double value = 0;
    const char* begin = token.text.data();
    const char* end = begin + token.text.size();
    const auto [stop, error] = std::from_chars(begin, end, value);
    if (error != std::errc() || stop != end || !std::isfinite(value)) {
      throw DslError(where, fmt::format("bad number literal '{}'", token.text));
    }
    return value;
  }

 public:
  std::set<int>& defined() { return defined_; }

 private:
  Program& program_;
  std::vector<Token> tokens_;
  std::size_t position_ = 0;
  int line_;
  std::set<int> defined_;
  int temporary_counter_ = 0;
  int depth_ = 0;
  static constexpr int max_nesting = 64;
};

struct SourceLine {
  int number = 0;
  int indent = 0;  // column of the first non-blank character minus one
  std::string_view text;
};

std::vector<SourceLine> meaningful_lines(std::string_view text) {
  std::vector<SourceLine> lines;
  int number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    ++number;
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#') {
      if (line.substr(0, first).find('\t') != std::string_view::npos) {
        throw DslError({number, 1}, "bad indentation: use spaces, not tabs");
      }
      lines.push_back({number, static_cast<int>(first), line});
    }
    start = end + 1;
  }
  return lines;
}

}  // namespace

Program parse_program(std::string_view text) {
  const std::vector<SourceLine> lines = meaningful_lines(text);
  if (lines.empty()) throw DslError({1, 1}, "empty program: expected 'def train(...):'");

  Program program;
  std::set<int> defined;

  // The signature: def NAME(params):
  const SourceLine& header = lines.front();
  if (header.indent != 0) throw DslError({header.number, 1}, "bad indentation: 'def' must start the line");
  {
    LineParser parser(program, tokenize(header.text, header.number, 1), header.number);
    if (parser.peek().text != "def") parser.fail("expected 'def' to start the program");
    parser.next();
    parser.expect_name("for the function after 'def'");
    parser.expect("(", "after the function name");
    if (!parser.accept(")")) {
      do {
        const SourceLocation where = parser.here();
        const std::string name = parser.expect_name("for a parameter");
        if (program.find_variable(name) >= 0) {
          throw DslError(where, fmt::format("parameter '{}' appears twice (expected distinct names)", name));
        }
        program.parameters.push_back(program.add_variable(name));
      } while (parser.accept(","));
      parser.expect(")", "to close the parameter list");
    }
    parser.expect(":", "after the parameter list");
    parser.expect_end();
    for (int p : program.parameters) defined.insert(p);
  }
  if (lines.size() == 1) {
    throw DslError({header.number, static_cast<int>(header.text.size()) + 1},
                   "empty program: expected an indented body after the signature");
  }

  const int body_indent = lines[1].indent;
  if (body_indent == 0) {
    throw DslError({lines[1].number, 1}, "bad indentation: the body must be indented");
  }
  bool returned = false;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const SourceLine& line = lines[i];
    if (line.indent != body_indent) {
      throw DslError({line.number, line.indent + 1},
                     fmt::format("bad indentation: expected {} spaces as on line {}, found {}",
                                 body_indent, lines[1].number, line.indent));
    }
    if (returned) {
      throw DslError({line.number, line.indent + 1}, "statement after 'return' (expected 'return' to end the program)");
    }
    LineParser parser(program, tokenize(line.text, line.number, line.indent + 1), line.number);
    parser.defined() = defined;
    const SourceLocation start = parser.here();
    const std::size_t body_before = program.body.size();
    if (parser.peek().kind == Token::Kind::name && parser.peek().text == "return") {
      parser.next();
      program.return_location = start;
      std::vector<std::pair<Operand, SourceLocation>> items;
      if (parser.peek().kind == Token::Kind::end) parser.fail("expected the update after 'return'");
      do {
        const SourceLocation where = parser.here();
        items.push_back({parser.expression().operand, where});
      } while (parser.accept(","));
      parser.expect_end();
      for (std::size_t k = 0; k < items.size(); ++k) {
        auto [operand, where] = items[k];
        if (operand.is_constant()) {
          throw DslError(where, k == 0 ? "the update must be a tensor expression, not a literal"
                                       : "expected a state variable name in 'return'");
        }
        program.returns.push_back(operand.variable);
      }
      returned = true;
    } else {
      const std::string name = parser.expect_name("to assign to (a statement is 'name = expression')");
      parser.expect("=", fmt::format("after '{}'", name));
      const Value value = parser.expression();
      parser.expect_end();
      const bool wrote_new_statement = program.body.size() > body_before;
      Statement* last = wrote_new_statement ? &program.body.back() : nullptr;
      const bool result_is_fresh_temporary =
          last && !value.operand.is_constant() && value.operand.variable == last->target &&
          !defined.contains(last->target);
      if (result_is_fresh_temporary) {
        // The outermost op writes the target directly. Its temporary was the last variable
        // made, so dropping it gives a new target the same number it gets when the printed
        // text (where temporaries come first) is parsed again.
        program.variables.pop_back();
      }
      int target = program.find_variable(name);
      if (target < 0) target = program.add_variable(name);
      if (result_is_fresh_temporary) {
        last->target = target;
      } else {
        Statement copy;
        copy.op = copy_op();
        copy.target = target;
        copy.arguments[0] = value.operand;
        copy.location = start;
        program.body.push_back(copy);
      }
      defined.insert(program.body.back().target);
    }
    for (std::size_t k = body_before; k < program.body.size(); ++k) {
      defined.insert(program.body[k].target);
    }
    if (static_cast<int>(program.body.size()) > max_program_statements) {
      throw DslError({line.number, 1},
                     fmt::format("program too long: more than {} statements after lowering",
                                 max_program_statements));
    }
  }
  if (!returned) {
    const SourceLine& last = lines.back();
    throw DslError({last.number + 1, 1}, "missing 'return' at the end of the program");
  }
  return program;
}

}  // namespace symopt
