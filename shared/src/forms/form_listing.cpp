#include "equitas/forms/form_listing.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <iomanip>

#include "equitas/forms/form_json.hpp"

namespace equitas::forms {
namespace {

int count_questions(const Form& f) {
  int n = 0;
  f.walk([&](const Item& it, const std::vector<const Item*>&) {
    n += it.takes_answer() && it.type != QuestionType::kRepeat;
    return true;
  });
  return n;
}

void print_items(const Form& f, const std::vector<Item>& items, int depth, const std::string& lang,
                 std::ostream& out) {
  for (const Item& it : items) {
    out << std::string(static_cast<std::size_t>(depth) * 2, ' ') << it.name << " ["
        << question_type_name(it.type) << (it.list.empty() ? "" : " " + it.list) << "] "
        << it.label.get(lang, f.default_language) << "\n";
    if (!it.items.empty()) print_items(f, it.items, depth + 1, lang, out);
  }
}

}  // namespace

void print_form_list(const FormLibrary& library, bool json, std::ostream& out) {
  if (json) {
    boost::json::array arr;
    for (const auto& e : library.entries()) {
      if (e.superseded && e.rounds.empty()) continue;
      boost::json::object o;
      o["id"] = e.form->id;
      o["version"] = e.form->version;
      o["title"] = e.form->title.get("en", e.form->default_language);
      o["bundled"] = e.bundled;
      boost::json::array rounds;
      for (const auto& r : e.rounds) rounds.emplace_back(r);
      o["rounds"] = std::move(rounds);
      o["questions"] = count_questions(*e.form);
      o["anonymous"] = e.form->anonymous;
      arr.push_back(std::move(o));
    }
    out << boost::json::serialize(arr) << "\n";
    return;
  }
  // The id column is as wide as the longest id, and at least 24.
  int id_width = 24;
  for (const auto& e : library.entries())
    id_width = std::max(id_width, static_cast<int>(e.form->id.size()) + 2);
  out << std::left << std::setw(id_width) << "FORM" << std::setw(12) << "VERSION" << std::setw(11)
      << "QUESTIONS" << std::setw(22) << "ROUNDS"
      << "TITLE\n";
  std::string previous;
  for (const auto& e : library.entries()) {
    if (e.superseded && e.rounds.empty()) {
      previous += (previous.empty() ? "" : ", ") + e.form->id + " " + e.form->version;
      continue;
    }
    std::string rounds;
    for (const auto& r : e.rounds)
      rounds += (rounds.empty() ? "" : ",") + (r.empty() ? std::string("-") : r);
    if (rounds.empty()) rounds = e.bundled ? "(bundled)" : "-";
    out << std::setw(id_width) << e.form->id << std::setw(12) << e.form->version << std::setw(11)
        << count_questions(*e.form) << std::setw(22) << rounds
        << e.form->title.get("en", e.form->default_language) << "\n";
  }
  // Earlier bundled editions: not captured any more, still read and checked.
  if (!previous.empty()) out << "\nPrevious editions, still read: " << previous << "\n";
}

Status print_form(const FormLibrary& library, const std::string& id, const std::string& version,
                  bool json, const std::string& lang, std::ostream& out) {
  auto form = version.empty() ? library.current(id) : library.find(id, version);
  if (!form) {
    return Status::not_found("no form '" + id + "'" +
                             (version.empty() ? "" : " version '" + version + "'") +
                             " here (see: forms list)");
  }
  if (json) {
    out << save_form_json(*form) << "\n";
    return Status::ok();
  }
  out << form->title.get(lang, form->default_language) << "\n"
      << "id " << form->id << ", version " << form->version
      << (form->anonymous ? ", anonymous" : "") << ", " << count_questions(*form)
      << " questions, languages:";
  for (const auto& l : form->languages) out << " " << l;
  out << "\n\n" << form->description.get(lang, form->default_language) << "\n\n";
  print_items(*form, form->items, 0, lang, out);
  return Status::ok();
}

}  // namespace equitas::forms
