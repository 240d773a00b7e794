#include "equitas/db/migrations.hpp"

#include <charconv>

namespace equitas {

std::vector<Migration> migrations_from(std::span<const EmbeddedFile> files) {
  std::vector<Migration> out;
  for (const EmbeddedFile& f : files) {
    int version = 0;
    const auto [ptr, ec] = std::from_chars(f.name.data(), f.name.data() + f.name.size(), version);
    if (ec != std::errc() || ptr == f.name.data() || version <= 0) continue;  // not a migration
    out.push_back(Migration{version, f.name, f.data});
  }
  return out;
}

}  // namespace equitas
