// XLSForm expressions: relevance, constraints, calculations, choice filters,
// following the ODK XForms specification (XPath 1.0 with ODK's functions,
// https://getodk.github.io/xforms-spec/#xpath-functions).
//
// Grammar (lowest precedence first), as in XPath 1.0:
//   or  <  and  <  = !=  <  < <= > >=  <  + -  <  * div mod  <  unary -
// Operands: numbers, 'text' or "text", ${name}, . (the current answer),
// paths (/data/group/name, ../name, ./name, current()/../name: each names a
// question by its last step), instance('list')/root/item[predicate]/column
// (a choice list read as a secondary instance), bare names (choice-list
// columns inside a choice_filter or a predicate), parentheses and function
// calls. Function names are resolved when the expression is parsed
// (expression_functions.cpp lists them); schema/README.md names those of the
// spec that are left out, and why.
//
// Values follow XPath's rules as the spec extends them:
// - a question's answer is a node: as a boolean it is true (the node exists,
//   answered or not); compared with text it compares as text, with a number
//   as a number;
// - a date (YYYY-MM-DD, or a dateTime) used as a number is the days since
//   1970-01-01 (fractional for a dateTime), so ${dob} + 1 and
//   today() - ${dob} work; date() turns days back into a date;
// - numbers print as JavaScript and the spec's implementations print them,
//   shortest round-trip form (0.1, 1e+21), so one calculation can read
//   another's result back exactly;
// - a multiple choice answer is its codes separated by spaces.
// Evaluation never throws and never crashes: a runtime problem (a bad regex,
// a non-number) yields an empty, NaN or false value.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/status/status.hpp"

namespace equitas::forms {

struct ChoiceList;

class Value {
 public:
  // kNode: one question's answer (its text); kNodes: several (a question
  // inside a repeat read from outside it, or a secondary instance's items).
  enum class Kind { kString, kNumber, kBool, kDate, kNode, kNodes };
  Value() = default;  // the empty string: "not answered"
  static Value str(std::string s);
  static Value num(double d);
  static Value boolean(bool b);
  // Days since 1970-01-01 UTC (fractional with a time of day).
  static Value date(double days);
  static Value node(std::string s);
  static Value nodes(std::vector<std::string> values);

  Kind kind() const { return kind_; }
  bool is_empty() const { return (kind_ == Kind::kString || kind_ == Kind::kNode) && s_.empty(); }
  bool is_node_set() const { return kind_ == Kind::kNode || kind_ == Kind::kNodes; }
  double to_number() const;       // NaN when not a number
  std::string to_string() const;  // numbers as JavaScript prints them
  bool to_bool() const;
  // The text of each node (one element for a string, number or date).
  std::vector<std::string> node_texts() const;

 private:
  Kind kind_ = Kind::kString;
  std::string s_;
  double d_ = 0;
  bool b_ = false;
  std::shared_ptr<const std::vector<std::string>> nodes_;
};

// XPath's number(): optional spaces and minus, digits with an optional
// fraction; also a decimal exponent (1e+21), which is how JavaScript, and so
// this engine, print very large and very small numbers. A date or dateTime
// gives its days since 1970. Anything else is NaN.
double parse_number(std::string_view s);
// A number as JavaScript's Number.prototype.toString writes it.
std::string format_number(double d);

// What an expression can see while it is evaluated.
class EvalContext {
 public:
  virtual ~EvalContext() = default;
  virtual Value ref(std::string_view name) const = 0;  // ${name}, in the current repeat row first
  virtual Value current() const { return Value(); }    // .
  virtual Value bare(std::string_view) const { return Value(); }  // a choice column
  // Every instance of the question: one per row for a question inside a
  // repeat (read from outside it), the rows themselves for a repeat.
  virtual std::vector<std::string> all(std::string_view name) const {
    return {ref(name).to_string()};
  }
  virtual double count(std::string_view name) const {
    return static_cast<double>(all(name).size());
  }
  // indexed-repeat(${name}, ${repeat}, index): `index` is 1-based.
  virtual Value indexed(std::string_view, std::string_view, std::size_t) const { return Value(); }
  // position(..): the current repeat row, 1-based; 0 outside repeats.
  virtual double position() const { return 0; }
  // instance('id'): the choice list of that name, or null.
  virtual const ChoiceList* instance(std::string_view) const { return nullptr; }
  // jr:choice-name(value, '${question}'): the choice's label in the
  // respondent's language, "" when there is none.
  virtual std::string choice_label(std::string_view, std::string_view) const { return {}; }
  virtual std::string today() const = 0;  // YYYY-MM-DD
  virtual std::string now() const { return today() + "T00:00:00.000Z"; }
  // A fresh version 4 UUID (uuid()); "" when the context has no randomness.
  virtual std::string uuid() const { return {}; }
  // random(): in [0, 1); NaN when the context has no randomness.
  virtual double random() const;
};

class Expr {
 public:
  struct Node;
  // Parses `source`. The error names the 0-based character position.
  static Result<Expr> parse(std::string_view source);

  Value eval(const EvalContext& ctx) const;
  // Every ${name} the expression reads (paths included).
  std::vector<std::string> references() const;
  // Every bare name it reads outside instance() predicates: the choice
  // columns of a choice_filter.
  std::vector<std::string> bare_names() const;
  // Every list an instance('list') or a pulldata('list', ...) names.
  std::vector<std::string> instances() const;

 private:
  std::shared_ptr<const Node> root_;
};

// randomize()'s shuffle: `items` in the order ODK Collect and Enketo give
// them for `seed` (the ODK XForms spec's Park–Miller generator driving an
// inside-out Fisher–Yates shuffle).
void shuffle_seeded(std::vector<std::string>& items, double seed);

}  // namespace equitas::forms
