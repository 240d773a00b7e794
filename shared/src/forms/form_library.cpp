#include "equitas/forms/form_library.hpp"

#include "equitas/forms/form_json.hpp"

namespace equitas::forms {

Result<FormLibrary> FormLibrary::with_bundled() {
  EQ_ASSIGN_OR_RETURN(auto forms, bundled_forms());
  FormLibrary lib;
  for (auto& f : forms) {
    LibraryEntry e;
    e.form = std::move(f);
    e.bundled = true;
    lib.entries_.push_back(std::move(e));
  }
  EQ_ASSIGN_OR_RETURN(auto previous, previous_bundled_forms());
  for (auto& f : previous) {
    LibraryEntry e;
    e.form = std::move(f);
    e.bundled = true;
    e.superseded = true;
    lib.entries_.push_back(std::move(e));
  }
  return lib;
}

LibraryEntry* FormLibrary::entry(std::string_view id, std::string_view version) {
  for (auto& e : entries_) {
    if (e.form->id == id && e.form->version == version) return &e;
  }
  return nullptr;
}

Status FormLibrary::add_publication(const FormPublication& pub, std::int64_t published_at) {
  auto form = load_form_json(pub.definition);
  if (!form.is_ok()) return form.status().with_context("published form " + pub.form_id);
  if (form->id != pub.form_id || form->version != pub.version) {
    return Status::corruption("publication of " + pub.form_id + " " + pub.version +
                              " carries the definition of " + form->id + " " + form->version);
  }
  auto shared = std::make_shared<const Form>(std::move(form).value());
  LibraryEntry* e = entry(pub.form_id, pub.version);
  if (e == nullptr) {
    entries_.push_back(LibraryEntry{shared, false, false, {}, published_at});
    e = &entries_.back();
  } else if (!(*e->form == *shared)) {
    e->form = shared;
  }
  if (std::find(e->rounds.begin(), e->rounds.end(), pub.round) == e->rounds.end())
    e->rounds.push_back(pub.round);
  e->published_at = std::max(e->published_at, published_at);
  return Status::ok();
}

std::shared_ptr<const Form> FormLibrary::find(std::string_view id, std::string_view version) const {
  for (const auto& e : entries_) {
    if (e.form->id == id && e.form->version == version) return e.form;
  }
  return nullptr;
}

std::shared_ptr<const Form> FormLibrary::current(std::string_view id) const {
  const LibraryEntry* best = nullptr;
  for (const auto& e : entries_) {
    if (e.form->id != id || (e.superseded && e.rounds.empty())) continue;
    if (best == nullptr || e.published_at > best->published_at ||
        (e.published_at == best->published_at && e.form->version > best->form->version)) {
      best = &e;
    }
  }
  return best != nullptr ? best->form : nullptr;
}

std::string FormLibrary::current_round(std::string_view id) const {
  const LibraryEntry* best = nullptr;
  for (const auto& e : entries_) {
    if (e.form->id == id && !e.rounds.empty() &&
        (best == nullptr || e.published_at > best->published_at))
      best = &e;
  }
  return best != nullptr ? best->rounds.back() : std::string();
}

std::string FormLibrary::round_of(std::string_view id, std::string_view version) const {
  for (const auto& e : entries_) {
    if (e.form->id == id && e.form->version == version && !e.rounds.empty()) return e.rounds.back();
  }
  return std::string();
}

Status FormLibrary::validate(std::string_view form_id, std::string_view form_version,
                             boost::json::object& answers) const {
  return check(form_id, form_version, answers, false);
}

Status FormLibrary::validate_partial(std::string_view form_id, std::string_view form_version,
                                     boost::json::object& answers) const {
  return check(form_id, form_version, answers, true);
}

Status FormLibrary::check(std::string_view form_id, std::string_view form_version,
                          boost::json::object& answers, bool partial) const {
  auto form = find(form_id, form_version);
  if (!form) {
    return Status::not_found("form '" + std::string(form_id) + "' version '" +
                             std::string(form_version) + "' is not known here");
  }
  EvalOptions opts;
  opts.record_states = false;
  opts.partial = partial;
  const Evaluation e = evaluate(*form, answers, opts);
  if (e.ok()) return Status::ok();
  return Status::invalid_argument(std::to_string(e.errors.size()) + " invalid answer(s):\n" +
                                  format_errors(e.errors));
}

}  // namespace equitas::forms
