// A test VFS, built on SQLite's public sqlite3_vfs API, that wraps the
// default VFS ("unix") and injects the faults SQLite's own test suite uses:
//
//   - I/O errors: the Nth write-side operation (xWrite, xTruncate, xSync,
//     counted across every file) fails, once or from then on;
//   - power loss at the Nth xSync: that sync never happens, every write
//     since each file's last sync is lost or torn (kept in part, at 512-byte
//     sector granularity, in any combination), and the disk is gone for the
//     rest of the process's life (every later write, sync or delete fails).
//
// While a FaultVfs lives it is the default VFS, so every connection the code
// under test opens (Database::open names no VFS) goes through it. One at a
// time; not thread-safe (the workloads are single-threaded).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace equitas::test {

class FaultVfs {
 public:
  FaultVfs();   // registers itself as the default VFS
  ~FaultVfs();  // unregisters; the previous default is the default again
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  // The `n`th write-side operation from now fails: xWrite with `code`
  // (SQLITE_IOERR_WRITE or SQLITE_FULL), xTruncate and xSync with
  // SQLITE_IOERR_TRUNCATE / SQLITE_IOERR_FSYNC (SQLITE_FULL for all when
  // `code` is SQLITE_FULL). `persistent`: every later one fails too.
  void fail_at(int n, int code, bool persistent);
  // Power fails at the `n`th xSync from now. `torn`: each unsynced write is
  // kept, lost or cut short at random (from `seed`); else all are lost.
  void power_loss_at(int n, bool torn, std::uint32_t seed);

  int ops() const { return ops_; }      // write-side operations seen
  int syncs() const { return syncs_; }  // xSync calls seen
  bool fired() const { return fired_; }
  // Whether the fault that fired hit an xSync (a failed sync may leave a
  // complete transaction in the WAL that recovery will find).
  bool fired_on_sync() const { return fired_on_sync_; }
  bool dead() const { return dead_; }
  // Unsynced writes and truncations the power loss undid (or tore).
  int lost_ops() const { return lost_ops_; }

  // Implementation details, public for the C callbacks.
  struct Op {
    bool truncate = false;
    std::int64_t offset = 0;    // write: where; truncate: the new size
    std::string old_bytes;      // what was there (within the old size)
    std::string new_bytes;      // write: what was written
    std::int64_t old_size = 0;  // the file's size before the op
  };
  int on_write_op(bool is_sync);  // SQLITE_OK, or the error to return
  void log_op(const std::string& path, Op op);
  void on_synced(const std::string& path) { unsynced_.erase(path); }
  void on_deleted(const std::string& path) { unsynced_.erase(path); }
  int fail_code(bool is_sync, bool is_truncate) const;
  bool tracking() const { return power_n_ > 0 && !dead_; }
  sqlite3_vfs* real() const { return real_; }

 private:
  void lose_power();

  sqlite3_vfs vfs_{};
  sqlite3_vfs* real_ = nullptr;
  int ops_ = 0;
  int syncs_ = 0;
  int fail_n_ = 0;
  int code_ = SQLITE_IOERR_WRITE;
  bool persistent_ = false;
  int power_n_ = 0;
  bool torn_ = false;
  std::uint32_t seed_ = 0;
  bool fired_ = false;
  bool fired_on_sync_ = false;
  bool dead_ = false;
  int lost_ops_ = 0;
  std::map<std::string, std::vector<Op>> unsynced_;
};

}  // namespace equitas::test
