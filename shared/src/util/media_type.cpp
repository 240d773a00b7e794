#include "equitas/util/media_type.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace equitas {
namespace {

struct Known {
  std::string_view type;
  std::string_view extension;  // the one exports use
  std::string_view also;       // other extensions, space separated
};

// Formats a field team attaches: photos, voice notes, short videos, and
// the documents of an assessment's evidence.
constexpr Known kKnown[] = {
    {"image/jpeg", ".jpg", ".jpeg .jpe"},
    {"image/png", ".png", ""},
    {"image/gif", ".gif", ""},
    {"image/webp", ".webp", ""},
    {"image/heic", ".heic", ".heif"},
    {"audio/mpeg", ".mp3", ""},
    {"audio/ogg", ".ogg", ".oga .opus"},
    {"audio/wav", ".wav", ""},
    {"audio/mp4", ".m4a", ""},
    {"audio/webm", ".weba", ""},
    {"video/mp4", ".mp4", ".m4v"},
    {"video/webm", ".webm", ""},
    {"video/quicktime", ".mov", ""},
    {"video/3gpp", ".3gp", ""},
    {"application/pdf", ".pdf", ""},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", ""},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", ""},
    {"application/vnd.oasis.opendocument.text", ".odt", ""},
    {"application/vnd.oasis.opendocument.spreadsheet", ".ods", ""},
    {"application/msword", ".doc", ""},
    {"application/vnd.ms-excel", ".xls", ""},
    {"text/csv", ".csv", ""},
    {"text/plain", ".txt", ""},
    {"application/zip", ".zip", ""},
};

bool starts(ByteView b, std::size_t at, std::string_view magic) {
  return b.size() >= at + magic.size() &&
         std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string by_extension(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return "";
  const std::string ext = lower(name.substr(dot));
  for (const Known& k : kKnown) {
    if (ext == k.extension) return std::string(k.type);
    std::string_view also = k.also;
    while (!also.empty()) {
      const auto sp = also.find(' ');
      if (also.substr(0, sp) == ext) return std::string(k.type);
      also = sp == std::string_view::npos ? std::string_view() : also.substr(sp + 1);
    }
  }
  return "";
}

// The brand of an ISO base media file (MP4, MOV, 3GP, M4A, HEIC).
std::string iso_media(ByteView b, std::string_view name) {
  if (!starts(b, 4, "ftyp") || b.size() < 12) return "";
  const std::string brand(reinterpret_cast<const char*>(b.data() + 8), 4);
  if (brand == "heic" || brand == "heix" || brand == "mif1") return "image/heic";
  if (brand == "qt  ") return "video/quicktime";
  if (brand.rfind("3g", 0) == 0) return "video/3gpp";
  if (brand == "M4A ") return "audio/mp4";
  const std::string ext = by_extension(name);
  return ext == "audio/mp4" ? ext : "video/mp4";
}

}  // namespace

std::string sniff_media_type(ByteView b, std::string_view name) {
  if (starts(b, 0, "\xFF\xD8\xFF")) return "image/jpeg";
  if (starts(b, 0, "\x89PNG\r\n\x1A\n")) return "image/png";
  if (starts(b, 0, "GIF87a") || starts(b, 0, "GIF89a")) return "image/gif";
  if (starts(b, 0, "RIFF") && starts(b, 8, "WEBP")) return "image/webp";
  if (starts(b, 0, "RIFF") && starts(b, 8, "WAVE")) return "audio/wav";
  if (starts(b, 0, "%PDF-")) return "application/pdf";
  if (starts(b, 0, "OggS")) return "audio/ogg";
  if (starts(b, 0, "ID3") ||
      (b.size() >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0 && (b[1] & 0x06) != 0)) {
    return "audio/mpeg";
  }
  if (starts(b, 0, "\x1A\x45\xDF\xA3")) return "video/webm";
  if (std::string iso = iso_media(b, name); !iso.empty()) return iso;
  if (starts(b, 0, "PK\x03\x04")) {
    // Office documents are zip files: the name tells which.
    const std::string ext = by_extension(name);
    return !ext.empty() && ext.find("openxmlformats") != std::string::npos ? ext
           : ext.find("opendocument") != std::string::npos                 ? ext
                                                                           : "application/zip";
  }
  if (starts(b, 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) {
    const std::string ext = by_extension(name);
    return ext == "application/vnd.ms-excel" ? ext : "application/msword";
  }
  const std::string ext = by_extension(name);
  return ext.empty() ? "application/octet-stream" : ext;
}

std::string truncation_problem(ByteView b, std::string_view type) {
  if (type == "image/jpeg") {
    // The end-of-image marker, allowing for padding some cameras add.
    std::size_t end = b.size();
    while (end > 0 && b[end - 1] == 0x00) --end;
    if (end < 4 || b[end - 2] != 0xFF || b[end - 1] != 0xD9) {
      return "the JPEG image has no end marker: it was cut short (copy it again from the camera or "
             "phone)";
    }
  } else if (type == "image/png") {
    static constexpr std::string_view kIend{"IEND\xAE\x42\x60\x82", 8};
    if (b.size() < 8 + kIend.size() ||
        std::memcmp(b.data() + b.size() - kIend.size(), kIend.data(), kIend.size()) != 0) {
      return "the PNG image has no end chunk: it was cut short";
    }
  } else if (type == "application/pdf") {
    // "%%EOF" within the last kilobyte (PDF 1.7, section 7.5.5).
    const std::size_t from = b.size() > 1024 ? b.size() - 1024 : 0;
    const std::string_view tail(reinterpret_cast<const char*>(b.data() + from), b.size() - from);
    if (tail.find("%%EOF") == std::string_view::npos)
      return "the PDF has no end-of-file marker: it was cut short";
  }
  return "";
}

std::string_view extension_for(std::string_view type) {
  for (const Known& k : kKnown) {
    if (k.type == type) return k.extension;
  }
  return ".bin";
}

}  // namespace equitas
