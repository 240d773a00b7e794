#include "equitas/forms/expression.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <random>

#include "equitas/forms/form.hpp"
#include "equitas/util/bytes.hpp"

using namespace equitas::forms;

namespace {

class MapCtx final : public EvalContext {
 public:
  std::map<std::string, std::string, std::less<>> values;
  std::string dot;
  Value ref(std::string_view name) const override {
    auto it = values.find(name);
    return it == values.end() ? Value() : Value::str(it->second);
  }
  Value current() const override { return Value::str(dot); }
  double count(std::string_view name) const override { return name == "rows" ? 3 : 0; }
  std::string today() const override { return "2026-11-23"; }
};

Value run(std::string_view src, const MapCtx& ctx = MapCtx()) {
  auto e = Expr::parse(src);
  INFO(src << ": " << e.status().to_string());
  REQUIRE(e.is_ok());
  return e->eval(ctx);
}

std::string str(std::string_view src, const MapCtx& ctx = MapCtx()) {
  return run(src, ctx).to_string();
}
bool truth(std::string_view src, const MapCtx& ctx = MapCtx()) { return run(src, ctx).to_bool(); }

}  // namespace

TEST_CASE("operators bind with XLSForm precedence", "[expr]") {
  CHECK(str("1 + 2 * 3") == "7");
  CHECK(str("(1 + 2) * 3") == "9");
  CHECK(str("10 - 4 - 3") == "3");  // left-associative
  CHECK(str("7 div 2") == "3.5");
  CHECK(str("7 mod 3") == "1");
  CHECK(str("-2 * -3") == "6");
  CHECK(str("2 + 3 * 4 - 10 div 5") == "12");
  CHECK(truth("1 < 2 and 3 > 2"));
  CHECK(truth("1 > 2 or 2 = 2"));
  CHECK_FALSE(truth("1 > 2 or 2 = 3 and 1 = 1"));  // and binds tighter than or
  CHECK(truth("1 + 1 = 2"));                       // arithmetic before comparison
  CHECK(truth("1 < 2 = true()"));                  // relational before equality
  CHECK(truth("not(1 = 2)"));
}

TEST_CASE("references, the current answer and XPath comparison rules", "[expr]") {
  MapCtx ctx;
  ctx.values = {{"age", "34"},
                {"sex", "female"},
                {"channels", "hotline manager"},
                {"empty", ""},
                {"start", "2026-01-05"}};
  ctx.dot = "17";
  CHECK(truth("${age} > 18", ctx));
  CHECK(truth("${age} = 34", ctx));
  CHECK(truth("${sex} = 'female'", ctx));
  CHECK(truth("${sex} != \"male\"", ctx));
  CHECK_FALSE(truth(". >= 18", ctx));
  CHECK_FALSE(truth("${empty} > 18", ctx));  // an empty answer is never > 18
  CHECK_FALSE(truth("${empty} < 18", ctx));
  CHECK(truth("${empty} = ''", ctx));
  CHECK(truth("${missing} = ''", ctx));
  CHECK(truth("${start} <= today()", ctx));  // ISO dates compare as dates
  CHECK_FALSE(truth("${start} > today()", ctx));
}

TEST_CASE("every function", "[expr]") {
  MapCtx ctx;
  ctx.values = {{"channels", "hotline manager"}, {"name", "Amina"}, {"n", "3.7"}, {"empty", ""}};
  CHECK(truth("selected(${channels}, 'hotline')", ctx));
  CHECK_FALSE(truth("selected(${channels}, 'hot')", ctx));
  CHECK(str("count-selected(${channels})", ctx) == "2");
  CHECK(str("count-selected(${empty})", ctx) == "0");
  CHECK(str("string-length(${name})", ctx) == "5");
  CHECK(str("string-length('منصف')") == "4");  // characters, not bytes
  CHECK(truth("regex(${name}, '^[A-Z][a-z]+$')", ctx));
  // A pattern computed at run time that does not compile matches nothing.
  ctx.values["pattern"] = "[";
  CHECK_FALSE(truth("regex('abc', ${pattern})", ctx));
  ctx.values["pattern"] = "^A";
  CHECK(truth("regex(${name}, ${pattern})", ctx));
  CHECK(str("if(1 = 1, 'yes', 'no')") == "yes");
  // An answer is a node: true as a boolean, answered or not (XPath 1.0 §4.3).
  CHECK(str("if(${empty}, 'yes', 'no')", ctx) == "yes");
  CHECK(str("if(${empty} != '', 'yes', 'no')", ctx) == "no");
  CHECK(str("coalesce(${empty}, ${name})", ctx) == "Amina");
  CHECK(str("today()") == "2026-11-23");
  CHECK(str("int(${n})", ctx) == "3");
  CHECK(str("int(-3.7)") == "-3");
  CHECK(str("number('12.5') + 1") == "13.5");
  CHECK(std::isnan(run("number('abc')").to_number()));
  CHECK(str("concat('P', 1, '.', 'A')") == "P1.A");
  CHECK(str("string(4)") == "4");
  CHECK(str("round(2.567, 2)") == "2.57");
  CHECK(str("round(2.5)") == "3");
  CHECK(str("count(${rows})", ctx) == "3");
  CHECK(truth("boolean('x')"));
  CHECK_FALSE(truth("boolean('')"));
  CHECK(truth("true()"));
  CHECK_FALSE(truth("false()"));
}

TEST_CASE("parse errors name the position, in characters, as valid UTF-8", "[expr]") {
  struct Case {
    const char* src;
    const char* fragment;
  };
  const Case cases[] = {
      {"", "empty"},
      {"1 +", "position 3"},
      {"(1 + 2", "expected ')'"},
      {"${age > 3", "unclosed ${"},
      {"'open", "unclosed text"},
      {"1 ! 2", "position 2"},
      {"foo(1)", "unknown function 'foo()'"},
      {"selected(1)", "takes 2 argument"},
      {"today(1)", "takes 0 argument"},
      {"count(3)", "count() takes a question"},
      {"pulldata(${f}, 'name', 'id', ${x})", "pulldata() takes the file's name in quotes"},
      {"regex(., '(?=a)b')", "lookaround (?=...) is not supported"},
      {"regex(., '(a)\\1')", "backreferences such as \\1 are not supported"},
      {"/data", "a path must end at a question's name"},
      {"/", "an absolute path starts /data/"},
      {"concat(..)", "'..' names a group"},
      {"..", "'..' names a group"},
      {"instance('x')/root", "is read as instance('x')/root/item"},
      {"jr:choice-name(${a}, 3)", "jr:choice-name() takes the question in quotes"},
      {"1 2", "unexpected '2'"},
      {"and 1", "needs something on its left"},
      {"1 # 2", "position 2"},
      {"${1abc} = 1", "not a question name"},
      // A literal pattern is compiled when the form loads, so a bad one is
      // refused there, not silently false for every respondent.
      {"regex(., '[')", "regex() pattern is not a regular expression"},
      {"regex(., '(a)\\1')", "regex() pattern"},          // backreferences: not linear-time
      {"regex(., '(?=a)b')", "regex() pattern"},          // lookahead: likewise
      {"regex(., '[A-Z]{6666661}')", "regex() pattern"},  // found by fuzz_expression
      // Messages stay valid UTF-8 and name typographic quotes (issue #19).
  };
  for (const auto& c : cases) {
    auto e = Expr::parse(c.src);
    INFO(c.src);
    REQUIRE_FALSE(e.is_ok());
    CHECK_THAT(e.status().message(), Catch::Contains(c.fragment));
    CHECK(equitas::valid_utf8(e.status().message()));
  }
  CHECK_FALSE(
      Expr::parse(std::string(200, '(') + "1" + std::string(200, ')')).is_ok());  // too deep
}

TEST_CASE("references are listed for load-time checks", "[expr]") {
  auto e = Expr::parse("${a} > 1 and selected(${b}, 'x') or ${a} = ${c}");
  REQUIRE(e.is_ok());
  const auto refs = e->references();
  CHECK(refs == std::vector<std::string>{"a", "b", "a", "c"});
}

TEST_CASE("random input never crashes the parser or the evaluator", "[expr][fuzz]") {
  const std::string alphabet = "${}()'\".,=!<>+-*/ abcdivmodrsel0123456789_-\n";
  const char* seeds[] = {"${a} > 1 and selected(${b}, 'x')", "if(${a} = '', 0, int(${b}) + 1)",
                         "regex(., '^[0-9]{3}$') or string-length(.) < 5",
                         "coalesce(${x}, today())"};
  std::mt19937 rng(20261123);
  MapCtx ctx;
  ctx.values = {{"a", "2"}, {"b", "x y"}, {"x", ""}};
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = seeds[i % 4];
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < edits; ++k) {
      const std::size_t pos = rng() % (s.size() + 1);
      switch (rng() % 3) {
        case 0:
          s.insert(pos, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 1:
          if (pos < s.size()) s.erase(pos, 1);
          break;
        default:
          if (pos < s.size()) s[pos] = alphabet[rng() % alphabet.size()];
          break;
      }
    }
    auto e = Expr::parse(s);
    if (e.is_ok()) {
      ++parsed;
      (void)e->eval(ctx).to_string();
    } else {
      CHECK_THAT(e.status().message(), Catch::Contains("position"));
    }
  }
  CHECK(parsed > 0);
}

TEST_CASE("regex() takes linear time and bounded stack on any answer", "[expr]") {
  MapCtx ctx;
  // libstdc++'s std::regex recursed once per character: a 100,000-character
  // answer overflowed the stack even on an innocent pattern.
  ctx.dot = std::string(100000, 'a');
  CHECK(truth("regex(., '^[a-z ]*$')", ctx));
  CHECK(truth("regex(., '^(a|b)*$')", ctx));
  // Patterns that backtrack exponentially in a backtracking engine, on the
  // answer that triggers it: these returned after hours, if ever.
  ctx.dot = std::string(10000, 'a') + "!";
  CHECK_FALSE(truth("regex(., '^(a|aa)*$')", ctx));
  CHECK_FALSE(truth("regex(., '^(a+)+$')", ctx));
  ctx.dot = std::string(30, 'a') + "!";
  CHECK_FALSE(truth("regex(., '^(a*)*b$')", ctx));
  // XLSForm's usual patterns still work, Unicode included.
  ctx.dot = "P1.A.3, X.B.2";
  CHECK(
      truth("regex(., '^ *(X|P[1-6])[.][A-E][.][1-9] *(, *(X|P[1-6])[.][A-E][.][1-9] *)*$')", ctx));
  ctx.dot = "Amina Ndiaye";
  CHECK(truth("regex(., '^\\p{L}+( \\p{L}+)*$')", ctx));
  ctx.dot = "منصف";
  CHECK(truth("regex(., '^\\p{Arabic}{4}$')", ctx));
}

namespace {

// A context with a repeat, a choice list and labels, for the functions of issue #19.
class RichCtx final : public EvalContext {
 public:
  std::map<std::string, std::string, std::less<>> values{
      {"dob", "1990-05-17"}, {"age", "34"}, {"multi", "a b c"}, {"empty", ""}, {"state", "wa"}};
  std::vector<std::string> rq{"3", "4.5", "-1"};
  ChoiceList counties{"counties", {}, ""};
  RichCtx() {
    Choice king{"king",          LangText(std::map<std::string, std::string>{{"en", "King"}}),
                Polarity::kNone, false,
                std::nullopt,    {{"state", "wa"}}};
    Choice cook{"cook",          LangText(std::map<std::string, std::string>{{"en", "Cook"}}),
                Polarity::kNone, false,
                std::nullopt,    {{"state", "il"}}};
    counties.choices = {king, cook};
  }
  Value ref(std::string_view name) const override {
    auto it = values.find(name);
    return it == values.end() ? Value() : Value::str(it->second);
  }
  Value current() const override { return ref("age"); }
  std::vector<std::string> all(std::string_view name) const override {
    if (name == "rq") return rq;
    if (name == "rows") return std::vector<std::string>(rq.size());
    return {ref(name).to_string()};
  }
  Value indexed(std::string_view name, std::string_view repeat, std::size_t i) const override {
    return name == "rq" && repeat == "rows" && i >= 1 && i <= rq.size() ? Value::str(rq[i - 1])
                                                                        : Value();
  }
  double position() const override { return 2; }
  const ChoiceList* instance(std::string_view id) const override {
    return id == "counties" ? &counties : nullptr;
  }
  std::string choice_label(std::string_view q, std::string_view v) const override {
    return q == "county" && v == "king" ? "King" : "";
  }
  std::string today() const override { return "2026-11-23"; }
};

std::string rich(std::string_view src) {
  auto e = Expr::parse(src);
  INFO(src << ": " << e.status().to_string());
  REQUIRE(e.is_ok());
  return e->eval(RichCtx()).to_string();
}

}  // namespace

TEST_CASE("dates are days since 1970 (ODK XForms spec)", "[expr]") {
  CHECK(rich("${dob} + 1") == "7442");
  CHECK(rich("date(${dob} + 1)") == "1990-05-18");
  CHECK(rich("int((today() - ${dob}) div 365.25)") == "36");
  CHECK(rich("today() - date('2026-11-22')") == "1");
  CHECK(rich("decimal-date-time('1970-01-02T12:00:00.000+00:00')") == "1.5");
  CHECK(rich("date(0)") == "1970-01-01");
  CHECK(rich("date(-1)") == "1969-12-31");
  CHECK(rich("date(1.5)") == "1970-01-02T12:00:00.000+00:00");
  CHECK(rich("format-date('2026-11-23', '%a %e %b %Y, %d/%m/%y')") == "Mon 23 Nov 2026, 23/11/26");
  CHECK(rich("format-date(${empty}, '%Y')") == "");
  CHECK(rich("${dob} < today()") == "true");
  CHECK(rich("${dob} = '1990-5-17'") == "true");      // dates compare as dates
  CHECK(rich("date('2024-02-30')") == "2024-03-01");  // rolls over, as JavaScript's Date
}

TEST_CASE("numbers print in the shortest form that reads back exactly", "[expr]") {
  CHECK(str("0.1 + 0.2") == "0.30000000000000004");
  CHECK(str("1 div 3") == "0.3333333333333333");
  CHECK(str("1000000 * 1000000 * 1000000 * 1000") == "1e+21");
  CHECK(str("123456789 * 1000000") == "123456789000000");
  CHECK(str("1 div 10000000") == "1e-7");
  CHECK(str("0.000001") == "0.000001");
  CHECK(str("-0") == "0");
  CHECK(str("1 div 0") == "Infinity");
  CHECK(truth("number('1e+21') = 1000000 * 1000000 * 1000000 * 1000"));
  std::mt19937_64 rng(19);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 20000; ++i) {
    const double d = (unit(rng) - 0.5) * std::pow(10.0, static_cast<int>(rng() % 60) - 30);
    INFO(d);
    REQUIRE(parse_number(format_number(d)) == d);
  }
  // XPath's number(): no hexadecimal, leading '+' or Infinity.
  for (const char* s : {"0x10", "+5", "Infinity", "1e", "--3", "1,5"})
    CHECK(std::isnan(parse_number(s)));
}

TEST_CASE("round, selected, count, empty answers and the functions of the spec", "[expr]") {
  CHECK(rich("round(1234.5678, 2)") == "1234.57");
  CHECK(rich("round(1234.5678, -2)") == "1200");
  CHECK(rich("round(-2.5)") == "-3");
  CHECK(rich("round(1.5, 20)") == "1.5");
  CHECK(rich("selected(${multi}, ' b ')") == "true");
  CHECK(rich("count(${age})") == "1");
  CHECK(rich("count(${rows})") == "3");
  CHECK(rich("sum(${rq})") == "6.5");
  CHECK(rich("max(${rq})") == "4.5");
  CHECK(rich("indexed-repeat(${rq}, ${rows}, 2)") == "4.5");
  CHECK(rich("position(..)") == "2");
  CHECK(rich("not(${empty})") == "false");
  CHECK(rich("coalesce(${empty}, 5) = '5'") == "true");
  CHECK(rich("substr('abcdef', 1, 3)") == "bc");
  CHECK(rich("substring('12345', 1.5, 2.6)") == "234");
  CHECK(rich("normalize-space('  a   b ')") == "a b");
  CHECK(rich("contains('Amina', 'min')") == "true");
  CHECK(rich("translate('bar', 'abc', 'ABC')") == "BAr");
  CHECK(rich("concat(${rq})") == "34.5-1");
  CHECK(rich("pow(2, 10)") == "1024");
  CHECK(rich("round(log10(1000), 6)") == "3");
  CHECK(rich("once('x')") == "34");
  CHECK(rich("jr:choice-name('king', '${county}')") == "King");
  CHECK(rich("boolean-from-string('true')") == "true");
  CHECK(rich("checklist(1, 2, true(), false(), true())") == "true");
}

TEST_CASE("randomize() gives the order ODK Collect and Enketo give for a seed", "[expr]") {
  // The orders of the letters A to F are those in openrosa-xpath-evaluator's
  // own tests (test/integration/openrosa-xpath/randomize.spec.js), which
  // JavaRosa's ParkMiller class was written to match.
  const auto shuffled = [](double seed) {
    std::vector<std::string> v{"A", "B", "C", "D", "E", "F"};
    shuffle_seeded(v, seed);
    std::string out;
    for (const auto& s : v) out += s;
    return out;
  };
  CHECK(shuffled(42) == "AFCBDE");
  CHECK(shuffled(-42) == "EDAFBC");
  CHECK(shuffled(1) == "BFEACD");
  CHECK(shuffled(11111111) == "ACDBFE");
  // A fraction is cut as JavaRosa cuts it; 0, NaN and 2^31 - 1 all start
  // the generator at the same state.
  CHECK(shuffled(1.9) == "BFEACD");
  CHECK(shuffled(0) == shuffled(2147483647));
  CHECK(shuffled(std::nan("")) == shuffled(0));
  CHECK(shuffled(1e300).size() == 6);
  // Over a repeat's answers, seeded by an expression.
  CHECK(rich("join(' ', randomize(${rq}, 42))") == "3 4.5 -1");
  CHECK(rich("join(' ', randomize(${rq}, 2 - 1))") == "4.5 3 -1");
  CHECK(rich("join(' ', randomize(${rq}, '-42'))") == "4.5 -1 3");
  CHECK(rich("count(randomize(instance('counties')/root/item/name))") == "2");
  CHECK(rich("sum(randomize(${rq}))") == "6.5");
  // Only a node-set can be shuffled.
  auto bad = Expr::parse("randomize('a b', 1)");
  REQUIRE_FALSE(bad.is_ok());
  CHECK_THAT(bad.status().message(),
             Catch::Contains("randomize() takes a question inside a repeat"));
  CHECK_FALSE(Expr::parse("randomize(${x}, 1, 2)").is_ok());
}

TEST_CASE("paths, current() and secondary instances with predicates", "[expr]") {
  CHECK(rich("/data/group/age + 1") == "35");
  CHECK(rich("../age + 1") == "35");
  CHECK(rich("./age = 34") == "true");
  CHECK(rich("current()/../age") == "34");
  CHECK(rich("count(instance('counties')/root/item[state = ${state}])") == "1");
  CHECK(rich("instance('counties')/root/item[state = 'il']/name") == "cook");
  CHECK(rich("instance('counties')/root/item[name = 'king']/state") == "wa");
  auto e = Expr::parse("../a + /data/g/b + instance('l')/root/item[x = ${c}]/y");
  REQUIRE(e.is_ok());
  CHECK(e->references() == std::vector<std::string>{"a", "b", "c"});
  CHECK(e->instances() == std::vector<std::string>{"l"});
  CHECK(e->bare_names().empty());  // predicate columns are the instance's, not a choice filter's
}
