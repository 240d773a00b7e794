// Space held back in the data folder for the writes that must work on a
// full disk: the admin discarding drafts, a respondent's submit.
//
// SQLite in WAL mode needs free space even to delete a row (the change is
// appended to the -wal file first). So the collector keeps a file of
// kDiskReserveBytes beside its database. When a write fails because the
// disk is full, the caller releases the file and retries once
// (Collector::write_with_reserve); ensure() puts it back once the disk has
// room again. Not thread-safe; each Collector has its own.
#pragma once

#include <cstdint>
#include <filesystem>

#include "equitas/status/status.hpp"

namespace equitas::collector {

// Enough for SQLite's WAL to take a few discards and a submission: one
// auto-checkpoint cycle is 1000 pages of 4 KiB, plus a draft's pages.
inline constexpr std::uint64_t kDiskReserveBytes = 8 * 1024 * 1024;

class DiskReserve {
 public:
  explicit DiskReserve(std::filesystem::path path, std::uint64_t bytes = kDiskReserveBytes)
      : path_(std::move(path)), bytes_(bytes) {}

  // Creates the file at its full size if it is missing or short. When the
  // disk has no room for it, leaves no partial file and says so: call again
  // later.
  Status ensure();
  // Deletes the file. True when there was one: the space is free again and
  // the failed write is worth one more try.
  bool release();
  bool present() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::uint64_t bytes_;
};

}  // namespace equitas::collector
