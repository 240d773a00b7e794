#include "equitas/forms/expression.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <optional>
#include <re2/re2.h>
#include <sstream>

namespace equitas::forms {

// ---------------------------------------------------------------- values

Value Value::str(std::string s) {
  Value v;
  v.s_ = std::move(s);
  return v;
}

Value Value::num(double d) {
  Value v;
  v.kind_ = Kind::kNumber;
  v.d_ = d;
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}

namespace {

double parse_number(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return std::nan("");
  // XPath numbers: optional minus, digits, optional fraction. No exponents, no hex.
  std::size_t i = 0;
  if (s[i] == '-') ++i;
  bool digits = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
  }
  if (!digits || i != s.size()) return std::nan("");
  double d = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nan("");
  return d;
}

bool is_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

}  // namespace

double Value::to_number() const {
  switch (kind_) {
    case Kind::kNumber: return d_;
    case Kind::kBool: return b_ ? 1 : 0;
    case Kind::kString: return parse_number(s_);
  }
  return std::nan("");
}

std::string Value::to_string() const {
  switch (kind_) {
    case Kind::kString: return s_;
    case Kind::kBool: return b_ ? "true" : "false";
    case Kind::kNumber: {
      if (std::isnan(d_)) return "NaN";
      if (std::isinf(d_)) return d_ > 0 ? "Infinity" : "-Infinity";
      if (d_ == std::floor(d_) && std::fabs(d_) < 1e15) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", d_);
        return buf;
      }
      std::ostringstream out;
      out.precision(15);
      out << d_;
      return out.str();
    }
  }
  return "";
}

bool Value::to_bool() const {
  switch (kind_) {
    case Kind::kString: return !s_.empty();
    case Kind::kBool: return b_;
    case Kind::kNumber: return d_ != 0 && !std::isnan(d_);
  }
  return false;
}

// ---------------------------------------------------------------- syntax tree

enum class Op { kOr, kAnd, kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv, kMod, kNeg };

struct Expr::Node {
  enum class Kind { kLiteral, kRef, kCurrent, kBare, kUnary, kBinary, kCall } kind;
  Value literal;
  std::string name;  // ref, bare or function name
  Op op = Op::kOr;
  std::vector<std::shared_ptr<const Node>> args;
  // regex() with a literal pattern: compiled once, when the expression is
  // parsed (RE2 objects are safe to share between threads).
  std::shared_ptr<const re2::RE2> pattern;
};

namespace {

// Regular expressions in forms run on answers from anyone, on the collector
// and again on the server, so the engine must not backtrack: RE2 matches in
// time linear in the answer and without recursion (libstdc++'s std::regex
// recursed once per character, overflowing the stack on long answers, and
// took exponential time on patterns such as (a|aa)*). RE2 has no
// backreferences or lookaround; XLSForm's regex() needs neither. A compiled
// pattern may take at most this much memory (RE2 also caps counted
// repetition at 1,000).
constexpr std::int64_t kMaxPatternMemory = 1 << 20;

std::shared_ptr<const re2::RE2> compile_pattern(const std::string& pattern) {
  re2::RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(kMaxPatternMemory);
  return std::make_shared<const re2::RE2>(pattern, o);
}

using NodePtr = std::shared_ptr<const Expr::Node>;
using Node = Expr::Node;

// Functions: name, minimum and maximum argument count.
struct FunctionSpec {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;
};
constexpr FunctionSpec kFunctions[] = {
    {"selected", 2, 2}, {"count-selected", 1, 1}, {"string-length", 1, 1}, {"regex", 2, 2},
    {"if", 3, 3},       {"coalesce", 2, 8},       {"today", 0, 0},         {"int", 1, 1},
    {"number", 1, 1},   {"not", 1, 1},            {"concat", 1, 32},       {"string", 1, 1},
    {"round", 1, 2},    {"count", 1, 1},          {"boolean", 1, 1},       {"true", 0, 0},
    {"false", 0, 0},
};

const FunctionSpec* find_function(std::string_view name) {
  for (const auto& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

enum class Tok { kEnd, kNumber, kString, kRef, kDot, kName, kLParen, kRParen, kComma, kOp };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
  std::size_t pos = 0;
};

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxSource = 8192;

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src) {}

  Result<NodePtr> parse() {
    if (src_.size() > kMaxSource) return error(0, "expression is longer than 8192 characters");
    if (Status s = advance(); !s.is_ok()) return s;
    if (tok_.kind == Tok::kEnd) return error(0, "expression is empty");
    auto e = expression(0, 0);
    if (!e.is_ok()) return e;
    if (tok_.kind != Tok::kEnd) return error(tok_.pos, "unexpected '" + tok_.text + "'");
    return e;
  }

 private:
  static Status error(std::size_t pos, const std::string& what) {
    return Status::invalid_argument("at position " + std::to_string(pos) + ": " + what);
  }

  Status advance() {
    while (pos_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos_]))) ++pos_;
    tok_ = Token{};
    tok_.pos = pos_;
    if (pos_ >= src_.size()) return Status::ok();
    const char c = src_[pos_];
    auto take = [&](Tok kind, std::size_t n) {
      tok_.kind = kind;
      tok_.text = std::string(src_.substr(pos_, n));
      pos_ += n;
      return Status::ok();
    };
    if (c == '$') {
      if (pos_ + 1 >= src_.size() || src_[pos_ + 1] != '{') return error(pos_, "'$' must start ${name}");
      const auto close = src_.find('}', pos_);
      if (close == std::string_view::npos) return error(pos_, "unclosed ${");
      const std::string_view name = src_.substr(pos_ + 2, close - pos_ - 2);
      if (name.empty() || !valid_name(name)) return error(pos_ + 2, "'" + std::string(name) + "' is not a question name");
      tok_.kind = Tok::kRef;
      tok_.text = std::string(name);
      pos_ = close + 1;
      return Status::ok();
    }
    if (c == '\'' || c == '"') {
      const auto close = src_.find(c, pos_ + 1);
      if (close == std::string_view::npos) return error(pos_, "unclosed text literal");
      tok_.kind = Tok::kString;
      tok_.text = std::string(src_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
      return Status::ok();
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && pos_ + 1 < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_ + 1])))) {
      std::size_t n = 0;
      while (pos_ + n < src_.size() &&
             (std::isdigit(static_cast<unsigned char>(src_[pos_ + n])) || src_[pos_ + n] == '.')) {
        ++n;
      }
      return take(Tok::kNumber, n);
    }
    if (c == '.') return take(Tok::kDot, 1);
    if (c == '(') return take(Tok::kLParen, 1);
    if (c == ')') return take(Tok::kRParen, 1);
    if (c == ',') return take(Tok::kComma, 1);
    if (c == '!' || c == '<' || c == '>') {
      const bool eq = pos_ + 1 < src_.size() && src_[pos_ + 1] == '=';
      if (c == '!' && !eq) return error(pos_, "'!' must be followed by '='");
      return take(Tok::kOp, eq ? 2 : 1);
    }
    if (c == '=' || c == '+' || c == '-' || c == '*') return take(Tok::kOp, 1);
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t n = 0;
      while (pos_ + n < src_.size()) {
        const char d = src_[pos_ + n];
        if (std::isalnum(static_cast<unsigned char>(d)) || d == '_' || d == ':') {
          ++n;
        } else if (d == '-' && pos_ + n + 1 < src_.size() &&
                   std::isalpha(static_cast<unsigned char>(src_[pos_ + n + 1]))) {
          ++n;  // hyphenated names: count-selected, string-length
        } else {
          break;
        }
      }
      return take(Tok::kName, n);
    }
    return error(pos_, std::string("unexpected character '") + c + "'");
  }

  static bool valid_name(std::string_view n) {
    if (!(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
    for (char c : n) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
    }
    return true;
  }

  // The binary operator at the current token, if any, with its precedence.
  std::optional<std::pair<Op, int>> binary_op() const {
    if (tok_.kind == Tok::kName) {
      if (tok_.text == "or") return std::pair{Op::kOr, 1};
      if (tok_.text == "and") return std::pair{Op::kAnd, 2};
      if (tok_.text == "div") return std::pair{Op::kDiv, 6};
      if (tok_.text == "mod") return std::pair{Op::kMod, 6};
      return std::nullopt;
    }
    if (tok_.kind != Tok::kOp) return std::nullopt;
    const std::string& t = tok_.text;
    if (t == "=") return std::pair{Op::kEq, 3};
    if (t == "!=") return std::pair{Op::kNe, 3};
    if (t == "<") return std::pair{Op::kLt, 4};
    if (t == "<=") return std::pair{Op::kLe, 4};
    if (t == ">") return std::pair{Op::kGt, 4};
    if (t == ">=") return std::pair{Op::kGe, 4};
    if (t == "+") return std::pair{Op::kAdd, 5};
    if (t == "-") return std::pair{Op::kSub, 5};
    if (t == "*") return std::pair{Op::kMul, 6};
    return std::nullopt;
  }

  Result<NodePtr> expression(int min_prec, int depth) {
    if (depth > kMaxDepth) return error(tok_.pos, "expression is nested too deeply");
    auto left = unary(depth + 1);
    if (!left.is_ok()) return left;
    NodePtr lhs = std::move(left).value();
    for (auto op = binary_op(); op && op->second > min_prec; op = binary_op()) {
      EQ_RETURN_IF_ERROR(advance());
      auto right = expression(op->second, depth + 1);  // left-associative
      if (!right.is_ok()) return right;
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::kBinary;
      n->op = op->first;
      n->args = {lhs, std::move(right).value()};
      lhs = std::move(n);
    }
    return lhs;
  }

  Result<NodePtr> unary(int depth) {
    if (depth > kMaxDepth) return error(tok_.pos, "expression is nested too deeply");
    if (tok_.kind == Tok::kOp && tok_.text == "-") {
      EQ_RETURN_IF_ERROR(advance());
      auto operand = unary(depth + 1);
      if (!operand.is_ok()) return operand;
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::kUnary;
      n->op = Op::kNeg;
      n->args = {std::move(operand).value()};
      return NodePtr(n);
    }
    return primary(depth + 1);
  }

  Result<NodePtr> primary(int depth) {
    auto n = std::make_shared<Node>();
    const Token t = tok_;
    switch (t.kind) {
      case Tok::kNumber: {
        const double d = parse_number(t.text);
        if (std::isnan(d)) return error(t.pos, "'" + t.text + "' is not a number");
        n->kind = Node::Kind::kLiteral;
        n->literal = Value::num(d);
        EQ_RETURN_IF_ERROR(advance());
        return NodePtr(n);
      }
      case Tok::kString:
        n->kind = Node::Kind::kLiteral;
        n->literal = Value::str(t.text);
        EQ_RETURN_IF_ERROR(advance());
        return NodePtr(n);
      case Tok::kRef:
        n->kind = Node::Kind::kRef;
        n->name = t.text;
        EQ_RETURN_IF_ERROR(advance());
        return NodePtr(n);
      case Tok::kDot:
        n->kind = Node::Kind::kCurrent;
        EQ_RETURN_IF_ERROR(advance());
        return NodePtr(n);
      case Tok::kLParen: {
        EQ_RETURN_IF_ERROR(advance());
        auto inner = expression(0, depth + 1);
        if (!inner.is_ok()) return inner;
        if (tok_.kind != Tok::kRParen) return error(tok_.pos, "expected ')'");
        EQ_RETURN_IF_ERROR(advance());
        return inner;
      }
      case Tok::kName: {
        EQ_RETURN_IF_ERROR(advance());
        if (tok_.kind != Tok::kLParen) {
          if (t.text == "and" || t.text == "or" || t.text == "div" || t.text == "mod") {
            return error(t.pos, "'" + t.text + "' needs something on its left");
          }
          n->kind = Node::Kind::kBare;
          n->name = t.text;
          return NodePtr(n);
        }
        const FunctionSpec* spec = find_function(t.text);
        if (spec == nullptr) return error(t.pos, "unknown function '" + t.text + "()'");
        EQ_RETURN_IF_ERROR(advance());
        n->kind = Node::Kind::kCall;
        n->name = t.text;
        if (tok_.kind != Tok::kRParen) {
          for (;;) {
            auto arg = expression(0, depth + 1);
            if (!arg.is_ok()) return arg;
            n->args.push_back(std::move(arg).value());
            if (tok_.kind == Tok::kComma) {
              EQ_RETURN_IF_ERROR(advance());
              continue;
            }
            break;
          }
        }
        if (tok_.kind != Tok::kRParen) return error(tok_.pos, "expected ')' or ','");
        EQ_RETURN_IF_ERROR(advance());
        if (n->args.size() < spec->min_args || n->args.size() > spec->max_args) {
          return error(t.pos, t.text + "() takes " + std::to_string(spec->min_args) +
                                  (spec->max_args != spec->min_args ? " to " + std::to_string(spec->max_args) : "") +
                                  " argument(s), not " + std::to_string(n->args.size()));
        }
        if (n->name == "count" && n->args[0]->kind != Node::Kind::kRef) {
          return error(t.pos, "count() takes a ${repeat} reference");
        }
        if (n->name == "regex" && n->args[1]->kind == Node::Kind::kLiteral) {
          n->pattern = compile_pattern(n->args[1]->literal.to_string());
          if (!n->pattern->ok()) {
            return error(t.pos, "regex() pattern is not a regular expression this engine accepts: " +
                             n->pattern->error());
          }
        }
        return NodePtr(n);
      }
      case Tok::kEnd:
        return error(t.pos, "expression ends too early");
      default:
        return error(t.pos, "unexpected '" + t.text + "'");
    }
  }

  std::string_view src_;
  std::size_t pos_ = 0;
  Token tok_;
};

// ---------------------------------------------------------------- evaluation

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

bool compare(Op op, const Value& a, const Value& b) {
  const bool equality = op == Op::kEq || op == Op::kNe;
  if (equality) {
    bool eq;
    if (a.kind() == Value::Kind::kBool || b.kind() == Value::Kind::kBool) {
      eq = a.to_bool() == b.to_bool();
    } else if (a.kind() == Value::Kind::kNumber || b.kind() == Value::Kind::kNumber) {
      eq = a.to_number() == b.to_number();
    } else {
      eq = a.to_string() == b.to_string();
    }
    return op == Op::kEq ? eq : !eq;
  }
  // ISO dates compare as dates (XPath would turn them into NaN).
  if (a.kind() == Value::Kind::kString && b.kind() == Value::Kind::kString) {
    const std::string sa = a.to_string(), sb = b.to_string();
    if (is_iso_date(sa) && is_iso_date(sb)) {
      const int c = sa.compare(sb);
      switch (op) {
        case Op::kLt: return c < 0;
        case Op::kLe: return c <= 0;
        case Op::kGt: return c > 0;
        default: return c >= 0;
      }
    }
  }
  const double x = a.to_number(), y = b.to_number();
  switch (op) {
    case Op::kLt: return x < y;
    case Op::kLe: return x <= y;
    case Op::kGt: return x > y;
    default: return x >= y;
  }
}

Value eval_node(const Node& n, const EvalContext& ctx);

Value call(const Node& n, const EvalContext& ctx) {
  const auto arg = [&](std::size_t i) { return eval_node(*n.args[i], ctx); };
  const std::string& f = n.name;
  if (f == "selected") {
    const auto words = split_words(arg(0).to_string());
    const std::string want = arg(1).to_string();
    return Value::boolean(std::find(words.begin(), words.end(), want) != words.end());
  }
  if (f == "count-selected") return Value::num(static_cast<double>(split_words(arg(0).to_string()).size()));
  if (f == "string-length") {
    // Characters, not bytes: count UTF-8 lead bytes.
    const std::string s = arg(0).to_string();
    double count = 0;
    for (unsigned char c : s) count += (c & 0xC0) != 0x80;
    return Value::num(count);
  }
  if (f == "regex") {
    // A pattern computed from answers is compiled here; one it cannot
    // compile matches nothing.
    const std::shared_ptr<const re2::RE2> re = n.pattern ? n.pattern : compile_pattern(arg(1).to_string());
    return Value::boolean(re->ok() && re2::RE2::PartialMatch(arg(0).to_string(), *re));
  }
  if (f == "if") return arg(0).to_bool() ? arg(1) : arg(2);
  if (f == "coalesce") {
    for (std::size_t i = 0; i < n.args.size(); ++i) {
      Value v = arg(i);
      if (!v.is_empty()) return v;
    }
    return Value();
  }
  if (f == "today") return Value::str(ctx.today());
  if (f == "int") {
    const double d = arg(0).to_number();
    return std::isnan(d) ? Value() : Value::num(std::trunc(d));
  }
  if (f == "number") return Value::num(arg(0).to_number());
  if (f == "not") return Value::boolean(!arg(0).to_bool());
  if (f == "concat") {
    std::string out;
    for (std::size_t i = 0; i < n.args.size(); ++i) out += arg(i).to_string();
    return Value::str(out);
  }
  if (f == "string") return Value::str(arg(0).to_string());
  if (f == "round") {
    const double d = arg(0).to_number();
    const double places = n.args.size() > 1 ? arg(1).to_number() : 0;
    if (std::isnan(d) || std::isnan(places) || places < 0 || places > 15) return Value::num(std::nan(""));
    const double scale = std::pow(10.0, std::floor(places));
    return Value::num(std::round(d * scale) / scale);
  }
  if (f == "count") return Value::num(ctx.count(n.args[0]->name));
  if (f == "boolean") return Value::boolean(arg(0).to_bool());
  if (f == "true") return Value::boolean(true);
  if (f == "false") return Value::boolean(false);
  return Value();
}

Value eval_node(const Node& n, const EvalContext& ctx) {
  switch (n.kind) {
    case Node::Kind::kLiteral: return n.literal;
    case Node::Kind::kRef: return ctx.ref(n.name);
    case Node::Kind::kCurrent: return ctx.current();
    case Node::Kind::kBare: return ctx.bare(n.name);
    case Node::Kind::kCall: return call(n, ctx);
    case Node::Kind::kUnary: return Value::num(-eval_node(*n.args[0], ctx).to_number());
    case Node::Kind::kBinary: {
      if (n.op == Op::kOr) {
        return Value::boolean(eval_node(*n.args[0], ctx).to_bool() || eval_node(*n.args[1], ctx).to_bool());
      }
      if (n.op == Op::kAnd) {
        return Value::boolean(eval_node(*n.args[0], ctx).to_bool() && eval_node(*n.args[1], ctx).to_bool());
      }
      const Value a = eval_node(*n.args[0], ctx);
      const Value b = eval_node(*n.args[1], ctx);
      switch (n.op) {
        case Op::kEq:
        case Op::kNe:
        case Op::kLt:
        case Op::kLe:
        case Op::kGt:
        case Op::kGe: return Value::boolean(compare(n.op, a, b));
        case Op::kAdd: return Value::num(a.to_number() + b.to_number());
        case Op::kSub: return Value::num(a.to_number() - b.to_number());
        case Op::kMul: return Value::num(a.to_number() * b.to_number());
        case Op::kDiv: return Value::num(a.to_number() / b.to_number());
        case Op::kMod: return Value::num(std::fmod(a.to_number(), b.to_number()));
        default: return Value();
      }
    }
  }
  return Value();
}

void collect_refs(const Node& n, std::vector<std::string>& out) {
  if (n.kind == Node::Kind::kRef) out.push_back(n.name);
  for (const auto& a : n.args) collect_refs(*a, out);
}

}  // namespace

Result<Expr> Expr::parse(std::string_view source) {
  Parser p(source);
  auto root = p.parse();
  if (!root.is_ok()) return root.status();
  Expr e;
  e.root_ = std::move(root).value();
  return e;
}

Value Expr::eval(const EvalContext& ctx) const { return root_ ? eval_node(*root_, ctx) : Value(); }

std::vector<std::string> Expr::references() const {
  std::vector<std::string> out;
  if (root_) collect_refs(*root_, out);
  return out;
}

}  // namespace equitas::forms
