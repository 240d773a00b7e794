// What the browser needs to draw a form, and what the engine decided, as
// JSON. The browser draws what it is given and decides nothing: relevance,
// required, errors and calculations all come from forms::evaluate.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "equitas/forms/form.hpp"
#include "equitas/forms/form_engine.hpp"

namespace equitas::collector {

// Languages the UI speaks; a form may offer fewer.
inline constexpr std::string_view kUiLanguages[] = {"en", "fr", "es", "ru", "ar", "pt"};
bool is_ui_language(std::string_view lang);
bool is_rtl(std::string_view lang);

// {id, version, title, description, anonymous, lang, dir, pages: [{name,
// label, hint, items: [...]}]}. Each top-level group is a page; top-level
// items outside a group share a page.
boost::json::object form_view(const forms::Form& form, const std::string& lang);

// A short entry for the survey list.
boost::json::object form_summary(const forms::Form& form, const std::string& lang);

// {items: {path: {relevant, required, error}}, calculated: {path: value},
//  choices: {path: [names]}, errors: [{path, message}]}. Items that are
// relevant, not required and without error are left out to keep it small.
boost::json::object evaluation_view(const forms::Evaluation& e);

// How many answers the object holds (for the admin's draft list).
std::int64_t count_answers(const boost::json::object& answers);

}  // namespace equitas::collector
