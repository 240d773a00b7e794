// A fresh folder under $TMPDIR for one test, removed with everything in it
// when the test ends (kept when EQUITAS_KEEP_TEST_DIRS is set, for debugging).
#pragma once

#include <filesystem>
#include <string>

namespace equitas::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Every byte of every file in `dir` whose name starts with `prefix`.
std::string read_all_files(const std::filesystem::path& dir, const std::string& prefix = "");

// Every byte of one file ("" when it cannot be read).
std::string file_text(const std::filesystem::path& file);

}  // namespace equitas::test
