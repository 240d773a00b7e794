// Fuzz target: the XLSForm reader (import_xlsform), which takes a workbook an
// operator publishes, made by whoever wrote the form.
//
// An .xlsx is a zip whose entries carry CRCs, so mutating a whole workbook
// mostly exercises the zip layer. The input therefore comes in two shapes:
// - starting with "PK": a whole workbook, as a file would be;
// - otherwise: the package's parts, separated by a line "--part--", in the
//   order xl/workbook.xml, xl/_rels/workbook.xml.rels, then worksheets
//   sheet1.xml, sheet2.xml, sheet3.xml and xl/sharedStrings.xml. The target
//   zips them (with a fixed [Content_Types].xml) so that mutations reach
//   the XML readers and the sheet-to-form conversion.
//
// import_xlsform is not documented to throw: nothing is caught here.
#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/forms/form_json.hpp"
#include "equitas/forms/xlsform.hpp"

namespace {

constexpr std::string_view kSeparator = "\n--part--\n";
constexpr const char* kParts[] = {"xl/workbook.xml",          "xl/_rels/workbook.xml.rels",
                                  "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
                                  "xl/worksheets/sheet3.xml", "xl/sharedStrings.xml"};
constexpr std::string_view kContentTypes =
    R"(<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
    R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
    R"(<Default Extension="xml" ContentType="application/xml"/></Types>)";

// The parts zipped (stored, no compression); empty on a libzip failure.
equitas::Bytes zip_parts(const std::vector<std::pair<std::string, std::string_view>>& parts) {
  zip_error_t err;
  zip_error_init(&err);
  equitas::Bytes out;
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  if (src == nullptr) return out;
  zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
  if (za == nullptr) {
    zip_source_free(src);
    return out;
  }
  zip_source_keep(src);
  for (const auto& [name, data] : parts) {
    zip_source_t* fs = zip_source_buffer(za, data.data(), data.size(), 0);
    if (fs == nullptr) continue;
    const zip_int64_t idx = zip_file_add(za, name.c_str(), fs, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(fs);
      continue;
    }
    zip_set_file_compression(za, static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);
  }
  if (zip_close(za) == 0 && zip_source_open(src) == 0) {
    zip_source_seek(src, 0, SEEK_END);
    const zip_int64_t size = zip_source_tell(src);
    zip_source_seek(src, 0, SEEK_SET);
    if (size > 0) {
      out.resize(static_cast<std::size_t>(size));
      if (zip_source_read(src, out.data(), out.size()) != size) out.clear();
    }
    zip_source_close(src);
  } else {
    zip_discard(za);
  }
  zip_source_free(src);
  zip_error_fini(&err);
  return out;
}

void check(equitas::ByteView workbook) {
  auto imported = equitas::forms::import_xlsform(workbook);
  if (!imported.is_ok() || !imported->form) return;
  // A form the importer accepts must survive the JSON round trip.
  if (!equitas::forms::load_form_json(equitas::forms::save_form_json(*imported->form)).is_ok())
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (in.substr(0, 2) == "PK") {
    check(equitas::ByteView(data, size));
    return 0;
  }
  std::vector<std::pair<std::string, std::string_view>> parts{
      {"[Content_Types].xml", kContentTypes}};
  std::size_t start = 0;
  for (const char* name : kParts) {
    if (start > in.size()) break;
    const std::size_t end = in.find(kSeparator, start);
    parts.emplace_back(name, in.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                                            : end - start));
    if (end == std::string_view::npos) break;
    start = end + kSeparator.size();
  }
  const equitas::Bytes workbook = zip_parts(parts);
  if (!workbook.empty()) check(workbook);
  return 0;
}
