// Files for the tests of file questions (issue 18): shaped like what a
// camera or an office suite writes, so that the collector's type sniffing
// and truncation checks take them, and read back out of export zips.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace equitas::test {

// A form that takes files (not anonymous: an anonymous form refuses file
// questions at publish): a yes/no, a photo question (up to 3, 4 MiB each)
// and a PDF.
inline constexpr const char* kEvidenceForm =
    R"({"id": "post-evidence", "version": "1", "title": {"en": "Post evidence"},
  "languages": ["en"], "lists": {"yn": [{"name": "yes", "label": {"en": "Yes"}}, {"name": "no", "label": {"en": "No"}}]},
  "items": [
    {"type": "select_one", "name": "room_open", "list": "yn", "required": true, "label": {"en": "Is the room open?"}},
    {"type": "image", "name": "room_photo", "label": {"en": "Photo of the room"},
     "file": {"max_files": 3, "max_bytes": 4194304}},
    {"type": "file", "name": "policy", "label": {"en": "The policy"}, "file": {"accept": ["application/pdf"]}}
  ]})";

// A JPEG-shaped file of `size` bytes (>= 128): a camera's start and end
// markers with random bytes between, as incompressible as a photo, and
// `marker` (a canary) at offset 64 when given.
std::string fake_jpeg(std::size_t size, const std::string& marker = "");
// A minimal PDF: the header and the end-of-file marker around `body`.
std::string fake_pdf(const std::string& body);
std::string sha256_hex(const std::string& bytes);

// Every entry of a zip, by name: from a file, or from bytes in memory.
std::map<std::string, std::string> read_zip(const std::filesystem::path& path);
std::map<std::string, std::string> read_zip_bytes(const std::string& bytes);

// Whether `needle` occurs in any regular file under `root`.
bool found_under(const std::filesystem::path& root, const std::string& needle);

}  // namespace equitas::test
