#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/util/embedded.hpp"

namespace equitas::forms {

namespace {

Result<std::vector<std::shared_ptr<const Form>>> load_bundled(bool previous) {
  std::vector<std::shared_ptr<const Form>> out;
  for (const EmbeddedFile& f : embedded::bundled_form_files()) {
    if (f.name.starts_with("previous/") != previous) continue;
    auto form = load_form_json(f.data);
    if (!form.is_ok()) return form.status().with_context("bundled form " + std::string(f.name));
    out.push_back(std::make_shared<const Form>(std::move(form).value()));
  }
  return out;
}

}  // namespace

Result<std::vector<std::shared_ptr<const Form>>> bundled_forms() { return load_bundled(false); }

Result<std::vector<std::shared_ptr<const Form>>> previous_bundled_forms() {
  return load_bundled(true);
}

}  // namespace equitas::forms
