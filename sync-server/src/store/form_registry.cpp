#include "form_registry.hpp"

#include <algorithm>

#include "equitas/forms/payload_layout.hpp"

namespace equitas::server {
namespace {
std::string layout_key(std::string_view id, std::string_view version) {
  std::string k(id);
  k += '\x1f';
  k += version;
  return k;
}
}  // namespace

FormSnapshot::FormSnapshot(forms::FormLibrary library) : library_(std::move(library)) {
  for (const auto& e : library_.entries()) {
    layouts_.emplace(layout_key(e.form->id, e.form->version), forms::payload_layout(*e.form));
  }
}

const PayloadLayout* FormSnapshot::layout(std::string_view form_id,
                                          std::string_view form_version) const {
  auto it = layouts_.find(layout_key(form_id, form_version));
  return it == layouts_.end() ? nullptr : &it->second;
}

Result<std::unique_ptr<FormRegistry>> FormRegistry::load(ServerStore& store) {
  std::unique_ptr<FormRegistry> r(new FormRegistry());
  EQ_RETURN_IF_ERROR(r->refresh(store));
  return r;
}

Status FormRegistry::refresh(ServerStore& store) {
  EQ_ASSIGN_OR_RETURN(std::int64_t version, store.publications_version());
  if (version == seen_version_) return Status::ok();
  EQ_ASSIGN_OR_RETURN(auto library, forms::FormLibrary::with_bundled());
  EQ_ASSIGN_OR_RETURN(auto pubs, store.load_publications());
  for (const auto& p : pubs) EQ_RETURN_IF_ERROR(library.add_publication(p.pub, p.published_at));
  current_ = std::make_shared<const FormSnapshot>(std::move(library));
  snapshot_.store(current_);
  publications_ = std::move(pubs);
  seen_version_ = version;
  return Status::ok();
}

std::vector<FormPublication> FormRegistry::missing_for(const std::vector<FormRef>& known) const {
  std::vector<FormPublication> out;
  for (const auto& p : publications_) {
    const FormRef ref{p.pub.form_id, p.pub.version, p.pub.round};
    if (std::find(known.begin(), known.end(), ref) == known.end()) out.push_back(p.pub);
  }
  return out;
}

}  // namespace equitas::server
