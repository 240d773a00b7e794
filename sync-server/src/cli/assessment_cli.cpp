#include "assessment_cli.hpp"

#include <boost/json/serialize.hpp>
#include <iostream>
#include <sstream>

#include "assessment_report.hpp"
#include "cli_support.hpp"
#include "equitas/crypto/keys.hpp"
#include "server_app.hpp"

namespace equitas::server {
namespace {

Result<std::string> one_id(const CliArgs& a, std::size_t expected = 1) {
  if (a.positional().size() != expected) {
    return Status::invalid_argument(
        expected == 1 ? "give exactly one assessment ID (see: sync-server assessment list)"
                      : "give an assessment ID and a FIELD");
  }
  return a.positional()[0];
}

std::string text_of(const boost::json::value* v) {
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_double()) {
    std::ostringstream s;  // 62.5, not 6.25E1
    s << v->get_double();
    return s.str();
  }
  return boost::json::serialize(*v);
}

void print_score(std::ostream& out, const boost::json::object& s, const std::string& name) {
  out << "  " << name << ": " << text_of(s.if_contains("percent")) << " %, coverage "
      << text_of(s.if_contains("rated")) << "/" << text_of(s.if_contains("applicable")) << " ("
      << text_of(s.if_contains("coverage")) << " %)"
      << (s.at("incomplete").as_bool() ? ", incomplete" : "") << "\n";
}

void print_view(std::ostream& out, const boost::json::object& v) {
  const auto& admin = v.at("administration").as_object();
  out << "Assessment " << text_of(&v.at("id")) << ": " << text_of(&admin.at("name")) << " ("
      << text_of(&admin.at("id")) << "), " << text_of(&v.at("form_id")) << " round "
      << text_of(&v.at("round")) << "\n  state " << text_of(&v.at("state")) << ", version "
      << text_of(&v.at("version")) << ", " << v.at("fields").as_object().size()
      << " fields entered, " << v.at("disagreements").as_array().size() << " disagreement(s), "
      << v.at("flagged").as_array().size() << " flagged contribution(s)\n";
  for (const auto& d : v.at("disagreements").as_array()) {
    out << "  disagreement on " << text_of(&d.at("field")) << ":";
    for (const auto& c : d.at("competing").as_array()) {
      out << " " << text_of(&c.at("value")) << " (" << text_of(&c.at("author")) << ", "
          << text_of(&c.at("site")) << ", " << text_of(&c.at("at")) << ")";
    }
    out << "\n";
  }
  if (const auto* scores = v.if_contains("scores")) {
    const auto& s = scores->as_object();
    out << "Scores (" << text_of(&s.at("status")) << "):\n";
    print_score(out, s.at("overall").as_object(), "overall");
    for (const auto& p : s.at("principles").as_array()) {
      print_score(out, p.as_object(), text_of(&p.at("id")) + " " + text_of(&p.at("label")));
    }
  }
}

// A workflow step: draft -> under review, or under review -> validated.
int advance(const CliArgs& a, std::ostream& out, std::ostream& err, bool validate) {
  auto id = one_id(a);
  if (!id.is_ok()) return cli_fail(err, id.status());
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  const std::string comment = a.get_or("--comment", "");
  const Status s = validate ? app->validate_assessment(*id, comment, "cli")
                            : app->review_assessment(*id, comment, "cli");
  if (!s.is_ok()) return cli_fail(err, s);
  out << "Assessment " << *id
      << (validate ? " is validated: its scores are official.\n" : " is under review.\n");
  return 0;
}

}  // namespace

int cmd_administration_add(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto id = a.require("--id");
  if (!id.is_ok()) return cli_fail(err, id.status());
  auto name = a.require("--name");
  if (!name.is_ok()) return cli_fail(err, name.status());
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  if (Status s = app->add_administration(*id, *name, "cli"); !s.is_ok()) return cli_fail(err, s);
  out << "Administration " << *id << " (" << *name << ") added.\n";
  return 0;
}

int cmd_administration_list(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  auto list = app->administrations();
  if (!list.is_ok()) return cli_fail(err, list.status());
  for (const auto& admin : *list) out << admin.id << "\t" << admin.name << "\n";
  return 0;
}

int cmd_assessment_create(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto form = a.require("--form");
  if (!form.is_ok()) return cli_fail(err, form.status());
  auto round = a.require("--round");
  if (!round.is_ok()) return cli_fail(err, round.status());
  auto admin = a.require("--administration");
  if (!admin.is_ok()) return cli_fail(err, admin.status());
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  auto id = app->create_assessment(*form, *round, *admin, "cli");
  if (!id.is_ok()) return cli_fail(err, id.status().with_context("no assessment was created"));
  out << *id << "\n";
  err << "Assessment " << *id << " of " << *admin << ", " << *form << " round " << *round
      << ", in draft. Collectors receive it at their next sync.\n";
  return 0;
}

int cmd_assessment_list(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  auto list = app->assessments();
  if (!list.is_ok()) return cli_fail(err, list.status());
  for (const auto& x : *list) {
    out << x.id << "\t" << x.administration_id << "\t" << x.administration_name << "\t" << x.form_id
        << "\t" << x.round << "\t" << assessment_state_name(x.state) << "\tversion " << x.version
        << "\n";
  }
  return 0;
}

int cmd_assessment_show(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto id = one_id(a);
  if (!id.is_ok()) return cli_fail(err, id.status());
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  auto view = app->show_assessment(*id, a.get_or("--lang", "en"));
  if (!view.is_ok()) return cli_fail(err, view.status());
  if (a.has("--json")) {
    out << boost::json::serialize(*view) << "\n";
  } else {
    print_view(out, *view);
  }
  return 0;
}

int cmd_assessment_report(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto id = one_id(a);
  if (!id.is_ok()) return cli_fail(err, id.status());
  const std::string lang = a.get_or("--lang", "en");
  if (!assessment_report_language(lang)) {
    return cli_fail(
        err, Status::invalid_argument("--lang " + lang +
                                      ": the report is written in en, fr, es, ru, ar or pt"));
  }
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  auto html = app->assessment_report(*id, lang);
  if (!html.is_ok()) return cli_fail(err, html.status());
  if (auto file = a.get("--out")) {
    if (Status s = write_private_file(*file, as_bytes(*html)); !s.is_ok()) return cli_fail(err, s);
    out << "Wrote the report of assessment " << *id << " (" << lang << ") to " << *file << ".\n";
  } else {
    out << *html;
  }
  return 0;
}

int cmd_assessment_resolve(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto id = one_id(a, 2);
  if (!id.is_ok()) return cli_fail(err, id.status());
  auto value = a.require("--value");
  if (!value.is_ok()) return cli_fail(err, value.status());
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  const std::string& field = a.positional()[1];
  if (Status s = app->resolve_field(*id, field, *value, a.get_or("--comment", ""), "cli");
      !s.is_ok()) {
    return cli_fail(err, s);
  }
  out << "Field " << field << " of assessment " << *id << " resolved to " << *value << ".\n";
  return 0;
}

int cmd_assessment_review(const CliArgs& a, std::ostream& out, std::ostream& err) {
  return advance(a, out, err, false);
}

int cmd_assessment_validate(const CliArgs& a, std::ostream& out, std::ostream& err) {
  return advance(a, out, err, true);
}

int cmd_action_list(const CliArgs& a, std::ostream& out, std::ostream& err) {
  if (!a.positional().empty())
    return cli_fail(err, Status::invalid_argument("action list takes no ID; see --administration"));
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  auto plan = app->action_plan(a.get_or("--administration", ""), a.get_or("--lang", "en"));
  if (!plan.is_ok()) return cli_fail(err, plan.status());
  if (a.has("--json")) {
    out << boost::json::serialize(*plan) << "\n";
    return 0;
  }
  for (const auto& v : plan->at("items").as_array()) {
    const auto& i = v.as_object();
    std::string inds;
    for (const auto& x : i.at("indicators").as_array())
      inds += (inds.empty() ? "" : ",") + text_of(&x.at("id"));
    out << text_of(&i.at("id")) << "\t" << text_of(&i.at("status_label"))
        << (i.at("overdue").as_bool() ? " (overdue)" : "") << "\tdue "
        << (i.at("deadline").as_string().empty() ? "-" : text_of(&i.at("deadline"))) << "\t"
        << text_of(&i.at("activity")) << "\t" << (inds.empty() ? "-" : inds) << "\towner "
        << (i.at("owner").as_string().empty() ? "-" : text_of(&i.at("owner"))) << "\tupdated "
        << text_of(&i.at("updated")) << "\n";
  }
  if (plan->at("items").as_array().empty()) {
    err << "No action items yet: validating a team assessment adopts its action plan.\n";
  }
  return 0;
}

int cmd_action_update(const CliArgs& a, std::ostream& out, std::ostream& err) {
  if (a.positional().size() != 1) {
    return cli_fail(err, Status::invalid_argument(
                             "give exactly one action item ID (see: sync-server action list)"));
  }
  ServerApp::ActionChange change;
  if (auto s = a.get("--status")) change.status = *s;
  change.note = a.get_or("--note", "");
  if (auto list = a.get("--indicators")) {
    std::vector<std::string> ids;
    std::string word;
    for (char c : *list + ",") {
      if (c == ',' || c == ' ') {
        if (!word.empty()) ids.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
    change.indicators = std::move(ids);
  }
  if (auto o = a.get("--owner")) change.owner = *o;
  if (auto d = a.get("--deadline")) change.deadline = *d;
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  const std::string& id = a.positional()[0];
  if (Status s = app->update_action(id, change, "cli"); !s.is_ok()) {
    return cli_fail(err, s.with_context("action item " + id + " was not updated"));
  }
  out << "Action item " << id << " updated.\n";
  return 0;
}

}  // namespace equitas::server
