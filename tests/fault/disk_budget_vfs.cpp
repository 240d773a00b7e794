#include "disk_budget_vfs.hpp"

#include <new>
#include <stdexcept>
#include <string>

namespace equitas::test {
namespace {

constexpr const char* kName = "equitas-disk-budget";

struct BudgetFile {
  sqlite3_file base;
  DiskBudgetVfs* owner;
  sqlite3_file* real;
  std::string path;
};

DiskBudgetVfs* owner_of(sqlite3_vfs* v) { return static_cast<DiskBudgetVfs*>(v->pAppData); }
BudgetFile* bf(sqlite3_file* f) { return reinterpret_cast<BudgetFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return bf(f)->real; }

std::int64_t size_of(sqlite3_file* r) {
  sqlite3_int64 size = 0;
  if (r->pMethods->xFileSize(r, &size) != SQLITE_OK) return 0;
  return size;
}

int x_close(sqlite3_file* f) {
  BudgetFile* p = bf(f);
  const int rc = p->real->pMethods->xClose(p->real);
  p->path.~basic_string();
  return rc;
}
int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return real(f)->pMethods->xRead(real(f), buf, n, off);
}
int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  BudgetFile* p = bf(f);
  const std::int64_t growth = off + n - size_of(p->real);
  if (growth > 0 && !p->owner->allows(p->path, growth)) return SQLITE_FULL;
  return p->real->pMethods->xWrite(p->real, buf, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  BudgetFile* p = bf(f);
  const std::int64_t growth = size - size_of(p->real);
  if (growth > 0 && !p->owner->allows(p->path, growth)) return SQLITE_FULL;
  return p->real->pMethods->xTruncate(p->real, size);
}
int x_sync(sqlite3_file* f, int flags) { return real(f)->pMethods->xSync(real(f), flags); }
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int x_lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
int x_unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int x_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  // The unix VFS grows files in chunks through this (SQLITE_FCNTL_SIZE_HINT,
  // CHUNK_SIZE); the growth it asks for is checked by the write that follows.
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device_characteristics(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int x_shm_unmap(sqlite3_file* f, int del) { return real(f)->pMethods->xShmUnmap(real(f), del); }
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
  DiskBudgetVfs* owner = owner_of(v);
  BudgetFile* p = bf(f);
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
  return owner_of(v)->real()->xDelete(owner_of(v)->real(), name, sync_dir);
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

}  // namespace

DiskBudgetVfs::DiskBudgetVfs() {
  real_ = sqlite3_vfs_find(nullptr);
  if (real_ == nullptr) throw std::runtime_error("no default SQLite VFS");
  vfs_.iVersion = 3;
  vfs_.szOsFile = static_cast<int>(sizeof(BudgetFile)) + real_->szOsFile;
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
    throw std::runtime_error("cannot register the budget VFS");
}

DiskBudgetVfs::~DiskBudgetVfs() {
  sqlite3_vfs_unregister(&vfs_);
  sqlite3_vfs_register(real_, 1);
}

void DiskBudgetVfs::set_budget(const std::filesystem::path& folder, std::uint64_t bytes) {
  folder_ = std::filesystem::weakly_canonical(folder);
  budget_ = bytes;
}

std::uint64_t DiskBudgetVfs::used(const std::filesystem::path& folder) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

bool DiskBudgetVfs::allows(const std::string& file, std::int64_t growth) {
  if (budget_ == 0 || file.empty()) return true;
  if (std::filesystem::weakly_canonical(std::filesystem::path(file)).parent_path() != folder_)
    return true;
  if (used(folder_) + static_cast<std::uint64_t>(growth) <= budget_) return true;
  ++refused_;
  return false;
}

}  // namespace equitas::test
