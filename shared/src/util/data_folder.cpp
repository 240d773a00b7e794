#include "equitas/util/data_folder.hpp"

#include <sys/stat.h>

#include <string>
#include <system_error>

namespace equitas {

Status claim_data_folder(const std::filesystem::path& root, const DataFolderClaim& claim) {
  for (const char* file : claim.other_files) {
    if (std::filesystem::exists(root / file)) {
      return Status::already_exists(root.string() + " is a " + std::string(claim.other_program) +
                                    "'s data folder (it holds " + file + "); give " +
                                    std::string(claim.program) +
                                    " init another --data-dir, a folder of its own");
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return Status::io_error("cannot create " + root.string() + ": " + ec.message());
  ::chmod(root.c_str(), 0700);
  for (const auto& file : claim.own_files) {
    if (std::filesystem::exists(file)) {
      return Status::already_exists(root.string() + " already holds " + std::string(claim.held));
    }
  }
  return Status::ok();
}

}  // namespace equitas
