// Fuzz target: the form expression parser, then the evaluator on whatever
// parses. Expressions come from form definitions a server operator publishes
// (JSON or an XLSForm workbook), so they are untrusted on every collector.
// expression.hpp promises evaluation never throws and never crashes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "equitas/forms/expression.hpp"

namespace {

using equitas::forms::Value;

// Answers that reach every kind of value: numbers, text, a multiple choice,
// an empty (unanswered) question, so comparisons and calls take each path.
class FuzzContext final : public equitas::forms::EvalContext {
 public:
  Value ref(std::string_view name) const override {
    if (name.empty()) return Value();
    switch (name.front() % 4) {
      case 0:
        return Value::num(42);
      case 1:
        return Value::str("yes no maybe");
      case 2:
        return Value::boolean(true);
      default:
        return Value();
    }
  }
  Value current() const override { return Value::str("17"); }
  Value bare(std::string_view name) const override { return Value::str(std::string(name)); }
  double count(std::string_view name) const override { return static_cast<double>(name.size()); }
  std::string today() const override { return "2026-11-23"; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  auto expr = equitas::forms::Expr::parse(source);
  if (!expr.is_ok()) return 0;
  const FuzzContext ctx;
  const Value v = expr->eval(ctx);
  (void)v.to_string();
  (void)v.to_number();
  (void)v.to_bool();
  (void)expr->references();
  return 0;
}
