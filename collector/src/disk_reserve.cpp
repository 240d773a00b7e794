#include "disk_reserve.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace equitas::collector {

bool DiskReserve::present() const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_, ec);
  return !ec && size >= bytes_;
}

Status DiskReserve::ensure() {
  if (present()) return Status::ok();
  // Built under another name and renamed, so a half-made file never passes
  // for a reserve (another process may look at the same folder).
  auto tmp = path_;
  tmp += ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::io_error("cannot create " + tmp.string() + ": " + std::strerror(errno));
  // posix_fallocate allocates real blocks (it writes zeros where the file
  // system cannot allocate): a sparse file would reserve nothing.
  const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes_));
  ::close(fd);
  std::error_code ec;
  if (rc != 0) {
    std::filesystem::remove(tmp, ec);
    if (rc == ENOSPC)
      return Status::resource_exhausted("no room on the disk for the space reserve yet");
    return Status::io_error("cannot size " + tmp.string() + ": " + std::strerror(rc));
  }
  std::filesystem::rename(tmp, path_, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Status::io_error("cannot rename " + tmp.string() + ": " + ec.message());
  }
  return Status::ok();
}

bool DiskReserve::release() {
  std::error_code ec;
  return std::filesystem::remove(path_, ec);
}

}  // namespace equitas::collector
