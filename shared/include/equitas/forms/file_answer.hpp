// The answer to a file question (image, audio, video, file): the files
// themselves travel apart from the envelope (wire/file_transfer.hpp); the
// answer names each one and carries what the server needs to check it.
//
// In the answers JSON a file question is answered by an array of 1 to
// `max_files` references, each an object:
//
//   {"id":     "<32 hex>"   16 random bytes the collector chose at capture:
//                           names this copy's transfer
//    "sha256": "<64 hex>"   SHA-256 of the file's bytes
//    "size":   N            the file's size in bytes
//    "type":   "image/jpeg" its media type
//    "name":   "room.jpg"   the name it had when captured (display only)
//    "key":    "<64 hex>"}  the secretstream key the collector encrypted it
//                           under (crypto_secretstream_xchacha20poly1305)
//
// The answers travel sealed to the server inside a signed envelope, so the
// device's signature covers each file's hash and size, and only the server
// learns the key. The server moves the key out of the answers when it
// stores them: a stored answer has no "key", and is valid without one.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/status/status.hpp"

namespace equitas::forms {

struct Item;
struct Form;

inline constexpr std::size_t kFileIdHex = 32;
inline constexpr std::size_t kFileKeyHex = 64;
inline constexpr std::size_t kFileHashHex = 64;
inline constexpr std::size_t kMaxFileNameBytes = 200;
inline constexpr std::size_t kMaxMediaTypeBytes = 100;
// When a question sets no max_bytes.
inline constexpr std::int64_t kDefaultMaxFileBytes = 10 * 1024 * 1024;
// No question may allow more than this per file.
inline constexpr std::int64_t kMaxFileBytes = 64 * 1024 * 1024;
inline constexpr int kMaxFilesPerQuestion = 20;

struct FileRef {
  std::string id;      // 32 lowercase hex
  std::string sha256;  // 64 lowercase hex
  std::int64_t size = 0;
  std::string type;
  std::string name;
  std::string key;  // 64 lowercase hex; empty once stored on the server
  bool operator==(const FileRef&) const = default;
};

// True for image, audio, video and file questions.
bool is_file_question(const Item& item);
// The file questions of `form`, in form order, wherever they sit in its
// groups and repeats. One inside a repeat is answered once per row: walk
// the answers with for_each_file_answer rather than looking a name up at
// the top of the answers object.
std::vector<const Item*> file_questions(const Form& form);

// Calls `visit` for every file answer present in `answers` (an answers
// object of `form`), in form order and, inside a repeat, row by row (nested
// repeats too). `path` is where the answer sits, in the page's and the
// engine's notation: "room_photo" at the top, "trees[1].tree_photo" in a
// repeat's second row. The value is whatever is there (null, a malformed
// answer): callers check it with parse_file_answer.
void for_each_file_answer(const Form& form, const boost::json::object& answers,
                          const std::function<void(const Item& item, const std::string& path,
                                                   const boost::json::value& answer)>& visit);
void for_each_file_answer(const Form& form, boost::json::object& answers,
                          const std::function<void(const Item& item, const std::string& path,
                                                   boost::json::value& answer)>& visit);
// Removes the "key" of every file reference in `answers`, in rows too:
// what the server stores, and what a team member's entries keep.
void strip_file_keys(const Form& form, boost::json::object& answers);

// The media types `item` accepts ("image/*", "application/pdf"); empty
// means any. An image question with no list accepts "image/*", and audio
// and video likewise.
std::vector<std::string> accepted_types(const Item& item);
// Whether `type` ("image/jpeg") matches one of `accepted` (exact, or
// "image/*" for any image; case-insensitive).
bool type_accepted(std::string_view type, const std::vector<std::string>& accepted);
std::int64_t max_file_bytes(const Item& item);

// Parses and checks an answer to `item`: shape, hex fields, size within the
// question's limit, an accepted type, at most max_files references, and no
// id twice. `key_required`: true where the answer is in transit (the
// collector's, and the server's before it stores it). Invalid argument,
// with a message that names the problem, otherwise.
Result<std::vector<FileRef>> parse_file_answer(const boost::json::value& answer, const Item& item,
                                               bool key_required);

boost::json::value file_answer_json(const std::vector<FileRef>& refs, bool with_key);

}  // namespace equitas::forms
