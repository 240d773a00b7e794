#include "equitas/util/cli_args.hpp"

#include <charconv>

namespace equitas {

Result<CliArgs> CliArgs::parse(std::span<const std::string> words,
                               std::set<std::string> value_flags, std::set<std::string> switches) {
  CliArgs out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.size() < 2 || w.rfind("--", 0) != 0 || w == "-") {
      out.positional_.push_back(w);
      continue;
    }
    std::string name = w;
    std::optional<std::string> inline_value;
    if (auto eq = w.find('='); eq != std::string::npos) {
      name = w.substr(0, eq);
      inline_value = w.substr(eq + 1);
    }
    if (switches.count(name)) {
      if (inline_value) return Status::invalid_argument(name + " takes no value");
      out.switches_.insert(name);
    } else if (value_flags.count(name)) {
      if (inline_value) {
        out.values_[name] = *inline_value;
      } else if (i + 1 < words.size()) {
        out.values_[name] = words[++i];
      } else {
        return Status::invalid_argument(name + " needs a value");
      }
    } else {
      return Status::invalid_argument("unknown option " + name + " (see --help)");
    }
  }
  return out;
}

std::optional<std::string> CliArgs::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string CliArgs::get_or(const std::string& name, std::string fallback) const {
  auto v = get(name);
  return v ? *v : std::move(fallback);
}

Result<std::string> CliArgs::require(const std::string& name) const {
  auto v = get(name);
  if (!v || v->empty()) return Status::invalid_argument(name + " is required (see --help)");
  return *v;
}

Result<std::int64_t> parse_duration_seconds(std::string_view text) {
  if (text.empty()) return Status::invalid_argument("empty duration");
  std::int64_t unit = 1;
  std::string_view digits = text;
  switch (text.back()) {
    case 'd':
      unit = 86400;
      digits.remove_suffix(1);
      break;
    case 'h':
      unit = 3600;
      digits.remove_suffix(1);
      break;
    case 'm':
      unit = 60;
      digits.remove_suffix(1);
      break;
    case 's':
      digits.remove_suffix(1);
      break;
    default:
      break;
  }
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || n <= 0 ||
      n > 3650L * 86400 / unit) {
    return Status::invalid_argument("'" + std::string(text) +
                                    "' is not a duration (examples: 14d, 36h, 90m)");
  }
  return n * unit;
}

std::vector<std::string> comma_list(std::string_view text) {
  std::vector<std::string> items;
  for (std::string_view rest = text; !rest.empty();) {
    const auto comma = rest.find(',');
    items.emplace_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return items;
}

}  // namespace equitas
