#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/util/embedded.hpp"

namespace equitas::forms {

Result<std::vector<std::shared_ptr<const Form>>> bundled_forms() {
  std::vector<std::shared_ptr<const Form>> out;
  for (const EmbeddedFile& f : embedded::bundled_form_files()) {
    auto form = load_form_json(f.data);
    if (!form.is_ok()) return form.status().with_context("bundled form " + std::string(f.name));
    out.push_back(std::make_shared<const Form>(std::move(form).value()));
  }
  return out;
}

}  // namespace equitas::forms
