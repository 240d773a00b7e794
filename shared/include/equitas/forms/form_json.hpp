// Reading and writing form definitions as JSON (schema/README.md).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/forms/form.hpp"

namespace equitas::forms {

// Parses and checks a definition. On failure the message lists every
// problem, one per line, each naming the question (and, for an expression,
// the character position).
Result<Form> load_form_json(std::string_view text);
Result<Form> form_from_json(const boost::json::value& v);

boost::json::value form_to_json(const Form& form);
std::string save_form_json(const Form& form);

// Structural checks shared by every loader (JSON, XLSForm): unique names,
// known lists, references to existing questions, groups with items. Returns
// one line per problem.
std::vector<std::string> check_form(const Form& form);

// An item name: a letter or '_', then letters, digits, '_', '.' or '-'.
// Plain loops rather than std::regex, whose libstdc++ matcher recurses once
// per character and overflows the stack on a long enough name.
bool valid_item_name(std::string_view name);

// A form id: lower-case letters, digits, '_' or '-', not starting with
// '_' or '-', at most 128 bytes.
bool valid_form_id(std::string_view id);

// Every text in the form lacking one of the form's `languages`:
// "item 'dem_sex' label: no 'ru'".
std::vector<std::string> missing_translations(const Form& form);

// Parses an expression field, naming the question and the field on error.
Result<ExprField> parse_expr_field(std::string_view source, std::string_view question,
                                   std::string_view field);

}  // namespace equitas::forms
