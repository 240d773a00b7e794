#include "server_log.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <mutex>

#include "equitas/util/bytes.hpp"

namespace equitas::server::log {

namespace {

std::atomic<Format> g_format{Format::kText};
std::mutex g_write_mu;

std::string_view level_name(Level l) {
  switch (l) {
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

// RFC 3339 in UTC with milliseconds, as log shippers parse without a hint.
// The machine's clock, not a Clock (util/clock.hpp): a log line says when
// the process wrote it, for whoever reads the log beside other programs'
// logs, and nothing is decided by it; the log is the process's, not an
// application object's.
std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(buf, n) + frac;
}

// A JSON line must be valid UTF-8: a message quoting bytes a peer sent
// keeps its ASCII, and every other byte of it becomes '?'.
std::string clean(std::string_view s) {
  if (valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (const char c : s) out.push_back(static_cast<unsigned char>(c) < 0x80 ? c : '?');
  return out;
}

}  // namespace

void set_format(Format f) { g_format.store(f); }
Format format() { return g_format.load(); }

std::optional<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

std::string line(Level level, std::string_view event, std::string_view message,
                 std::initializer_list<Field> fields) {
  if (format() == Format::kText) {
    std::string out = "sync-server: ";
    out.append(message).append("\n");
    return out;
  }
  boost::json::object o;
  o["time"] = now_utc();
  o["level"] = level_name(level);
  o["event"] = event;
  o["message"] = clean(message);
  for (const Field& f : fields) {
    // The fixed keys stay what they are: a field may not overwrite them.
    if (f.key == "time" || f.key == "level" || f.key == "event" || f.key == "message") continue;
    o[f.key] = clean(f.value);
  }
  std::string out = boost::json::serialize(o);
  out.push_back('\n');
  return out;
}

void write_to(std::ostream& out, Level level, std::string_view event, std::string_view message,
              std::initializer_list<Field> fields) {
  const std::string text = line(level, event, message, fields);
  std::lock_guard lock(g_write_mu);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
}

void write(Level level, std::string_view event, std::string_view message,
           std::initializer_list<Field> fields) {
  write_to(std::cerr, level, event, message, fields);
}

}  // namespace equitas::server::log
