// The checks behind XlsformExport::notes, and `forms export --format xlsx`
// for both programs (xlsform_export.hpp).
#include "xlsform_export_check.hpp"

#include <boost/json/serialize.hpp>
#include <set>

#include "equitas/forms/form_json.hpp"
#include "equitas/forms/xlsform.hpp"
#include "equitas/forms/xlsform_export.hpp"

namespace equitas::forms {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxDifferences = 6;

std::string shown(const json::value* v) {
  if (v == nullptr) return "absent";
  std::string s = json::serialize(*v);
  return s.size() > 100 ? s.substr(0, 97) + "..." : s;
}

// An array element by its "name" (an item, a choice), else by its place.
std::string element(const json::value* v, std::size_t i) {
  if (v != nullptr && v->is_object()) {
    if (const json::value* n = v->as_object().if_contains("name"); n != nullptr && n->is_string()) {
      return "'" + std::string(n->get_string()) + "'";
    }
  }
  return std::to_string(i);
}

// The first differences between two JSON definitions, as "path: A written, B read back".
void differences(const json::value* a, const json::value* b, const std::string& path,
                 std::vector<std::string>& out) {
  if (out.size() >= kMaxDifferences || (a != nullptr && b != nullptr && *a == *b)) return;
  if (a != nullptr && b != nullptr && a->is_object() && b->is_object()) {
    std::set<std::string> keys;
    for (const auto& kv : a->get_object()) keys.emplace(kv.key());
    for (const auto& kv : b->get_object()) keys.emplace(kv.key());
    for (const auto& k : keys) {
      differences(a->get_object().if_contains(k), b->get_object().if_contains(k),
                  path.empty() ? k : path + "." + k, out);
    }
    return;
  }
  if (a != nullptr && b != nullptr && a->is_array() && b->is_array()) {
    const auto& x = a->get_array();
    const auto& y = b->get_array();
    for (std::size_t i = 0; i < std::max(x.size(), y.size()); ++i) {
      const json::value* u = i < x.size() ? &x[i] : nullptr;
      const json::value* w = i < y.size() ? &y[i] : nullptr;
      differences(u, w, path + "[" + element(u != nullptr ? u : w, i) + "]", out);
    }
    return;
  }
  out.push_back(path + ": " + shown(a) + " written, " + shown(b) + " read back");
}

}  // namespace

void note_unread_lists(const Form& form, std::vector<std::string>& notes) {
  std::set<std::string> read;
  form.walk([&](const Item& it, const std::vector<const Item*>&) {
    if (it.is_select()) read.insert(it.list);
    for (const ExprField* e : it.expressions()) {
      if (!e->present()) continue;
      for (const auto& list : e->expr->instances()) {
        // instance('x') reads x.csv when neither sheet has a list x.
        if (auto l = form.lists.find(list);
            l != form.lists.end() && l->second.source == list + ".csv") {
          read.insert(list);
        }
      }
    }
    return true;
  });
  for (const auto& [name, list] : form.lists) {
    if (list.source.empty() || read.count(name)) continue;
    notes.push_back("list '" + name + "' (from " + list.source +
                    ") is written, but no question selects from it, " +
                    "so the importer does not read it back");
  }
}

Status compare_reimport(const Form& form, const std::filesystem::path& path,
                        std::vector<std::string>& notes) {
  EQ_ASSIGN_OR_RETURN(ImportResult back, import_xlsform_file(path));
  if (!back.form) {
    std::string first;
    for (const auto& m : back.messages) {
      if (m.severity == ImportMessage::Severity::kError) {
        first = m.to_string();
        break;
      }
    }
    notes.push_back("the workbook does not import as it is: " + first);
    return Status::ok();
  }
  if (*back.form == form) return Status::ok();
  const json::value written = form_to_json(form);
  const json::value read = form_to_json(*back.form);
  std::vector<std::string> diffs;
  differences(&written, &read, "", diffs);
  if (diffs.empty()) diffs.emplace_back("(a difference the JSON form does not show)");
  std::string text = "importing the workbook gives a different definition:";
  for (const auto& d : diffs) text += "\n    " + d;
  notes.push_back(std::move(text));
  return Status::ok();
}

int run_xlsform_export(const FormLibrary& library, const std::string& id,
                       const std::string& version, const std::filesystem::path& path,
                       const std::string& program, std::ostream& out, std::ostream& err) {
  const auto form = version.empty() ? library.current(id) : library.find(id, version);
  if (!form) {
    err << program << ": no form '" << id << "'"
        << (version.empty() ? "" : " version '" + version + "'") << " here (see: " << program
        << " forms list)\n";
    return 1;
  }
  if (path.extension() != ".xlsx") {
    err << program << ": --out must name an .xlsx file (the workbook), not '" << path.string()
        << "'\n";
    return 1;
  }
  auto done = export_xlsform_file(*form, path);
  if (!done.is_ok()) {
    err << program << ": " << done.status().message() << "\n";
    return 1;
  }
  out << "Wrote " << form->id << " version " << form->version
      << " as an XLSForm workbook: " << path.string() << "\n";
  for (std::size_t i = 1; i < done->files.size(); ++i) {
    out << "  and " << done->files[i].string()
        << " beside it (a list select_one_from_file reads)\n";
  }
  if (done->exact()) {
    out << "It imports back to the same definition (sync-server forms publish --data-dir DIR "
        << path.string() << ").\n";
    return 0;
  }
  err << program << ": the workbook does not carry everything in the definition:\n";
  for (const auto& n : done->notes) err << "  - " << n << "\n";
  return 3;
}

}  // namespace equitas::forms
