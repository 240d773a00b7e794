// Values of XLSForm expressions: conversions between text, numbers, dates
// and booleans, as the ODK XForms spec and XPath 1.0 define them.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "equitas/forms/expression.hpp"
#include "expression_dates.hpp"

namespace equitas::forms {

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

Value Value::date(double days) {
  Value v;
  v.kind_ = Kind::kDate;
  v.d_ = days;
  return v;
}

Value Value::node(std::string s) {
  Value v;
  v.kind_ = Kind::kNode;
  v.s_ = std::move(s);
  return v;
}

Value Value::nodes(std::vector<std::string> values) {
  Value v;
  v.kind_ = Kind::kNodes;
  v.nodes_ = std::make_shared<const std::vector<std::string>>(std::move(values));
  return v;
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

double parse_number(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  if (s.empty()) return std::nan("");
  if (s.size() >= 8 && is_digit(s[0]) && s[4] == '-') {
    if (const auto days = date_text_days(s)) return *days;
  }
  std::size_t i = 0;
  if (s[i] == '-') ++i;
  const std::size_t start = i;
  bool digits = false;
  while (i < s.size() && is_digit(s[i])) ++i, digits = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, digits = true;
  }
  if (!digits) return std::nan("");
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    const std::size_t exp_start = j;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j == exp_start) return std::nan("");
    i = j;
  }
  if (i != s.size()) return std::nan("");
  // from_chars takes no leading '+', and no "5." in some versions: give it
  // the digits in a form it reads.
  std::string text(s.substr(start));
  if (const auto dot = text.find('.');
      dot != std::string::npos && (dot + 1 == text.size() || !is_digit(text[dot + 1]))) {
    text.insert(dot + 1, "0");
  }
  if (text[0] == '.') text.insert(0, "0");
  double d = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ptr != text.data() + text.size()) return std::nan("");
  if (ec == std::errc::result_out_of_range) {
    // Too large is infinite; too small is zero, as in JavaScript.
    d = text.find_first_of("eE") != std::string::npos && text[text.find_first_of("eE") + 1] == '-'
            ? 0
            : INFINITY;
  } else if (ec != std::errc()) {
    return std::nan("");
  }
  return s[0] == '-' ? -d : d;
}

std::string format_number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";  // and -0, as in JavaScript
  // The shortest digits that read back as `d`, and the decimal exponent
  // (ECMA-262, Number::toString): d = 0.DIGITS x 10^n.
  char buf[64];
  const auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  if (ec != std::errc()) return "NaN";
  const std::string sci(buf, end);  // "1.2345e+02"
  const auto e = sci.find('e');
  std::string digits;
  for (std::size_t i = 0; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int exp10 = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;
  std::string out = d < 0 ? "-" : "";
  if (k <= n && n <= 21) {
    out += digits + std::string(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n)) + "." +
           digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(static_cast<std::size_t>(-n), '0') + digits;
  } else {
    out += digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += (n - 1 >= 0 ? "e+" : "e-") + std::to_string(std::abs(n - 1));
  }
  return out;
}

double Value::to_number() const {
  switch (kind_) {
    case Kind::kNumber:
    case Kind::kDate:
      return d_;
    case Kind::kBool:
      return b_ ? 1 : 0;
    case Kind::kString:
    case Kind::kNode:
      return parse_number(s_);
    case Kind::kNodes:
      return nodes_->empty() ? std::nan("") : parse_number(nodes_->front());
  }
  return std::nan("");
}

std::string Value::to_string() const {
  switch (kind_) {
    case Kind::kString:
    case Kind::kNode:
      return s_;
    case Kind::kBool:
      return b_ ? "true" : "false";
    case Kind::kNumber:
      return format_number(d_);
    case Kind::kDate:
      return format_days(d_);
    case Kind::kNodes:
      return nodes_->empty() ? std::string() : nodes_->front();
  }
  return "";
}

bool Value::to_bool() const {
  switch (kind_) {
    case Kind::kString:
      return !s_.empty();
    case Kind::kBool:
      return b_;
    case Kind::kNumber:
      return d_ != 0 && !std::isnan(d_);
    case Kind::kDate:
      return !std::isnan(d_);
    case Kind::kNode:
      return true;  // XPath 1.0: a non-empty node-set
    case Kind::kNodes:
      return !nodes_->empty();
  }
  return false;
}

std::vector<std::string> Value::node_texts() const {
  if (kind_ == Kind::kNodes) return *nodes_;
  return {to_string()};
}

double EvalContext::random() const { return std::nan(""); }

}  // namespace equitas::forms
