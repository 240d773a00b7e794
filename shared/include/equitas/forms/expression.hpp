// XLSForm expressions: relevance, constraints, calculations, choice filters.
//
// Grammar (lowest precedence first), as in XLSForm/XPath 1.0:
//   or  <  and  <  = !=  <  < <= > >=  <  + -  <  * div mod  <  unary -
// Operands: numbers, 'text' or "text", ${name}, . (the current answer),
// bare names (choice-list columns inside a choice_filter), parentheses, and
// calls: selected, count-selected, string-length, regex, if, coalesce, today,
// int, number, not, concat, string, round, count, boolean, true, false.
//
// Values follow XPath's rules: an unanswered question is the empty string; a
// comparison with a number compares numbers (so an empty answer is never
// "> 18"); a multiple choice answer is its codes separated by spaces.
// Evaluation never throws and never crashes: a runtime problem (a bad regex,
// a non-number) yields an empty or false value.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/status/status.hpp"

namespace equitas::forms {

class Value {
 public:
  enum class Kind { kString, kNumber, kBool };
  Value() = default;  // the empty string: "not answered"
  static Value str(std::string s);
  static Value num(double d);
  static Value boolean(bool b);

  Kind kind() const { return kind_; }
  bool is_empty() const { return kind_ == Kind::kString && s_.empty(); }
  double to_number() const;      // NaN when not a number
  std::string to_string() const; // integers print without a decimal point
  bool to_bool() const;

 private:
  Kind kind_ = Kind::kString;
  std::string s_;
  double d_ = 0;
  bool b_ = false;
};

// What an expression can see while it is evaluated.
class EvalContext {
 public:
  virtual ~EvalContext() = default;
  virtual Value ref(std::string_view name) const = 0;  // ${name}
  virtual Value current() const { return Value(); }     // .
  virtual Value bare(std::string_view) const { return Value(); }  // a choice column
  virtual double count(std::string_view) const { return 0; }      // count(${repeat})
  virtual std::string today() const = 0;                          // YYYY-MM-DD
};

class Expr {
 public:
  struct Node;
  // Parses `source`. The error names the 0-based character position.
  static Result<Expr> parse(std::string_view source);

  Value eval(const EvalContext& ctx) const;
  // Every ${name} the expression reads.
  std::vector<std::string> references() const;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace equitas::forms
