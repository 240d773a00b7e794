// Replays a fuzz target's corpus without libFuzzer, so the normal g++ build
// and ctest run every saved input (seeds and past crashes) on each change.
//
// Usage: <target>_replay DIR_OR_FILE...   Each regular file is fed once to
// LLVMFuzzerTestOneInput. Exits 1 when an argument cannot be read or a
// directory holds no input (an empty corpus would make the test vacuous).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool replay_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << path.string() << "\n";
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  // Copy into an exactly-sized buffer, as libFuzzer does, so an overread is
  // visible to the sanitizers when this runs under them.
  std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR_OR_FILE...\n";
    return 2;
  }
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      // Sorted, so a failure names the same input on every run.
      std::vector<fs::path> files;
      for (const auto& entry : fs::recursive_directory_iterator(arg, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      if (ec) {
        std::cerr << "cannot list " << arg.string() << ": " << ec.message() << "\n";
        return 1;
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        std::cerr << arg.string() << " holds no input\n";
        return 1;
      }
      for (const auto& f : files) {
        if (!replay_file(f)) return 1;
        ++replayed;
      }
    } else {
      if (!replay_file(arg)) return 1;
      ++replayed;
    }
  }
  std::cout << "replayed " << replayed << " inputs without a crash\n";
  return 0;
}
