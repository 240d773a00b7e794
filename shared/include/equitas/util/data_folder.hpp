#pragma once
// The folder a program keeps its keys and database in (--data-dir).

#include <filesystem>
#include <initializer_list>
#include <string_view>

#include "equitas/status/status.hpp"

namespace equitas {

// What `init` of one program may not find in its folder.
struct DataFolderClaim {
  std::string_view program;                                // "collector": named in the errors
  std::string_view other_program;                          // "sync-server"
  std::initializer_list<const char*> other_files;          // the other program's files
  std::initializer_list<std::filesystem::path> own_files;  // this program's key and database
  std::string_view held;  // "a collector": "<root> already holds a collector"
};

// Creates `root` (owner-only, 0700) for a new program's keys and database.
// already_exists when it holds the other program's files (init there would
// mix the two programs' keys and databases in one place) or this program's
// own: nothing is ever overwritten. io_error when it cannot be created.
Status claim_data_folder(const std::filesystem::path& root, const DataFolderClaim& claim);

}  // namespace equitas
