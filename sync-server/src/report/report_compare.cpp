// Two rounds side by side: the change of each item, section (factor),
// element and principle between them, where both rounds show a value.
#include <cmath>

#include "report_internal.hpp"

namespace equitas::server::report_detail {
namespace {

const boost::json::object* find_by(const boost::json::array& a, std::string_view key,
                                   const boost::json::value& want) {
  for (const auto& v : a) {
    if (v.is_object() && v.as_object().contains(key) && v.as_object().at(key) == want)
      return &v.as_object();
  }
  return nullptr;
}

boost::json::value number_or_null(const boost::json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  const auto* v = o->if_contains(key);
  return v && v->is_number() ? *v : boost::json::value(nullptr);
}

// {"from": a, "to": b, "change": b - a}, nulls where a side is not shown
// (suppressed, or no data): a change is never computed from a hidden value.
boost::json::object change(const boost::json::value& a, const boost::json::value& b) {
  boost::json::object o{{"from", a}, {"to", b}};
  if (a.is_number() && b.is_number()) {
    o["change"] = std::round(10.0 * (b.to_number<double>() - a.to_number<double>())) / 10.0;
  } else {
    o["change"] = nullptr;
  }
  return o;
}

// Whether a change in percent positive is larger than sampling noise: a
// two-sided two-proportion z-test with the pooled proportion, at 95 %
// (|z| >= 1.96). A percent is of n substantive answers; null where either
// side is hidden or has no answers, so nothing is inferred from a hidden
// group.
boost::json::value beyond_noise(const boost::json::object* a, const boost::json::object* b) {
  const auto n_of = [](const boost::json::object* o) {
    const auto* n = o ? o->if_contains("n") : nullptr;
    return n && n->is_int64() ? n->get_int64() : 0;
  };
  const std::int64_t n1 = n_of(a), n2 = n_of(b);
  const auto p1 = number_or_null(a, "positive"), p2 = number_or_null(b, "positive");
  if (n1 <= 0 || n2 <= 0 || !p1.is_number() || !p2.is_number()) return nullptr;
  const double x1 = p1.to_number<double>() / 100.0, x2 = p2.to_number<double>() / 100.0;
  const double pooled =
      (x1 * static_cast<double>(n1) + x2 * static_cast<double>(n2)) / static_cast<double>(n1 + n2);
  const double se = std::sqrt(pooled * (1.0 - pooled) *
                              (1.0 / static_cast<double>(n1) + 1.0 / static_cast<double>(n2)));
  if (se <= 0.0) return false;  // everyone agreed in both rounds: the same, not a change
  return std::abs(x2 - x1) / se >= 1.96;
}

// For every group of every entry of `key` in a: the change of `field`.
boost::json::array grouped(const boost::json::object& a, const boost::json::object& b,
                           std::string_view key, std::string_view field) {
  boost::json::array out;
  for (const auto& ev : a.at(key).as_array()) {
    const auto& e = ev.as_object();
    const auto* groups = e.if_contains("groups");
    if (groups == nullptr) continue;
    bool relevant = false;
    for (const auto& g : groups->as_array()) relevant = relevant || g.as_object().contains(field);
    const auto* other = find_by(b.at(key).as_array(), "name", e.at("name"));
    if (!relevant && other) {
      for (const auto& g : other->at("groups").as_array())
        relevant = relevant || g.as_object().contains(field);
    }
    if (!relevant) continue;
    boost::json::array rows;
    for (const auto& g : groups->as_array()) {
      const auto& go = g.as_object();
      const auto* og =
          other ? find_by(other->at("groups").as_array(), "group", go.at("group")) : nullptr;
      auto c = change(number_or_null(&go, field), number_or_null(og, field));
      if (field == "positive") c["beyond_noise"] = beyond_noise(&go, og);
      c["group"] = go.at("group");
      rows.push_back(std::move(c));
    }
    out.push_back(boost::json::object{
        {"name", e.at("name")}, {"label", e.at("label")}, {"groups", std::move(rows)}});
  }
  return out;
}

}  // namespace

boost::json::object compare_survey(const boost::json::object& a, const boost::json::object& b) {
  return {{"items", grouped(a, b, "items", "positive")},
          {"sections", grouped(a, b, "sections", "index")},
          {"noise_test",
           "two-proportion z-test on percent positive, pooled, two-sided, 95 % (items only)"}};
}

boost::json::object compare_geoat(const boost::json::object& a, const boost::json::object& b) {
  boost::json::array out;
  for (const auto& av : a.at("administrations").as_array()) {
    const auto& x = av.as_object();
    const auto* y =
        find_by(b.at("administrations").as_array(), "administration", x.at("administration"));
    boost::json::object o{{"administration", x.at("administration")}};
    o["overall"] =
        change(x.at("overall").as_object().at("percent"),
               y ? y->at("overall").as_object().at("percent") : boost::json::value(nullptr));
    for (const char* part : {"principles", "elements"}) {
      boost::json::array rows;
      for (const auto& pv : x.at(part).as_array()) {
        const auto& p = pv.as_object();
        const auto* q = y ? find_by(y->at(part).as_array(), "id", p.at("id")) : nullptr;
        auto c = change(p.at("percent"), q ? q->at("percent") : boost::json::value(nullptr));
        c["id"] = p.at("id");
        c["label"] = p.at("label");
        rows.push_back(std::move(c));
      }
      o[part] = std::move(rows);
    }
    out.push_back(std::move(o));
  }
  return {{"administrations", std::move(out)}};
}

}  // namespace equitas::server::report_detail
