// A small command-line parser shared by both programs: "--flag value",
// "--flag=value", boolean switches and positional words. Unknown options are
// errors, so a typo never silently changes what a command does.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/status/status.hpp"
#include "equitas/util/spelling.hpp"

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

// The items of a comma-separated value ("--by sex,grade", "?by=sex,grade"),
// in order: "a,,b" gives "a", "", "b"; a trailing comma adds nothing.
// Callers decide what an empty item means.
std::vector<std::string> comma_list(std::string_view text);

// One command of a program: one or two words ("init", "device enroll"),
// its help text, and the flags it takes.
template <typename Run>
struct CliCommand {
  const char* name;
  const char* help;
  std::set<std::string> value_flags;
  std::set<std::string> switches;
  Run run;
};

// The command line of a whole program: usage when no command is given (exit
// 2) or on --help (exit 0), the version on --version, a command's help on
// its --help, the help of every command of a group ("device") on
// `GROUP --help` (exit 0) or on the group word alone (a usage error, exit 2),
// exit 2 on a usage error; otherwise `invoke(command, args)` runs the
// command and its result is the exit code.
template <typename Run, std::size_t N, typename Invoke>
int dispatch_cli(std::string_view program, std::string_view usage, std::string_view version,
                 const CliCommand<Run> (&commands)[N], const std::vector<std::string>& args,
                 std::ostream& out, std::ostream& err, Invoke invoke) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? err : out) << usage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    out << version << "\n";
    return 0;
  }
  bool group_word = false;  // args[0] starts some two-word command
  for (const auto& c : commands) {
    const std::string name = c.name;
    const auto space = name.find(' ');
    group_word = group_word || (space != std::string::npos && name.substr(0, space) == args[0]);
    const std::size_t words = space != std::string::npos ? 2 : 1;
    if (args.size() < words || (words == 1 ? args[0] : args[0] + " " + args[1]) != name) continue;
    const std::vector<std::string> rest(args.begin() + static_cast<long>(words), args.end());
    for (const auto& w : rest) {
      if (w == "--help" || w == "-h") {
        out << c.help;
        return 0;
      }
    }
    auto parsed = CliArgs::parse(rest, c.value_flags, c.switches);
    if (!parsed.is_ok()) {
      err << program << " " << name << ": " << parsed.status().message() << "\n" << c.help;
      return 2;
    }
    return invoke(c, *parsed);
  }
  if (group_word &&
      (args.size() == 1 || args[1] == "--help" || args[1] == "-h" || args[1] == "help")) {
    std::string group_help;
    for (const auto& c : commands) {
      const std::string_view name = c.name;
      if (name.size() > args[0].size() && name.starts_with(args[0]) &&
          name[args[0].size()] == ' ') {
        group_help += group_help.empty() ? "" : "\n";
        group_help += c.help;
      }
    }
    if (args.size() == 1) {
      err << program << " " << args[0] << ": give one of its commands:\n\n" << group_help;
      return 2;
    }
    out << group_help;
    return 0;
  }
  const std::string typed = args[0] + (group_word && args.size() > 1 ? " " + args[1] : "");
  std::vector<std::string> names;  // commands and group words, for "did you mean"
  for (const auto& c : commands) {
    const std::string name = c.name;
    names.push_back(name.substr(0, name.find(' ')));
    names.push_back(name);
  }
  std::string hint;
  for (const auto& n : closest_names(typed, names))
    hint += (hint.empty() ? " (did you mean '" : "' or '") + n;
  err << program << ": unknown command '" << typed << "'" << (hint.empty() ? "" : hint + "'?)")
      << "\n\n"
      << usage;
  return 2;
}

// The names of `commands` ("init", "device enroll"), in order: for tests
// that walk every command of a program.
template <typename Run, std::size_t N>
std::vector<std::string> cli_command_names(const CliCommand<Run> (&commands)[N]) {
  std::vector<std::string> names;
  for (const auto& c : commands) names.emplace_back(c.name);
  return names;
}

// "14d", "36h", "90m", "3600s" or bare seconds.
Result<std::int64_t> parse_duration_seconds(std::string_view text);

}  // namespace equitas
