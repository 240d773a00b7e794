// The expression engine's syntax tree and function registry (internal to
// shared/src/forms): expression.cpp parses and evaluates, and
// expression_functions.cpp implements the functions.
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/forms/expression.hpp"

namespace equitas::forms {

struct Choice;

enum class Op { kOr, kAnd, kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv, kMod, kNeg };

// Every function the engine knows; resolved once, when an expression is
// parsed, so evaluation never compares names.
enum class Fn : std::uint8_t {
  kAbs,
  kAcos,
  kAsin,
  kAtan,
  kAtan2,
  kBoolean,
  kBooleanFromString,
  kCeiling,
  kChecklist,
  kChoiceName,
  kCoalesce,
  kConcat,
  kContains,
  kCos,
  kCount,
  kCountNonEmpty,
  kCountSelected,
  kDate,
  kDecimalDateTime,
  kDecimalTime,
  kEndsWith,
  kExp,
  kExp10,
  kFalse,
  kFloor,
  kFormatDate,
  kIf,
  kIndexedRepeat,
  kInt,
  kJoin,
  kLog,
  kLog10,
  kMax,
  kMin,
  kNormalizeSpace,
  kNot,
  kNow,
  kNumber,
  kOnce,
  kPi,
  kPosition,
  kPow,
  kPulldata,
  kRandom,
  kRandomize,
  kRegex,
  kRound,
  kSelected,
  kSelectedAt,
  kSin,
  kSqrt,
  kStartsWith,
  kString,
  kStringLength,
  kSubstr,
  kSubstring,
  kSubstringAfter,
  kSubstringBefore,
  kSum,
  kTan,
  kToday,
  kTranslate,
  kTrue,
  kUuid,
  kWeightedChecklist,
};

struct FunctionSpec {
  std::string_view name;
  Fn fn;
  std::size_t min_args;
  std::size_t max_args;
};
const FunctionSpec* find_function(std::string_view name);

using NodePtr = std::shared_ptr<const Expr::Node>;

struct Expr::Node {
  // kPath: a path that ends at no question ("..", position()'s argument).
  // kInstance: instance('name')/root/item[args[0]]/field.
  enum class Kind {
    kLiteral,
    kRef,
    kCurrent,
    kBare,
    kUnary,
    kBinary,
    kCall,
    kInstance,
    kParent
  } kind;
  Value literal;
  std::string name;   // ref, bare or function name; the list of an instance()
  std::string field;  // kInstance: the column read ("" reads the items' names)
  Op op = Op::kOr;
  Fn fn = Fn::kTrue;
  std::vector<NodePtr> args;  // kInstance: the predicate, or none
  // regex() with a literal pattern: compiled once, when the expression is
  // parsed (RE2 objects are safe to share between threads).
  std::shared_ptr<const re2::RE2> pattern;
};

Value eval_node(const Expr::Node& n, const EvalContext& ctx);
// The node-set an argument names: every instance of ${name}, the matching
// items of instance(), or the value's own text.
std::vector<std::string> eval_nodes(const Expr::Node& n, const EvalContext& ctx);
Value call_function(const Expr::Node& n, const EvalContext& ctx);
// One column of a secondary instance's item (a choice): its name, its
// label (in the form's first language) or a filter column; nullopt when
// the item has no such column.
std::optional<std::string> item_column(const Choice& c, std::string_view column);

// Compiles a regex() pattern (RE2: linear time, bounded memory).
std::shared_ptr<const re2::RE2> compile_pattern(const std::string& pattern);

}  // namespace equitas::forms
