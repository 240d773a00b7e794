// Files compiled into the binaries (schema migrations, bundled forms and web
// assets), so one executable carries everything it needs.
#pragma once

#include <span>
#include <string_view>

namespace equitas {

struct EmbeddedFile {
  std::string_view name;  // path relative to its source folder
  std::string_view data;
};

namespace embedded {
std::span<const EmbeddedFile> collector_sql();
std::span<const EmbeddedFile> server_sql();
std::span<const EmbeddedFile> bundled_form_files();  // schema/forms/*.json and previous/*.json
// collector/web/*: the collector's web UI. Linked into the collector only.
std::span<const EmbeddedFile> collector_web_assets();
// sync-server/web/*: the dashboard. Linked into the server only.
std::span<const EmbeddedFile> server_web_assets();
}  // namespace embedded

}  // namespace equitas
