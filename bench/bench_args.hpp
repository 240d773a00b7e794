// The benchmarks' command lines: "--name value" pairs from a fixed set, and
// --help or -h for the usage. Anything else is refused, so that a typo never
// starts a long run with the defaults.
#pragma once

#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace equitas::bench {

// Fills `values` (option name -> its text) from argv. Returns -1 when the
// benchmark should run; otherwise the exit code: 0 after printing `usage` on
// --help or -h, 2 after a usage error (printed to stderr with the usage).
inline int parse_bench_args(int argc, char** argv, std::string_view usage,
                            const std::set<std::string>& options,
                            std::map<std::string, std::string>& values) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--help" || word == "-h") {
      std::cout << usage;
      return 0;
    }
  }
  const std::string program = std::filesystem::path(argv[0]).filename().string();
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (options.count(name) == 0) {
      std::cerr << program << ": unknown option '" << name << "'\n\n" << usage;
      return 2;
    }
    if (i + 1 == argc) {
      std::cerr << program << ": " << name << " needs a value\n\n" << usage;
      return 2;
    }
    values[name] = argv[i + 1];
  }
  return -1;
}

}  // namespace equitas::bench
