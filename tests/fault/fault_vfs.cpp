#include "fault_vfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <new>
#include <random>
#include <stdexcept>

namespace equitas::test {
namespace {

constexpr const char* kName = "equitas-fault";
constexpr std::int64_t kSector = 512;

// Our file object; the wrapped VFS's file follows it in the same allocation.
struct FaultFile {
  sqlite3_file base;
  FaultVfs* owner;
  sqlite3_file* real;
  std::string path;  // empty for temporary files without a name
};

FaultVfs* owner_of(sqlite3_vfs* v) { return static_cast<FaultVfs*>(v->pAppData); }
FaultFile* ff(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f); }

int x_close(sqlite3_file* f) {
  FaultFile* p = ff(f);
  const int rc = p->real->pMethods->xClose(p->real);
  p->path.~basic_string();
  return rc;
}

int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return ff(f)->real->pMethods->xRead(ff(f)->real, buf, n, off);
}

std::int64_t size_of(sqlite3_file* real) {
  sqlite3_int64 size = 0;
  if (real->pMethods->xFileSize(real, &size) != SQLITE_OK) return 0;
  return size;
}

std::string bytes_at(sqlite3_file* real, std::int64_t off, std::int64_t n, std::int64_t size) {
  const std::int64_t len = std::max<std::int64_t>(0, std::min(n, size - off));
  std::string out(static_cast<std::size_t>(len), '\0');
  if (len > 0) (void)real->pMethods->xRead(real, out.data(), static_cast<int>(len), off);
  return out;
}

int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  FaultFile* p = ff(f);
  if (const int rc = p->owner->on_write_op(false); rc != SQLITE_OK) return rc;
  if (p->owner->tracking() && !p->path.empty()) {
    FaultVfs::Op op;
    op.offset = off;
    op.old_size = size_of(p->real);
    op.old_bytes = bytes_at(p->real, off, n, op.old_size);
    op.new_bytes.assign(static_cast<const char*>(buf), static_cast<std::size_t>(n));
    p->owner->log_op(p->path, std::move(op));
  }
  return p->real->pMethods->xWrite(p->real, buf, n, off);
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  FaultFile* p = ff(f);
  if (const int rc = p->owner->on_write_op(false); rc != SQLITE_OK) {
    return rc == SQLITE_FULL ? rc : SQLITE_IOERR_TRUNCATE;
  }
  if (p->owner->tracking() && !p->path.empty()) {
    FaultVfs::Op op;
    op.truncate = true;
    op.offset = size;
    op.old_size = size_of(p->real);
    op.old_bytes = bytes_at(p->real, size, op.old_size - size, op.old_size);
    p->owner->log_op(p->path, std::move(op));
  }
  return p->real->pMethods->xTruncate(p->real, size);
}

int x_sync(sqlite3_file* f, int flags) {
  FaultFile* p = ff(f);
  if (const int rc = p->owner->on_write_op(true); rc != SQLITE_OK) return rc;
  const int rc = p->real->pMethods->xSync(p->real, flags);
  if (rc == SQLITE_OK && !p->path.empty()) p->owner->on_synced(p->path);
  return rc;
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return ff(f)->real->pMethods->xFileSize(ff(f)->real, size);
}
int x_lock(sqlite3_file* f, int l) { return ff(f)->real->pMethods->xLock(ff(f)->real, l); }
int x_unlock(sqlite3_file* f, int l) { return ff(f)->real->pMethods->xUnlock(ff(f)->real, l); }
int x_check_reserved(sqlite3_file* f, int* out) {
  return ff(f)->real->pMethods->xCheckReservedLock(ff(f)->real, out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return ff(f)->real->pMethods->xFileControl(ff(f)->real, op, arg);
}
int x_sector_size(sqlite3_file* f) { return ff(f)->real->pMethods->xSectorSize(ff(f)->real); }
int x_device_characteristics(sqlite3_file* f) {
  return ff(f)->real->pMethods->xDeviceCharacteristics(ff(f)->real);
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return ff(f)->real->pMethods->xShmMap(ff(f)->real, page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return ff(f)->real->pMethods->xShmLock(ff(f)->real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { ff(f)->real->pMethods->xShmBarrier(ff(f)->real); }
int x_shm_unmap(sqlite3_file* f, int del) {
  return ff(f)->real->pMethods->xShmUnmap(ff(f)->real, del);
}
// No memory-mapped I/O: every read goes through xRead (SQLite falls back
// when xFetch returns no page).
int x_fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
  *out = nullptr;
  return SQLITE_OK;
}
int x_unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

const sqlite3_io_methods kMethods = {3,
                                     x_close,
                                     x_read,
                                     x_write,
                                     x_truncate,
                                     x_sync,
                                     x_file_size,
                                     x_lock,
                                     x_unlock,
                                     x_check_reserved,
                                     x_file_control,
                                     x_sector_size,
                                     x_device_characteristics,
                                     x_shm_map,
                                     x_shm_lock,
                                     x_shm_barrier,
                                     x_shm_unmap,
                                     x_fetch,
                                     x_unfetch};

int v_open(sqlite3_vfs* v, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  FaultVfs* owner = owner_of(v);
  FaultFile* p = ff(f);
  p->base.pMethods = nullptr;
  p->owner = owner;
  p->real = reinterpret_cast<sqlite3_file*>(p + 1);
  new (&p->path) std::string(name != nullptr ? name : "");
  const int rc = owner->real()->xOpen(owner->real(), name, p->real, flags, out_flags);
  if (rc != SQLITE_OK || p->real->pMethods == nullptr) {
    p->path.~basic_string();
    return rc;
  }
  p->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int v_delete(sqlite3_vfs* v, const char* name, int sync_dir) {
  FaultVfs* owner = owner_of(v);
  if (owner->dead()) return SQLITE_IOERR_DELETE;
  const int rc = owner->real()->xDelete(owner->real(), name, sync_dir);
  if (rc == SQLITE_OK) owner->on_deleted(name);
  return rc;
}

int v_access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return owner_of(v)->real()->xAccess(owner_of(v)->real(), name, flags, out);
}
int v_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return owner_of(v)->real()->xFullPathname(owner_of(v)->real(), name, n, out);
}
void* v_dl_open(sqlite3_vfs* v, const char* name) {
  return owner_of(v)->real()->xDlOpen(owner_of(v)->real(), name);
}
void v_dl_error(sqlite3_vfs* v, int n, char* out) {
  owner_of(v)->real()->xDlError(owner_of(v)->real(), n, out);
}
void (*v_dl_sym(sqlite3_vfs* v, void* h, const char* sym))(void) {
  return owner_of(v)->real()->xDlSym(owner_of(v)->real(), h, sym);
}
void v_dl_close(sqlite3_vfs* v, void* h) { owner_of(v)->real()->xDlClose(owner_of(v)->real(), h); }
int v_randomness(sqlite3_vfs* v, int n, char* out) {
  return owner_of(v)->real()->xRandomness(owner_of(v)->real(), n, out);
}
int v_sleep(sqlite3_vfs* v, int us) { return owner_of(v)->real()->xSleep(owner_of(v)->real(), us); }
int v_current_time(sqlite3_vfs* v, double* out) {
  return owner_of(v)->real()->xCurrentTime(owner_of(v)->real(), out);
}
int v_last_error(sqlite3_vfs* v, int n, char* out) {
  return owner_of(v)->real()->xGetLastError(owner_of(v)->real(), n, out);
}
int v_current_time64(sqlite3_vfs* v, sqlite3_int64* out) {
  return owner_of(v)->real()->xCurrentTimeInt64(owner_of(v)->real(), out);
}

// Applies the crash to one file on disk: back to its state at the last
// sync, then each unsynced op kept, lost or (torn) cut to a sector prefix.
void crash_file(const std::string& path, const std::vector<FaultVfs::Op>& ops, bool torn,
                std::mt19937& rng) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return;  // deleted since
  bool ok = true;
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    // A write's old bytes were at its offset; a truncation's, from the new size on.
    if (!it->old_bytes.empty()) {
      ok &= ::pwrite(fd, it->old_bytes.data(), it->old_bytes.size(), it->offset) ==
            static_cast<ssize_t>(it->old_bytes.size());
    }
    ok &= ::ftruncate(fd, it->old_size) == 0;
  }
  if (torn) {
    for (const auto& op : ops) {
      const unsigned choice = rng() % 3;  // 0: lost, 1: kept, 2: torn
      if (choice == 0) continue;
      if (op.truncate) {
        ok &= ::ftruncate(fd, op.offset) == 0;
        continue;
      }
      std::size_t n = op.new_bytes.size();
      const std::int64_t sectors = (static_cast<std::int64_t>(n) + kSector - 1) / kSector;
      if (choice == 2 && sectors > 1)
        n = static_cast<std::size_t>((1 + rng() % (sectors - 1)) * kSector);
      ok &= ::pwrite(fd, op.new_bytes.data(), n, op.offset) == static_cast<ssize_t>(n);
    }
  }
  ::close(fd);
  if (!ok) throw std::runtime_error("FaultVfs could not simulate the power loss on " + path);
}

}  // namespace

FaultVfs::FaultVfs() {
  real_ = sqlite3_vfs_find(nullptr);
  if (real_ == nullptr) throw std::runtime_error("no default SQLite VFS");
  vfs_.iVersion = 3;
  vfs_.szOsFile = static_cast<int>(sizeof(FaultFile)) + real_->szOsFile;
  vfs_.mxPathname = real_->mxPathname;
  vfs_.zName = kName;
  vfs_.pAppData = this;
  vfs_.xOpen = v_open;
  vfs_.xDelete = v_delete;
  vfs_.xAccess = v_access;
  vfs_.xFullPathname = v_full_pathname;
  vfs_.xDlOpen = v_dl_open;
  vfs_.xDlError = v_dl_error;
  vfs_.xDlSym = v_dl_sym;
  vfs_.xDlClose = v_dl_close;
  vfs_.xRandomness = v_randomness;
  vfs_.xSleep = v_sleep;
  vfs_.xCurrentTime = v_current_time;
  vfs_.xGetLastError = v_last_error;
  vfs_.xCurrentTimeInt64 = v_current_time64;
  if (sqlite3_vfs_register(&vfs_, 1) != SQLITE_OK)
    throw std::runtime_error("cannot register the fault VFS");
}

FaultVfs::~FaultVfs() {
  sqlite3_vfs_unregister(&vfs_);
  sqlite3_vfs_register(real_, 1);
}

void FaultVfs::fail_at(int n, int code, bool persistent) {
  fail_n_ = ops_ + n;
  code_ = code;
  persistent_ = persistent;
}

void FaultVfs::power_loss_at(int n, bool torn, std::uint32_t seed) {
  power_n_ = syncs_ + n;
  torn_ = torn;
  seed_ = seed;
}

int FaultVfs::fail_code(bool is_sync, bool is_truncate) const {
  if (code_ == SQLITE_FULL) return SQLITE_FULL;
  if (is_sync) return SQLITE_IOERR_FSYNC;
  return is_truncate ? SQLITE_IOERR_TRUNCATE : code_;
}

int FaultVfs::on_write_op(bool is_sync) {
  if (dead_) return is_sync ? SQLITE_IOERR_FSYNC : SQLITE_IOERR_WRITE;
  ++ops_;
  if (is_sync) ++syncs_;
  if (is_sync && power_n_ > 0 && syncs_ == power_n_) {
    lose_power();
    return SQLITE_IOERR_FSYNC;
  }
  if (fail_n_ > 0 && (ops_ == fail_n_ || (persistent_ && ops_ > fail_n_))) {
    if (!fired_) fired_on_sync_ = is_sync;
    fired_ = true;
    return fail_code(is_sync, false);
  }
  return SQLITE_OK;
}

void FaultVfs::log_op(const std::string& path, Op op) { unsynced_[path].push_back(std::move(op)); }

void FaultVfs::lose_power() {
  fired_ = true;
  fired_on_sync_ = true;
  dead_ = true;
  std::mt19937 rng(seed_);
  for (const auto& [path, ops] : unsynced_) {
    lost_ops_ += static_cast<int>(ops.size());
    crash_file(path, ops, torn_, rng);
  }
  unsynced_.clear();
}

}  // namespace equitas::test
