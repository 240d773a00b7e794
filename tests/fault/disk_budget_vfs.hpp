// A test VFS that gives one folder a disk of `budget` bytes: a write that
// would grow a file in that folder past what the folder's files already use
// fails with SQLITE_FULL, as a real full disk does. Unlike FaultVfs, space
// freed outside SQLite (deleting a file in the folder) is seen at once, so
// the collector's disk reserve can be tested as it works on a real disk.
//
// While it lives it is the default VFS, so connections opened after it go
// through it. One at a time; not thread-safe.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>

namespace equitas::test {

class DiskBudgetVfs {
 public:
  DiskBudgetVfs();   // registers itself as the default VFS
  ~DiskBudgetVfs();  // unregisters; the previous default is the default again
  DiskBudgetVfs(const DiskBudgetVfs&) = delete;
  DiskBudgetVfs& operator=(const DiskBudgetVfs&) = delete;

  // Files directly in `folder` may use `bytes` in all (0: no limit).
  void set_budget(const std::filesystem::path& folder, std::uint64_t bytes);
  // What the folder's regular files use now.
  static std::uint64_t used(const std::filesystem::path& folder);
  int refused() const { return refused_; }  // writes refused so far

  // For the C callbacks.
  bool allows(const std::string& file, std::int64_t growth);
  sqlite3_vfs* real() const { return real_; }

 private:
  sqlite3_vfs vfs_{};
  sqlite3_vfs* real_ = nullptr;
  std::filesystem::path folder_;
  std::uint64_t budget_ = 0;
  int refused_ = 0;
};

}  // namespace equitas::test
