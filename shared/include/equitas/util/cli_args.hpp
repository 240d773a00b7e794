// A small command-line parser shared by both programs: "--flag value",
// "--flag=value", boolean switches and positional words. Unknown options are
// errors, so a typo never silently changes what a command does.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "equitas/status/status.hpp"

namespace equitas {

class CliArgs {
 public:
  // `value_flags` take a value; `switches` do not. Names include the dashes.
  static Result<CliArgs> parse(std::span<const std::string> words,
                               std::set<std::string> value_flags, std::set<std::string> switches);

  bool has(const std::string& name) const { return values_.count(name) || switches_.count(name); }
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, std::string fallback) const;
  // invalid_argument naming the missing flag.
  Result<std::string> require(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

// "14d", "36h", "90m", "3600s" or bare seconds.
Result<std::int64_t> parse_duration_seconds(std::string_view text);

}  // namespace equitas
