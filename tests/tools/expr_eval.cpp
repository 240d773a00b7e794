// expr_eval: evaluates a batch of XLSForm expressions with the form engine's
// expression evaluator, for the differential test against Enketo's
// openrosa-xpath-evaluator (tests/browser/xpath_differential.test.mjs).
//
// Reads one JSON object on stdin:
//   {"today": "2026-11-23", "answers": {"age": "34", ...}, "current": "age",
//    "repeat": {"name": "rows", "rows": [{"q": "1"}, ...]},
//    "expressions": ["${age} + 1", ...]}
// and writes one JSON array on stdout, an element per expression:
//   {"value": "35"} or {"error": "at position 3: ..."}.
// Every question in `answers` is a node with that text; `current` names the
// answer `.` reads; `repeat` rows answer count(), sum() and indexed-repeat().
#include <boost/json.hpp>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "equitas/forms/expression.hpp"

namespace {

namespace json = boost::json;
using equitas::forms::Value;

class BatchContext final : public equitas::forms::EvalContext {
 public:
  std::map<std::string, std::string, std::less<>> answers;
  std::string current_name;
  std::string repeat_name;
  std::vector<std::map<std::string, std::string, std::less<>>> rows;
  std::string today_text;

  Value ref(std::string_view name) const override {
    auto it = answers.find(name);
    return it == answers.end() ? Value() : Value::str(it->second);
  }
  Value current() const override { return ref(current_name); }
  std::vector<std::string> all(std::string_view name) const override {
    if (name == repeat_name) return std::vector<std::string>(rows.size());
    if (answers.find(name) != answers.end()) return {ref(name).to_string()};
    std::vector<std::string> out;
    for (const auto& r : rows) {
      if (auto it = r.find(name); it != r.end()) out.push_back(it->second);
    }
    return out;
  }
  Value indexed(std::string_view name, std::string_view repeat, std::size_t index) const override {
    if (repeat != repeat_name || index == 0 || index > rows.size()) return Value();
    auto it = rows[index - 1].find(name);
    return it == rows[index - 1].end() ? Value() : Value::str(it->second);
  }
  std::string today() const override { return today_text; }
};

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

int main() {
  try {
    const std::string input((std::istreambuf_iterator<char>(std::cin)),
                            std::istreambuf_iterator<char>());
    const json::object in = json::parse(input).as_object();
    BatchContext ctx;
    ctx.today_text = text(in, "today");
    ctx.current_name = text(in, "current");
    if (const json::value* a = in.if_contains("answers")) {
      for (const auto& kv : a->as_object())
        ctx.answers[std::string(kv.key())] = std::string(kv.value().as_string());
    }
    if (const json::value* r = in.if_contains("repeat")) {
      ctx.repeat_name = text(r->as_object(), "name");
      for (const auto& row : r->as_object().at("rows").as_array()) {
        auto& out = ctx.rows.emplace_back();
        for (const auto& kv : row.as_object())
          out[std::string(kv.key())] = std::string(kv.value().as_string());
      }
    }
    json::array results;
    for (const auto& e : in.at("expressions").as_array()) {
      auto parsed = equitas::forms::Expr::parse(std::string(e.as_string()));
      json::object r;
      if (parsed.is_ok()) {
        r["value"] = parsed->eval(ctx).to_string();
      } else {
        r["error"] = parsed.status().message();
      }
      results.push_back(std::move(r));
    }
    std::cout << json::serialize(results) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "expr_eval: " << e.what() << "\n";
    return 2;
  }
}
