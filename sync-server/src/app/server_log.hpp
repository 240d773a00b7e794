// The server's log: one line per event on stderr (stdout for serve's own
// progress lines), as readable text by default or, with
// `serve --log-format json`, as one JSON object per line for log shippers
// (journald, Fluent Bit, Vector, Loki's promtail):
//
//   {"time":"2026-12-02T11:40:03.512Z","level":"warning","event":"batch.not_stored",
//    "message":"batch not stored: unavailable: disk full","device":"3f0c…"}
//
// `event` is a stable dotted name to alert on; `message` is the text line's
// words. Fields carry ids and addresses, never a secret, a token or an answer.
// Each line is written with one call under a lock, so lines from the I/O
// threads, the writer and the admin thread never interleave.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace equitas::server::log {

enum class Format { kText, kJson };
enum class Level { kInfo, kWarning, kError };

// Set once by serve, before any thread starts.
void set_format(Format f);
Format format();
// "text" or "json"; nullopt for anything else.
std::optional<Format> parse_format(std::string_view name);

struct Field {
  std::string_view key;
  std::string_view value;
};

// The line for one event, newline included: "sync-server: MESSAGE\n" as text.
std::string line(Level level, std::string_view event, std::string_view message,
                 std::initializer_list<Field> fields = {});
// Writes line(...) to `out` (stderr by default) in one piece.
void write(Level level, std::string_view event, std::string_view message,
           std::initializer_list<Field> fields = {});
void write_to(std::ostream& out, Level level, std::string_view event, std::string_view message,
              std::initializer_list<Field> fields = {});

}  // namespace equitas::server::log
