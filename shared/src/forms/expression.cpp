#include "equitas/forms/expression.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

#include "equitas/forms/form.hpp"
#include "expression_internal.hpp"

namespace equitas::forms {

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

}  // namespace

std::shared_ptr<const re2::RE2> compile_pattern(const std::string& pattern) {
  re2::RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(kMaxPatternMemory);
  return std::make_shared<const re2::RE2>(pattern, o);
}

namespace {

using Node = Expr::Node;

enum class Tok {
  kEnd,
  kNumber,
  kString,
  kRef,
  kDot,
  kDotDot,
  kSlash,
  kLBracket,
  kRBracket,
  kName,
  kLParen,
  kRParen,
  kComma,
  kOp
};

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
    if (!parent_only_in_position(*e.value(), false))
      return error(0, "'..' names a group, not an answer: write ../name");
    return e;
  }

  // '..' alone is a group; only position(..) takes it.
  static bool parent_only_in_position(const Node& n, bool in_position) {
    if (n.kind == Node::Kind::kParent) return in_position;
    const bool position = n.kind == Node::Kind::kCall && n.fn == Fn::kPosition;
    for (const auto& a : n.args) {
      if (!parent_only_in_position(*a, position)) return false;
    }
    return true;
  }

 private:
  // `pos` is a byte offset; the message counts characters, as a person does.
  Status error(std::size_t pos, const std::string& what) const {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < pos && i < src_.size(); ++i) {
      chars += (static_cast<unsigned char>(src_[i]) & 0xC0) != 0x80;
    }
    return Status::invalid_argument("at position " + std::to_string(chars) + ": " + what);
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
      if (pos_ + 1 >= src_.size() || src_[pos_ + 1] != '{')
        return error(pos_, "'$' must start ${name}");
      const auto close = src_.find('}', pos_);
      if (close == std::string_view::npos) return error(pos_, "unclosed ${");
      const std::string_view name = src_.substr(pos_ + 2, close - pos_ - 2);
      if (name.empty() || !valid_name(name))
        return error(pos_ + 2, "'" + std::string(name) + "' is not a question name");
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
        (c == '.' && pos_ + 1 < src_.size() &&
         std::isdigit(static_cast<unsigned char>(src_[pos_ + 1])))) {
      std::size_t n = 0;
      while (pos_ + n < src_.size() &&
             (std::isdigit(static_cast<unsigned char>(src_[pos_ + n])) || src_[pos_ + n] == '.')) {
        ++n;
      }
      return take(Tok::kNumber, n);
    }
    if (c == '.') {
      if (pos_ + 1 < src_.size() && src_[pos_ + 1] == '.') return take(Tok::kDotDot, 2);
      return take(Tok::kDot, 1);
    }
    if (c == '/') return take(Tok::kSlash, 1);
    if (c == '[') return take(Tok::kLBracket, 1);
    if (c == ']') return take(Tok::kRBracket, 1);
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
        // NOLINTNEXTLINE(bugprone-branch-clone): the hyphen's own branch says why
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
    return error(pos_, unexpected_character(src_.substr(pos_)));
  }

  // The message for the character that starts `rest`, quoted whole (a
  // message cut inside a UTF-8 character is not text any more).
  static std::string unexpected_character(std::string_view rest) {
    const auto b0 = static_cast<unsigned char>(rest[0]);
    const std::size_t len = b0 < 0x80 ? 1 : b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
    bool whole = len != 0 && len <= rest.size();
    for (std::size_t i = 1; whole && i < len; ++i)
      whole = (static_cast<unsigned char>(rest[i]) & 0xC0) == 0x80;
    if (!whole) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      return std::string("unexpected byte 0x") + kHex[b0 >> 4] + kHex[b0 & 15] +
             " (the text is not UTF-8)";
    }
    const std::string ch(rest.substr(0, len));
    // Word processors turn quotes into typographic ones: ‘ ’ ‚ ‛ “ ” „ ‟ « » ′ ″.
    static constexpr std::string_view kSingle[] = {"\u2018", "\u2019", "\u201A", "\u201B",
                                                   "\u2032"};
    static constexpr std::string_view kDouble[] = {"\u201C", "\u201D", "\u201E", "\u201F",
                                                   "\u00AB", "\u00BB", "\u2033"};
    for (std::string_view q : kSingle) {
      if (ch == q) return "typographic quote " + ch + ": use ' or \" instead of " + ch;
    }
    for (std::string_view q : kDouble) {
      if (ch == q) return "typographic quote " + ch + ": use \" or ' instead of " + ch;
    }
    if (ch == "\u00A0") return "no-break space: use an ordinary space";
    return "unexpected character '" + ch + "'";
  }

  static bool valid_name(std::string_view n) {
    if (!(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
    for (char c : n) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
        return false;
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
      case Tok::kDotDot:
        EQ_RETURN_IF_ERROR(advance());
        if (tok_.kind == Tok::kSlash) return relative_path(t);
        n->kind = t.kind == Tok::kDot ? Node::Kind::kCurrent : Node::Kind::kParent;
        return NodePtr(n);
      case Tok::kSlash:
        return absolute_path(t);
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
        if (t.text == "instance" || t.text == "current") {
          EQ_RETURN_IF_ERROR(advance());
          std::string list;
          if (t.text == "instance") {
            if (tok_.kind != Tok::kString)
              return error(tok_.pos, "instance() takes a list's name in quotes");
            list = tok_.text;
            EQ_RETURN_IF_ERROR(advance());
          }
          if (tok_.kind != Tok::kRParen) return error(tok_.pos, "expected ')'");
          EQ_RETURN_IF_ERROR(advance());
          if (t.text == "instance") return instance_path(t, std::move(list), depth);
          if (tok_.kind == Tok::kSlash) return relative_path(t);
          n->kind = Node::Kind::kCurrent;
          return NodePtr(n);
        }
        const FunctionSpec* spec = find_function(t.text);
        if (spec == nullptr) return error(t.pos, unknown_function(t.text));
        EQ_RETURN_IF_ERROR(advance());
        n->kind = Node::Kind::kCall;
        n->name = t.text;
        n->fn = spec->fn;
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
          return error(
              t.pos, t.text + "() takes " + std::to_string(spec->min_args) +
                         (spec->max_args != spec->min_args ? " to " + std::to_string(spec->max_args)
                                                           : "") +
                         " argument(s), not " + std::to_string(n->args.size()));
        }
        return finish_call(std::move(n), t);
      }
      case Tok::kEnd:
        return error(t.pos, "expression ends too early");
      default:
        return error(t.pos, "unexpected '" + t.text + "'");
    }
  }

  static bool is_node_set(const Node& a) {
    return a.kind == Node::Kind::kRef || a.kind == Node::Kind::kInstance ||
           (a.kind == Node::Kind::kCall && a.fn == Fn::kRandomize);
  }

  // Checks a call's arguments where the function needs more than a value,
  // and turns instance() and current() followed by a path into their nodes.
  Result<NodePtr> finish_call(std::shared_ptr<Node> n, const Token& t) {
    switch (n->fn) {
      case Fn::kCount:
      case Fn::kSum:
      case Fn::kCountNonEmpty:
        if (!is_node_set(*n->args[0])) {
          return error(t.pos,
                       t.text +
                           "() takes a question (${name}, a repeat or a question inside one) "
                           "or instance('list')/root/item");
        }
        break;
      case Fn::kRandomize:
        if (!is_node_set(*n->args[0])) {
          return error(
              t.pos,
              "randomize() takes a question inside a repeat or instance('list')/root/item, "
              "and a seed: randomize(${x}, 42)");
        }
        break;
      case Fn::kIndexedRepeat:
        if (n->args[0]->kind != Node::Kind::kRef || n->args[1]->kind != Node::Kind::kRef) {
          return error(t.pos, "indexed-repeat() takes ${question}, ${repeat} and a row number");
        }
        break;
      case Fn::kChoiceName: {
        // jr:choice-name(value, '${question}'): the question is named in text.
        const Node& q = *n->args[1];
        std::string name = q.kind == Node::Kind::kLiteral ? q.literal.to_string() : "";
        if (name.size() > 3 && name.compare(0, 2, "${") == 0 && name.back() == '}') {
          name = name.substr(2, name.size() - 3);
        } else if (const auto slash = name.rfind('/'); slash != std::string::npos) {
          name = name.substr(slash + 1);
        }
        if (name.empty() || !valid_name(name)) {
          return error(
              t.pos, "jr:choice-name() takes the question in quotes: jr:choice-name(${x}, '${x}')");
        }
        auto ref = std::make_shared<Node>();
        ref->kind = Node::Kind::kRef;
        ref->name = name;
        n->args[1] = std::move(ref);
        break;
      }
      case Fn::kPulldata:
        // The file is named in quotes, so the form's check can tell that it
        // was published with the form.
        if (n->args[0]->kind != Node::Kind::kLiteral ||
            n->args[0]->literal.kind() != Value::Kind::kString ||
            !valid_name(n->args[0]->literal.to_string())) {
          return error(t.pos,
                       "pulldata() takes the file's name in quotes, without .csv: "
                       "pulldata('fruits', 'price', 'name', ${fruit})");
        }
        break;
      case Fn::kPosition:
        if (!n->args.empty() && n->args[0]->kind != Node::Kind::kParent) {
          return error(t.pos, "position() takes '..', the repeat row it is in");
        }
        break;
      default:
        break;
    }
    if (n->fn == Fn::kRegex && n->args[1]->kind == Node::Kind::kLiteral) {
      n->pattern = compile_pattern(n->args[1]->literal.to_string());
      if (!n->pattern->ok()) {
        return error(t.pos, "regex() pattern is not a regular expression this engine accepts: " +
                                n->pattern->error() +
                                pattern_hint(n->args[1]->literal.to_string()));
      }
    }
    return NodePtr(n);
  }

  // Why RE2 refuses a pattern that JavaScript would take, when we can tell.
  static std::string pattern_hint(const std::string& p) {
    for (const char* look : {"(?=", "(?!", "(?<=", "(?<!"}) {
      if (p.find(look) != std::string::npos) {
        return std::string(" (lookaround ") + look +
               "...) is not supported: it cannot be matched in time linear "
               "in the answer; test the parts with separate regex() calls joined by 'and'";
      }
    }
    for (std::size_t i = 0; i + 1 < p.size(); ++i) {
      if (p[i] == '\\' && p[i + 1] >= '1' && p[i + 1] <= '9') {
        return " (backreferences such as \\1 are not supported: they cannot be matched in time "
               "linear in "
               "the answer)";
      }
      if (p[i] == '\\') ++i;
    }
    return "";
  }

  std::string unknown_function(const std::string& name) const {
    return "unknown function '" + name + "()'";
  }

  // The question a path names: its last step. Groups are not part of an
  // answer's name in Equitas (names are unique in a form), so /data/g/x,
  // ../x and ./x all read ${x}.
  Result<NodePtr> path_steps(const Token& start, std::string last) {
    while (tok_.kind == Tok::kSlash) {
      EQ_RETURN_IF_ERROR(advance());
      if (tok_.kind == Tok::kName) {
        last = tok_.text;
      } else if (tok_.kind == Tok::kDot || tok_.kind == Tok::kDotDot) {
        last.clear();
      } else {
        return error(tok_.pos, "a path step must be a name, '.' or '..'");
      }
      EQ_RETURN_IF_ERROR(advance());
    }
    if (last.empty() || !valid_name(last))
      return error(start.pos, "a path must end at a question's name");
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::kRef;
    n->name = std::move(last);
    return NodePtr(n);
  }

  Result<NodePtr> relative_path(const Token& start) { return path_steps(start, ""); }

  Result<NodePtr> absolute_path(const Token& start) {
    // /data/x: the first step is the form's root, never a question.
    EQ_RETURN_IF_ERROR(advance());
    if (tok_.kind != Tok::kName) return error(start.pos, "an absolute path starts /data/");
    EQ_RETURN_IF_ERROR(advance());
    if (tok_.kind != Tok::kSlash)
      return error(start.pos, "a path must end at a question's name: /data/name");
    return path_steps(start, "");
  }

  // instance('list')/root/item[predicate]/column, after instance('list').
  Result<NodePtr> instance_path(const Token& start, std::string list, int depth) {
    for (const char* step : {"root", "item"}) {
      if (tok_.kind != Tok::kSlash)
        return error(start.pos,
                     "instance('" + list + "') is read as instance('" + list + "')/root/item");
      EQ_RETURN_IF_ERROR(advance());
      if (tok_.kind != Tok::kName || tok_.text != step) {
        return error(tok_.pos,
                     "instance('" + list + "') is read as instance('" + list + "')/root/item");
      }
      EQ_RETURN_IF_ERROR(advance());
    }
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::kInstance;
    n->name = std::move(list);
    if (tok_.kind == Tok::kLBracket) {
      EQ_RETURN_IF_ERROR(advance());
      auto pred = expression(0, depth + 1);
      if (!pred.is_ok()) return pred;
      if (tok_.kind != Tok::kRBracket) return error(tok_.pos, "expected ']'");
      EQ_RETURN_IF_ERROR(advance());
      n->args.push_back(std::move(pred).value());
    }
    if (tok_.kind == Tok::kSlash) {
      EQ_RETURN_IF_ERROR(advance());
      if (tok_.kind != Tok::kName) return error(tok_.pos, "expected a column name after '/'");
      n->field = tok_.text;
      EQ_RETURN_IF_ERROR(advance());
    }
    return NodePtr(n);
  }

  std::string_view src_;
  std::size_t pos_ = 0;
  Token tok_;
};

}  // namespace

// ---------------------------------------------------------------- evaluation

namespace {

// A string that reads as a date, as a number of days (the spec's rule for
// comparisons: dates compare as dates, whichever side is text).
Value date_as_number(const Value& v) {
  if (v.kind() != Value::Kind::kString && v.kind() != Value::Kind::kNode) return v;
  const std::string s = v.to_string();
  if (s.size() < 8 || s[4] != '-' || !std::isdigit(static_cast<unsigned char>(s[0]))) return v;
  const double d = parse_number(s);
  return std::isnan(d) ? v : Value::num(d);
}

bool compare_numbers(Op op, double x, double y) {
  switch (op) {
    case Op::kEq:
      return x == y;
    case Op::kNe:
      return x != y;
    case Op::kLt:
      return x < y;
    case Op::kLe:
      return x <= y;
    case Op::kGt:
      return x > y;
    default:
      return x >= y;
  }
}

bool compare_values(Op op, const Value& a0, const Value& b0) {
  using K = Value::Kind;
  const bool equality = op == Op::kEq || op == Op::kNe;
  if (a0.kind() == K::kBool || b0.kind() == K::kBool) {
    if (!equality) return compare_numbers(op, a0.to_bool() ? 1 : 0, b0.to_bool() ? 1 : 0);
    return (a0.to_bool() == b0.to_bool()) == (op == Op::kEq);
  }
  if (a0.kind() == K::kDate || b0.kind() == K::kDate)
    return compare_numbers(op, a0.to_number(), b0.to_number());
  const Value a = date_as_number(a0), b = date_as_number(b0);
  if (!equality || a.kind() == K::kNumber || b.kind() == K::kNumber) {
    return compare_numbers(op, a.to_number(), b.to_number());
  }
  const bool eq = a.to_string() == b.to_string();
  return op == Op::kEq ? eq : !eq;
}

// XPath compares a node-set with a value node by node: true when any node
// satisfies the comparison.
bool compare(Op op, const Value& a, const Value& b) {
  if (a.kind() == Value::Kind::kNodes) {
    for (const auto& t : a.node_texts()) {
      if (compare(op, Value::node(t), b)) return true;
    }
    return false;
  }
  if (b.kind() == Value::Kind::kNodes) {
    for (const auto& t : b.node_texts()) {
      if (compare(op, a, Value::node(t))) return true;
    }
    return false;
  }
  return compare_values(op, a, b);
}

// The choices of instance(list) whose predicate holds.
class ItemContext final : public EvalContext {
 public:
  ItemContext(const EvalContext& outer, const Choice* item) : outer_(outer), item_(item) {}
  Value ref(std::string_view name) const override { return outer_.ref(name); }
  Value current() const override { return outer_.current(); }
  Value bare(std::string_view name) const override {
    const auto v = item_column(*item_, name);
    return v ? Value::node(*v) : Value::nodes({});
  }
  std::vector<std::string> all(std::string_view name) const override { return outer_.all(name); }
  double position() const override { return outer_.position(); }
  const ChoiceList* instance(std::string_view id) const override { return outer_.instance(id); }
  std::string choice_label(std::string_view q, std::string_view v) const override {
    return outer_.choice_label(q, v);
  }
  std::string today() const override { return outer_.today(); }
  std::string now() const override { return outer_.now(); }

 private:
  const EvalContext& outer_;
  const Choice* item_;
};

std::vector<std::string> instance_nodes(const Node& n, const EvalContext& ctx) {
  std::vector<std::string> out;
  const ChoiceList* list = ctx.instance(n.name);
  if (list == nullptr) return out;
  for (const Choice& c : list->choices) {
    ItemContext item(ctx, &c);
    if (!n.args.empty() && !eval_node(*n.args[0], item).to_bool()) continue;
    if (n.field.empty() || n.field == "name") {
      out.push_back(c.name);
    } else {
      const Value v = item.bare(n.field);
      if (v.kind() == Value::Kind::kNode) out.push_back(v.to_string());
    }
  }
  return out;
}

void collect(const Node& n, Node::Kind kind, bool into_predicates, std::vector<std::string>& out) {
  if (n.kind == kind) out.push_back(n.name);
  // pulldata('list', ...) reads a list as instance('list') does.
  if (kind == Node::Kind::kInstance && n.kind == Node::Kind::kCall && n.fn == Fn::kPulldata) {
    out.push_back(n.args[0]->literal.to_string());
  }
  if (n.kind == Node::Kind::kInstance && !into_predicates) return;
  for (const auto& a : n.args) collect(*a, kind, into_predicates, out);
}

}  // namespace

std::vector<std::string> eval_nodes(const Node& n, const EvalContext& ctx) {
  if (n.kind == Node::Kind::kRef) return ctx.all(n.name);
  if (n.kind == Node::Kind::kInstance) return instance_nodes(n, ctx);
  return eval_node(n, ctx).node_texts();
}

Value eval_node(const Node& n, const EvalContext& ctx) {
  switch (n.kind) {
    case Node::Kind::kLiteral:
      return n.literal;
    case Node::Kind::kRef:
      return Value::node(ctx.ref(n.name).to_string());
    case Node::Kind::kCurrent:
      return Value::node(ctx.current().to_string());
    case Node::Kind::kBare:
      return ctx.bare(n.name);
    case Node::Kind::kParent:
      return Value();
    case Node::Kind::kInstance:
      return Value::nodes(instance_nodes(n, ctx));
    case Node::Kind::kCall:
      return call_function(n, ctx);
    case Node::Kind::kUnary:
      return Value::num(-eval_node(*n.args[0], ctx).to_number());
    case Node::Kind::kBinary: {
      if (n.op == Op::kOr) {
        return Value::boolean(eval_node(*n.args[0], ctx).to_bool() ||
                              eval_node(*n.args[1], ctx).to_bool());
      }
      if (n.op == Op::kAnd) {
        return Value::boolean(eval_node(*n.args[0], ctx).to_bool() &&
                              eval_node(*n.args[1], ctx).to_bool());
      }
      const Value a = eval_node(*n.args[0], ctx);
      const Value b = eval_node(*n.args[1], ctx);
      switch (n.op) {
        case Op::kEq:
        case Op::kNe:
        case Op::kLt:
        case Op::kLe:
        case Op::kGt:
        case Op::kGe:
          return Value::boolean(compare(n.op, a, b));
        case Op::kAdd:
          return Value::num(a.to_number() + b.to_number());
        case Op::kSub:
          return Value::num(a.to_number() - b.to_number());
        case Op::kMul:
          return Value::num(a.to_number() * b.to_number());
        case Op::kDiv:
          return Value::num(a.to_number() / b.to_number());
        case Op::kMod:
          return Value::num(std::fmod(a.to_number(), b.to_number()));
        default:
          return Value();
      }
    }
  }
  return Value();
}

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
  if (root_) collect(*root_, Node::Kind::kRef, true, out);
  return out;
}

std::vector<std::string> Expr::bare_names() const {
  std::vector<std::string> out;
  if (root_) collect(*root_, Node::Kind::kBare, false, out);
  return out;
}

std::vector<std::string> Expr::instances() const {
  std::vector<std::string> out;
  if (root_) collect(*root_, Node::Kind::kInstance, true, out);
  return out;
}

}  // namespace equitas::forms
