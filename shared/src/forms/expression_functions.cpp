// The functions of XLSForm expressions: XPath 1.0's and those the ODK
// XForms spec adds (https://getodk.github.io/xforms-spec/#xpath-functions).
// Those of the spec left out are named in schema/README.md, with the reason.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

#include "equitas/forms/form.hpp"
#include "expression_dates.hpp"
#include "expression_internal.hpp"

namespace equitas::forms {
namespace {

constexpr std::size_t kMany = 64;  // "any number of arguments"

constexpr FunctionSpec kFunctions[] = {
    {"abs", Fn::kAbs, 1, 1},
    {"acos", Fn::kAcos, 1, 1},
    {"asin", Fn::kAsin, 1, 1},
    {"atan", Fn::kAtan, 1, 1},
    {"atan2", Fn::kAtan2, 2, 2},
    {"boolean", Fn::kBoolean, 1, 1},
    {"boolean-from-string", Fn::kBooleanFromString, 1, 1},
    {"ceiling", Fn::kCeiling, 1, 1},
    {"checklist", Fn::kChecklist, 2, kMany},
    {"coalesce", Fn::kCoalesce, 2, kMany},
    {"concat", Fn::kConcat, 0, kMany},
    {"contains", Fn::kContains, 2, 2},
    {"cos", Fn::kCos, 1, 1},
    {"count", Fn::kCount, 1, 1},
    {"count-non-empty", Fn::kCountNonEmpty, 1, 1},
    {"count-selected", Fn::kCountSelected, 1, 1},
    {"date", Fn::kDate, 1, 1},
    {"date-time", Fn::kDate, 1, 1},
    {"decimal-date-time", Fn::kDecimalDateTime, 1, 1},
    {"decimal-time", Fn::kDecimalTime, 1, 1},
    {"ends-with", Fn::kEndsWith, 2, 2},
    {"exp", Fn::kExp, 1, 1},
    {"exp10", Fn::kExp10, 1, 1},
    {"false", Fn::kFalse, 0, 0},
    {"floor", Fn::kFloor, 1, 1},
    {"format-date", Fn::kFormatDate, 2, 2},
    {"format-date-time", Fn::kFormatDate, 2, 2},
    {"if", Fn::kIf, 3, 3},
    {"indexed-repeat", Fn::kIndexedRepeat, 3, 3},
    {"int", Fn::kInt, 1, 1},
    {"join", Fn::kJoin, 1, kMany},
    {"jr:choice-name", Fn::kChoiceName, 2, 2},
    {"log", Fn::kLog, 1, 1},
    {"log10", Fn::kLog10, 1, 1},
    {"max", Fn::kMax, 1, kMany},
    {"min", Fn::kMin, 1, kMany},
    {"normalize-space", Fn::kNormalizeSpace, 0, 1},
    {"not", Fn::kNot, 1, 1},
    {"now", Fn::kNow, 0, 0},
    {"number", Fn::kNumber, 0, 1},
    {"once", Fn::kOnce, 1, 1},
    {"pi", Fn::kPi, 0, 0},
    {"position", Fn::kPosition, 0, 1},
    {"pow", Fn::kPow, 2, 2},
    {"pulldata", Fn::kPulldata, 4, 4},
    {"random", Fn::kRandom, 0, 0},
    {"randomize", Fn::kRandomize, 1, 2},
    {"regex", Fn::kRegex, 2, 2},
    {"round", Fn::kRound, 1, 2},
    {"selected", Fn::kSelected, 2, 2},
    {"selected-at", Fn::kSelectedAt, 2, 2},
    {"sin", Fn::kSin, 1, 1},
    {"sqrt", Fn::kSqrt, 1, 1},
    {"starts-with", Fn::kStartsWith, 2, 2},
    {"string", Fn::kString, 0, 1},
    {"string-length", Fn::kStringLength, 0, 1},
    {"substr", Fn::kSubstr, 2, 3},
    {"substring", Fn::kSubstring, 2, 3},
    {"substring-after", Fn::kSubstringAfter, 2, 2},
    {"substring-before", Fn::kSubstringBefore, 2, 2},
    {"sum", Fn::kSum, 1, 1},
    {"tan", Fn::kTan, 1, 1},
    {"today", Fn::kToday, 0, 0},
    {"translate", Fn::kTranslate, 3, 3},
    {"true", Fn::kTrue, 0, 0},
    {"uuid", Fn::kUuid, 0, 1},
    {"weighted-checklist", Fn::kWeightedChecklist, 2, kMany},
};

// The Park–Miller ("minimal standard") generator the ODK XForms spec
// names for randomize(): next = seed × 16807 mod (2³¹ − 1).
constexpr std::int64_t kParkMillerModulus = 2147483647;
constexpr std::int64_t kParkMillerMultiplier = 16807;

// Characters (code points) of UTF-8 text, for the string functions, which
// count characters as XPath does.
std::vector<std::string_view> chars_of(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string join_chars(const std::vector<std::string_view>& c, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < c.size(); ++i) out += c[i];
  return out;
}

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_xml_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_xml_space(s[i])) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// round() of the spec: halves away from zero, `places` may be negative.
double round_to(double x, double places) {
  if (std::isnan(places)) return std::nan("");
  const double p = std::trunc(places);
  if (p == 0) return std::round(x);
  const double scale = std::pow(10.0, std::fabs(p));
  return p > 0 ? std::round(x * scale) / scale : std::round(x / scale) * scale;
}

// A date from a value: a date stays, a number is days since 1970, text is a
// date or dateTime, or a whole number of days.
double as_days(const Value& v) {
  if (v.kind() == Value::Kind::kNumber || v.kind() == Value::Kind::kDate) return v.to_number();
  if (v.kind() == Value::Kind::kBool) return std::nan("");
  const std::string s = trim(v.to_string());
  if (const auto d = date_text_days(s)) return *d;
  const double n = parse_number(s);
  return std::isnan(n) ? n : std::trunc(n);
}

std::string pad(long long v, int width) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  const std::size_t w = static_cast<std::size_t>(width);
  std::string out(v < 0 ? "-" : "");
  if (digits.size() < w) out.append(w - digits.size(), '0');
  return out + digits;
}

// format-date(): the spec's %Y %y %m %n %b %d %e %a %H %h %M %S %3. Names
// of months and days are English (the respondent's language is not known
// to the expression).
std::string format_date(double days, const std::string& format) {
  const auto p = date_parts(days);
  if (!p) return "";
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr std::string_view kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      out += format[i];
      continue;
    }
    switch (format[++i]) {
      case '%':
        out += '%';
        break;
      case 'Y':
        out += pad(p->year, 4);
        break;
      case 'y':
        out += pad(p->year, 4).substr(2);
        break;
      case 'm':
        out += pad(p->month, 2);
        break;
      case 'n':
        out += std::to_string(p->month);
        break;
      case 'b':
        out += kMonths[p->month - 1];
        break;
      case 'd':
        out += pad(p->day, 2);
        break;
      case 'e':
        out += std::to_string(p->day);
        break;
      case 'a':
        out += kDays[p->weekday];
        break;
      case 'H':
        out += pad(p->hour, 2);
        break;
      case 'h':
        out += std::to_string(p->hour);
        break;
      case 'M':
        out += pad(p->minute, 2);
        break;
      case 'S':
        out += pad(p->second, 2);
        break;
      case '3':
        out += pad(p->millisecond, 3);
        break;
      default:
        out += '%', out += format[i];
    }
  }
  return out;
}

// decimal-time("08:30:00.000+01:00"): the fraction of a day, in UTC.
double decimal_time(const std::string& s) {
  const auto d = date_text_days("1970-01-02T" + s);
  if (!d || s.find_first_of("+-Z") == std::string::npos) return std::nan("");
  return *d - std::floor(*d);
}

// JavaScript's String.prototype.slice bounds: negative counts from the end.
std::size_t slice_bound(double v, std::size_t len) {
  if (std::isnan(v)) return 0;
  v = std::trunc(v);
  if (v < 0)
    return v + static_cast<double>(len) < 0
               ? 0
               : static_cast<std::size_t>(v + static_cast<double>(len));
  return v > static_cast<double>(len) ? len : static_cast<std::size_t>(v);
}

double fold_numbers(const Expr::Node& n, const EvalContext& ctx, bool want_max) {
  bool any = false;
  double best = 0;
  for (const auto& a : n.args) {
    for (const auto& t : eval_nodes(*a, ctx)) {
      const double d = parse_number(t);
      if (std::isnan(d)) return d;
      if (!any || (want_max ? d > best : d < best)) best = d;
      any = true;
    }
  }
  return any ? best : std::nan("");
}

Value checklist(const Expr::Node& n, const EvalContext& ctx, bool weighted) {
  const double lo = eval_node(*n.args[0], ctx).to_number();
  const double hi = eval_node(*n.args[1], ctx).to_number();
  double count = 0;
  for (std::size_t i = 2; i < n.args.size(); i += weighted ? 2 : 1) {
    if (!eval_node(*n.args[i], ctx).to_bool()) continue;
    count +=
        weighted ? (i + 1 < n.args.size() ? eval_node(*n.args[i + 1], ctx).to_number() : 0) : 1;
  }
  return Value::boolean((lo < 0 || count >= lo) && (hi < 0 || count <= hi));
}

Value string_function(const Expr::Node& n, const EvalContext& ctx) {
  const auto arg = [&](std::size_t i) { return eval_node(*n.args[i], ctx); };
  const auto text_or_current = [&] {
    return n.args.empty() ? ctx.current().to_string() : arg(0).to_string();
  };
  switch (n.fn) {
    case Fn::kConcat: {
      std::string out;
      for (const auto& a : n.args) {
        for (const auto& t : eval_nodes(*a, ctx)) out += t;
      }
      return Value::str(std::move(out));
    }
    case Fn::kJoin: {
      const std::string sep = arg(0).to_string();
      std::string out;
      bool first = true;
      for (std::size_t i = 1; i < n.args.size(); ++i) {
        for (const auto& t : eval_nodes(*n.args[i], ctx)) {
          if (!first) out += sep;
          out += t;
          first = false;
        }
      }
      return Value::str(std::move(out));
    }
    case Fn::kString:
      return Value::str(text_or_current());
    case Fn::kStringLength:
      return Value::num(static_cast<double>(chars_of(text_or_current()).size()));
    case Fn::kNormalizeSpace: {
      std::string out;
      for (const auto& w : split_words(text_or_current())) out += (out.empty() ? "" : " ") + w;
      return Value::str(std::move(out));
    }
    case Fn::kContains:
      return Value::boolean(arg(0).to_string().find(arg(1).to_string()) != std::string::npos);
    case Fn::kStartsWith:
      return Value::boolean(arg(0).to_string().starts_with(arg(1).to_string()));
    case Fn::kEndsWith:
      return Value::boolean(arg(0).to_string().ends_with(arg(1).to_string()));
    case Fn::kSubstringBefore:
    case Fn::kSubstringAfter: {
      const std::string s = arg(0).to_string(), t = arg(1).to_string();
      const auto at = s.find(t);
      if (at == std::string::npos) return Value::str("");
      return Value::str(n.fn == Fn::kSubstringBefore ? s.substr(0, at) : s.substr(at + t.size()));
    }
    case Fn::kSubstr: {
      // The spec's substr(text, start, end): 0-based, end excluded.
      const std::string s = arg(0).to_string();
      const auto c = chars_of(s);
      const std::size_t from = slice_bound(arg(1).to_number(), c.size());
      const std::size_t to =
          n.args.size() > 2 ? slice_bound(arg(2).to_number(), c.size()) : c.size();
      return Value::str(from < to ? join_chars(c, from, to) : "");
    }
    case Fn::kSubstring: {
      // XPath 1.0: characters at 1-based positions p with
      // round(start) <= p < round(start) + round(length).
      const std::string s = arg(0).to_string();
      const auto c = chars_of(s);
      const double start = std::round(arg(1).to_number() + 0.0);
      const double end = n.args.size() > 2 ? start + std::round(arg(2).to_number()) : INFINITY;
      std::string out;
      for (std::size_t i = 0; i < c.size(); ++i) {
        const double p = static_cast<double>(i + 1);
        if (p >= start && p < end) out += c[i];
      }
      return Value::str(std::move(out));
    }
    case Fn::kTranslate: {
      // chars_of() views its text: keep each text alive while it is read.
      const std::string s = arg(0).to_string(), from_text = arg(1).to_string(),
                        to_text = arg(2).to_string();
      const auto from = chars_of(from_text);
      const auto to = chars_of(to_text);
      std::string out;
      for (const auto ch : chars_of(s)) {
        const auto it = std::find(from.begin(), from.end(), ch);
        if (it == from.end()) {
          out += ch;
        } else if (const auto k = static_cast<std::size_t>(it - from.begin()); k < to.size()) {
          out += to[k];
        }
      }
      return Value::str(std::move(out));
    }
    case Fn::kSelectedAt: {
      const auto words = split_words(arg(0).to_string());
      const double i = std::trunc(arg(1).to_number());
      return Value::str(i >= 0 && i < static_cast<double>(words.size())
                            ? words[static_cast<std::size_t>(i)]
                            : "");
    }
    case Fn::kCoalesce: {
      for (const auto& a : n.args) {
        std::string s = eval_node(*a, ctx).to_string();
        if (!s.empty()) return Value::str(std::move(s));
      }
      return Value::str("");
    }
    case Fn::kUuid: {
      if (n.args.empty()) return Value::str(ctx.uuid());
      // uuid(n): n random letters and digits.
      const double len = arg(0).to_number();
      std::string out;
      while (!std::isnan(len) && static_cast<double>(out.size()) < std::min(len, 1024.0)) {
        std::string u = ctx.uuid();
        if (u.empty()) break;
        for (char ch : u) {
          if (ch != '-' && static_cast<double>(out.size()) < len) out += ch;
        }
      }
      return Value::str(std::move(out));
    }
    default:
      return Value();
  }
}

Value date_function(const Expr::Node& n, const EvalContext& ctx) {
  const auto arg = [&](std::size_t i) { return eval_node(*n.args[i], ctx); };
  switch (n.fn) {
    case Fn::kToday: {
      const auto d = date_text_days(ctx.today());
      return d ? Value::date(*d) : Value::str(ctx.today());
    }
    case Fn::kNow: {
      const auto d = date_text_days(ctx.now());
      return d ? Value::date(*d) : Value::str(ctx.now());
    }
    case Fn::kDate: {
      const Value v = arg(0);
      if (v.to_string().empty()) return Value::str("");
      const double days = as_days(v);
      return Value::date(std::fabs(days) <= kMaxDays ? days : std::nan(""));
    }
    case Fn::kDecimalDateTime:
      return Value::num(as_days(arg(0)));
    case Fn::kDecimalTime:
      return Value::num(decimal_time(arg(0).to_string()));
    case Fn::kFormatDate: {
      const Value v = arg(0);
      if (v.to_string().empty()) return Value::str("");
      return Value::str(format_date(as_days(v), arg(1).to_string()));
    }
    default:
      return Value();
  }
}

Value math_function(const Expr::Node& n, const EvalContext& ctx) {
  const auto x = [&](std::size_t i) { return eval_node(*n.args[i], ctx).to_number(); };
  switch (n.fn) {
    case Fn::kAbs:
      return Value::num(std::fabs(x(0)));
    case Fn::kAcos:
      return Value::num(std::acos(x(0)));
    case Fn::kAsin:
      return Value::num(std::asin(x(0)));
    case Fn::kAtan:
      return Value::num(std::atan(x(0)));
    case Fn::kAtan2:
      return Value::num(std::atan2(x(0), x(1)));
    case Fn::kCos:
      return Value::num(std::cos(x(0)));
    case Fn::kSin:
      return Value::num(std::sin(x(0)));
    case Fn::kTan:
      return Value::num(std::tan(x(0)));
    case Fn::kSqrt:
      return Value::num(std::sqrt(x(0)));
    case Fn::kExp:
      return Value::num(std::exp(x(0)));
    case Fn::kExp10:
      return Value::num(std::pow(10.0, x(0)));
    case Fn::kLog:
      return Value::num(std::log(x(0)));
    case Fn::kLog10:
      return Value::num(std::log10(x(0)));
    case Fn::kPow:
      return Value::num(std::pow(x(0), x(1)));
    case Fn::kPi:
      return Value::num(std::numbers::pi);
    case Fn::kFloor:
      return Value::num(std::floor(x(0)));
    case Fn::kCeiling:
      return Value::num(std::ceil(x(0)));
    case Fn::kInt:
      return Value::num(std::trunc(x(0)));
    case Fn::kRound:
      return Value::num(n.args.size() > 1 ? round_to(x(0), x(1)) : std::round(x(0)));
    case Fn::kNumber:
      return Value::num(n.args.empty() ? parse_number(ctx.current().to_string()) : x(0));
    case Fn::kRandom:
      return Value::num(ctx.random());
    case Fn::kRandomize: {
      std::vector<std::string> nodes = eval_nodes(*n.args[0], ctx);
      // Without a seed, another order on each evaluation, as in ODK; a
      // context without randomness keeps the document's order.
      const double r = ctx.random();
      if (n.args.size() < 2 && std::isnan(r)) return Value::nodes(std::move(nodes));
      shuffle_seeded(nodes, n.args.size() > 1 ? x(1) : std::floor(r * kParkMillerModulus));
      return Value::nodes(std::move(nodes));
    }
    case Fn::kMax:
      return Value::num(fold_numbers(n, ctx, true));
    case Fn::kMin:
      return Value::num(fold_numbers(n, ctx, false));
    case Fn::kSum: {
      double total = 0;
      for (const auto& t : eval_nodes(*n.args[0], ctx)) total += parse_number(t);
      return Value::num(total);
    }
    case Fn::kCount:
      if (n.args[0]->kind == Expr::Node::Kind::kRef) return Value::num(ctx.count(n.args[0]->name));
      return Value::num(static_cast<double>(eval_nodes(*n.args[0], ctx).size()));
    case Fn::kCountNonEmpty: {
      double count = 0;
      for (const auto& t : eval_nodes(*n.args[0], ctx)) count += t.empty() ? 0 : 1;
      return Value::num(count);
    }
    case Fn::kCountSelected:
      return Value::num(
          static_cast<double>(split_words(eval_node(*n.args[0], ctx).to_string()).size()));
    case Fn::kPosition:
      return Value::num(ctx.position());
    default:
      return Value();
  }
}

}  // namespace

const FunctionSpec* find_function(std::string_view name) {
  for (const auto& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::optional<std::string> item_column(const Choice& c, std::string_view column) {
  if (column == "name") return c.name;
  if (column == "label")
    return c.label.all().empty() ? std::string() : c.label.all().begin()->second;
  auto it = c.filters.find(std::string(column));
  if (it == c.filters.end()) return std::nullopt;
  return it->second;
}

namespace {

// pulldata('file', 'column', 'key column', key): the column of the first
// row of the form's file whose key column is the key, compared as text;
// "" when no row has it.
Value pulldata(const Expr::Node& n, const EvalContext& ctx) {
  const ChoiceList* list = ctx.instance(n.args[0]->literal.to_string());
  if (list == nullptr) return Value::str("");
  const std::string column = eval_node(*n.args[1], ctx).to_string();
  const std::string key_column = eval_node(*n.args[2], ctx).to_string();
  const std::string key = eval_node(*n.args[3], ctx).to_string();
  for (const Choice& c : list->choices) {
    const auto k = item_column(c, key_column);
    if (k && *k == key) return Value::str(item_column(c, column).value_or(""));
  }
  return Value::str("");
}

}  // namespace

Value call_function(const Expr::Node& n, const EvalContext& ctx) {
  const auto arg = [&](std::size_t i) { return eval_node(*n.args[i], ctx); };
  switch (n.fn) {
    case Fn::kIf:
      return arg(0).to_bool() ? arg(1) : arg(2);
    case Fn::kNot:
      return Value::boolean(!arg(0).to_bool());
    case Fn::kBoolean:
      return Value::boolean(arg(0).to_bool());
    case Fn::kTrue:
      return Value::boolean(true);
    case Fn::kFalse:
      return Value::boolean(false);
    case Fn::kBooleanFromString: {
      const std::string s = arg(0).to_string();
      return Value::boolean(s == "1" || s == "true");
    }
    case Fn::kChecklist:
      return checklist(n, ctx, false);
    case Fn::kWeightedChecklist:
      return checklist(n, ctx, true);
    case Fn::kSelected: {
      // The spec trims the code looked for; the answer's codes are split on spaces.
      const std::string want = trim(arg(1).to_string());
      const auto words = split_words(arg(0).to_string());
      return Value::boolean(std::find(words.begin(), words.end(), want) != words.end());
    }
    case Fn::kRegex: {
      // A pattern computed from answers is compiled here; one it cannot
      // compile matches nothing.
      const std::shared_ptr<const re2::RE2> re =
          n.pattern ? n.pattern : compile_pattern(arg(1).to_string());
      return Value::boolean(re->ok() && re2::RE2::PartialMatch(arg(0).to_string(), *re));
    }
    case Fn::kOnce: {
      // The current value stays once it has one.
      std::string current = ctx.current().to_string();
      return Value::str(!current.empty() ? std::move(current) : arg(0).to_string());
    }
    case Fn::kIndexedRepeat: {
      const double i = arg(2).to_number();
      if (!(i >= 1) || i > 1e6) return Value::str("");
      return Value::node(
          ctx.indexed(n.args[0]->name, n.args[1]->name, static_cast<std::size_t>(i)).to_string());
    }
    case Fn::kChoiceName:
      return Value::str(ctx.choice_label(n.args[1]->name, trim(arg(0).to_string())));
    case Fn::kPulldata:
      return pulldata(n, ctx);
    case Fn::kToday:
    case Fn::kNow:
    case Fn::kDate:
    case Fn::kDecimalDateTime:
    case Fn::kDecimalTime:
    case Fn::kFormatDate:
      return date_function(n, ctx);
    case Fn::kConcat:
    case Fn::kJoin:
    case Fn::kString:
    case Fn::kStringLength:
    case Fn::kNormalizeSpace:
    case Fn::kContains:
    case Fn::kStartsWith:
    case Fn::kEndsWith:
    case Fn::kSubstringBefore:
    case Fn::kSubstringAfter:
    case Fn::kSubstr:
    case Fn::kSubstring:
    case Fn::kTranslate:
    case Fn::kSelectedAt:
    case Fn::kCoalesce:
    case Fn::kUuid:
      return string_function(n, ctx);
    default:
      return math_function(n, ctx);
  }
}

// The seed is cut to a whole number as JavaRosa does (Enketo refuses a
// fraction); NaN, what an unanswered seed question gives, counts as 0. A
// seed gives the same order as ODK Collect and Enketo: the inside-out
// Fisher–Yates shuffle, each step's index drawn as
// floor((next − 1) / (2³¹ − 2) × (i + 1)).
void shuffle_seeded(std::vector<std::string>& items, double seed) {
  const double whole = std::isfinite(seed)
                           ? std::fmod(std::trunc(seed), static_cast<double>(kParkMillerModulus))
                           : 0;
  std::int64_t state = static_cast<std::int64_t>(whole);
  if (state <= 0) state += kParkMillerModulus - 1;
  std::vector<std::string> out(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    state = state * kParkMillerMultiplier % kParkMillerModulus;
    const double unit =
        static_cast<double>(state - 1) / static_cast<double>(kParkMillerModulus - 1);
    const auto j = static_cast<std::size_t>(std::floor(unit * static_cast<double>(i + 1)));
    if (j != i) out[i] = std::move(out[j]);
    out[j] = std::move(items[i]);
  }
  items = std::move(out);
}

}  // namespace equitas::forms
