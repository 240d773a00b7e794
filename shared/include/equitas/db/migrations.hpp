// The schema migrations compiled into a program (util/embedded.hpp), as the
// Database applies them (Database::migrate).
#pragma once

#include <span>
#include <vector>

#include "equitas/db/database.hpp"
#include "equitas/util/embedded.hpp"

namespace equitas {

// Each "NNN_name.sql" file becomes migration NNN; a file whose name does not
// start with a positive number is not a migration. Files are taken in the
// order given (the embedded list is in name order).
std::vector<Migration> migrations_from(std::span<const EmbeddedFile> files);

}  // namespace equitas
