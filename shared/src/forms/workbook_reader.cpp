// The workbook reader (see workbook_reader.hpp): the archive and its parts,
// the workbook's index of sheets, the shared strings, then each sheet's
// rows and cells, every one counted against the limits before it is kept.
#include "equitas/forms/workbook_reader.hpp"

#include <zip.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <pugixml.hpp>
#include <string_view>
#include <system_error>
#include <utility>

#include "cell_text.hpp"

namespace equitas::forms {
namespace {

// SpreadsheetML's own bounds.
constexpr std::size_t kMaxCellChars = 32767;  // Excel's limit for one cell
constexpr int kMaxColumn = 16384;             // XFD, Excel's last column
constexpr int kMaxRowNumber = 1048576;        // Excel's last row

// "; " and the caller's note, or "" without one.
std::string with_note(const std::string& note) { return note.empty() ? "" : "; " + note; }

// ---------------------------------------------------------------------------
// Cell text and SpreadsheetML's XML.

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// SpreadsheetML escapes characters XML cannot carry as _xHHHH_ (e.g. _x000D_).
std::string decode_ooxml_escapes(std::string_view s) {
  if (s.find("_x") == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '_' && i + 6 < s.size() && s[i + 1] == 'x' && s[i + 6] == '_') {
      std::uint32_t cp = 0;
      const auto [p, ec] = std::from_chars(s.data() + i + 2, s.data() + i + 6, cp, 16);
      if (ec == std::errc() && p == s.data() + i + 6) {
        append_utf8(out, cp);
        i += 7;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  const auto colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// Children and descendants by local name, so "x:row" (some generators write
// prefixed SpreadsheetML) reads like "row".
template <typename F>
void for_children(const pugi::xml_node& parent, std::string_view name, F&& f) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c) == name) f(c);
  }
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view name) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c) == name) return c;
  }
  return {};
}

std::string attr(const pugi::xml_node& n, std::string_view name) {
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
    std::string_view an = a.name();
    if (an == name) return a.value();
  }
  return "";
}

// An attribute by local name with any namespace prefix (r:id, ns2:id, ...).
std::string prefixed_attr(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
    std::string_view an = a.name();
    const auto colon = an.rfind(':');
    if (colon != std::string_view::npos && an.substr(colon + 1) == local) return a.value();
  }
  return "";
}

// The text of a <si> or <is>: a plain <t>, or the <t> of each rich-text run
// <r>; phonetic runs (<rPh>) are not part of the value.
std::string rich_text(const pugi::xml_node& n) {
  std::string out;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (local_name(c) == "t") {
      out += c.text().get();
    } else if (local_name(c) == "r") {
      if (pugi::xml_node t = child(c, "t")) out += t.text().get();
    }
  }
  return decode_ooxml_escapes(out);
}

// "AB12" -> column 28, row 12. Returns false for anything else.
bool parse_cell_ref(std::string_view ref, int& col, int& row) {
  std::size_t i = 0;
  long c = 0;
  while (i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i]))) {
    c = c * 26 + (std::toupper(static_cast<unsigned char>(ref[i])) - 'A' + 1);
    if (c > kMaxColumn) return false;
    ++i;
  }
  if (i == 0 || i == ref.size()) return false;
  long r = 0;
  for (; i < ref.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(ref[i]))) return false;
    r = r * 10 + (ref[i] - '0');
    if (r > kMaxRowNumber) return false;
  }
  if (r < 1) return false;
  col = static_cast<int>(c);
  row = static_cast<int>(r);
  return true;
}

// A number cell as a person reads it: 1 rather than 1.0; other values as stored.
std::string number_text(const std::string& raw) {
  const std::string t = trim(raw);
  double d = 0;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(d)) return t;
  if (d == std::floor(d) && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<long long>(d));
  }
  return t;
}

// ---------------------------------------------------------------------------
// The archive.

struct ZipCloser {
  void operator()(zip_t* z) const {
    if (z != nullptr) zip_discard(z);
  }
};

// The zip archive, read in place; each part is bounded while it is
// inflated, and all of them together.
class Archive {
 public:
  static Result<Archive> open(ByteView bytes, WorkbookLimits limits) {
    Archive wb;
    wb.limits_ = std::move(limits);
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
    if (src == nullptr) {
      std::string m = zip_error_strerror(&err);
      zip_error_fini(&err);
      return Status::invalid_argument("cannot read the workbook: " + m);
    }
    zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &err);
    if (za == nullptr) {
      std::string m = zip_error_strerror(&err);
      zip_error_fini(&err);
      zip_source_free(src);
      return Status::invalid_argument("not an .xlsx workbook (not a readable zip archive: " + m +
                                      ")");
    }
    zip_error_fini(&err);
    wb.zip_.reset(za);
    // Every part's declared size is bounded, read or not; the parts we read
    // are also bounded while they are inflated (a declared size can lie).
    const zip_int64_t entries = zip_get_num_entries(za, 0);
    if (entries > wb.limits_.archive_entries) {
      return Status::invalid_argument(
          "refused: the workbook has " + std::to_string(entries) + " parts, more than " +
          std::to_string(wb.limits_.archive_entries) + with_note(wb.limits_.parts_note));
    }
    for (zip_int64_t i = 0; i < entries; ++i) {
      zip_stat_t st;
      zip_stat_init(&st);
      if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) != 0) continue;
      if ((st.valid & ZIP_STAT_SIZE) && st.size > wb.limits_.part_bytes) {
        return wb.too_big(
            (st.valid & ZIP_STAT_NAME) && st.name != nullptr ? st.name : "#" + std::to_string(i));
      }
    }
    return wb;
  }

  // The part's bytes; nullopt when the archive has no such part.
  Result<std::optional<std::string>> read(const std::string& name) {
    const zip_int64_t idx = zip_name_locate(zip_.get(), name.c_str(), ZIP_FL_NOCASE);
    if (idx < 0) return std::optional<std::string>();
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_.get(), static_cast<zip_uint64_t>(idx), 0, &st) != 0) {
      return Status::corruption("the workbook part '" + name + "' cannot be read");
    }
    if ((st.valid & ZIP_STAT_SIZE) && st.size > limits_.part_bytes) {
      return too_big(name);
    }
    zip_file_t* f = zip_fopen_index(zip_.get(), static_cast<zip_uint64_t>(idx), 0);
    if (f == nullptr) {
      return Status::corruption("the workbook part '" + name +
                                "' cannot be opened: " + zip_strerror(zip_.get()));
    }
    std::string out;
    char buf[65536];
    Status status;
    for (;;) {
      const zip_int64_t n = zip_fread(f, buf, sizeof buf);
      if (n < 0) {
        status = Status::corruption("the workbook part '" + name +
                                    "' is damaged: " + zip_file_strerror(f));
        break;
      }
      if (n == 0) break;
      if (out.size() + static_cast<std::uint64_t>(n) > limits_.part_bytes) {
        status = too_big(name);
        break;
      }
      inflated_ += static_cast<std::uint64_t>(n);
      if (inflated_ > limits_.inflated_bytes) {
        status = Status::invalid_argument(
            "refused: reading the workbook's parts decompresses more than " +
            std::to_string(limits_.inflated_bytes >> 20) + " MB in all (at part '" + name + "')" +
            with_note(limits_.size_note));
        break;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
    zip_fclose(f);
    if (!status.is_ok()) return status;
    return std::optional<std::string>(std::move(out));
  }

  const WorkbookLimits& limits() const { return limits_; }

 private:
  Status too_big(const std::string& name) const {
    return Status::invalid_argument(
        "refused: the workbook part '" + name + "' decompresses to more than " +
        std::to_string(limits_.part_bytes >> 20) + " MB" + with_note(limits_.size_note));
  }
  WorkbookLimits limits_;
  std::unique_ptr<zip_t, ZipCloser> zip_;
  std::uint64_t inflated_ = 0;  // bytes decompressed by every read so far
};

Status parse_xml(const std::string& text, const std::string& part, pugi::xml_document& doc) {
  const pugi::xml_parse_result r = doc.load_buffer(text.data(), text.size(), pugi::parse_default);
  if (!r) {
    return Status::corruption("the workbook part '" + part + "' is not valid XML: " +
                              r.description() + " at byte " + std::to_string(r.offset));
  }
  return Status::ok();
}

// "worksheets/sheet1.xml" relative to "xl/" -> "xl/worksheets/sheet1.xml";
// "/xl/x.xml" is absolute; "." and ".." segments are resolved.
std::string resolve_target(const std::string& base_dir, const std::string& target) {
  std::string joined = !target.empty() && target[0] == '/' ? target.substr(1) : base_dir + target;
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= joined.size()) {
    std::size_t j = joined.find('/', i);
    if (j == std::string::npos) j = joined.size();
    const std::string seg = joined.substr(i, j - i);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

struct SheetRef {
  std::string name;
  std::string part;
};

// What workbook.xml and its relationships say: the sheets and their parts.
struct WorkbookIndex {
  std::vector<SheetRef> sheets;
  std::string shared_strings_part;  // may be absent from the archive
};

Result<WorkbookIndex> read_index(Archive& wb) {
  // The package relationships name the workbook part; xl/workbook.xml by convention.
  std::string workbook_part = "xl/workbook.xml";
  EQ_ASSIGN_OR_RETURN(auto root_rels, wb.read("_rels/.rels"));
  if (root_rels) {
    pugi::xml_document doc;
    if (parse_xml(*root_rels, "_rels/.rels", doc).is_ok()) {
      for_children(child(doc, "Relationships"), "Relationship", [&](const pugi::xml_node& r) {
        if (attr(r, "Type").ends_with("/officeDocument") && !attr(r, "Target").empty()) {
          workbook_part = resolve_target("", attr(r, "Target"));
        }
      });
    }
  }
  EQ_ASSIGN_OR_RETURN(auto workbook_xml, wb.read(workbook_part));
  if (!workbook_xml && workbook_part != "xl/workbook.xml") {
    workbook_part = "xl/workbook.xml";
    EQ_ASSIGN_OR_RETURN(workbook_xml, wb.read(workbook_part));
  }
  if (!workbook_xml) {
    return Status::invalid_argument("not an .xlsx workbook: the archive has no '" + workbook_part +
                                    "'");
  }
  pugi::xml_document wdoc;
  EQ_RETURN_IF_ERROR(parse_xml(*workbook_xml, workbook_part, wdoc));

  const std::string base = dir_of(workbook_part);
  const std::string rels_part = base + "_rels/" + workbook_part.substr(base.size()) + ".rels";
  std::map<std::string, std::string> targets;  // relationship id -> part
  WorkbookIndex index;
  index.shared_strings_part = base + "sharedStrings.xml";
  EQ_ASSIGN_OR_RETURN(auto rels_xml, wb.read(rels_part));
  if (rels_xml) {
    pugi::xml_document rdoc;
    EQ_RETURN_IF_ERROR(parse_xml(*rels_xml, rels_part, rdoc));
    for_children(child(rdoc, "Relationships"), "Relationship", [&](const pugi::xml_node& r) {
      if (ascii_lower(attr(r, "TargetMode")) == "external") return;
      const std::string target = resolve_target(base, attr(r, "Target"));
      targets[attr(r, "Id")] = target;
      if (attr(r, "Type").ends_with("/sharedStrings")) index.shared_strings_part = target;
    });
  }
  const pugi::xml_node sheets = child(child(wdoc, "workbook"), "sheets");
  int position = 0;
  bool too_many = false;
  for_children(sheets, "sheet", [&](const pugi::xml_node& s) {
    if (static_cast<std::size_t>(++position) > wb.limits().sheets) {
      too_many = true;
      return;
    }
    SheetRef ref;
    ref.name = attr(s, "name");
    const std::string rid = prefixed_attr(s, "id");
    if (auto it = targets.find(rid); it != targets.end()) {
      ref.part = it->second;
    } else {
      // No relationships: fall back to the conventional part name.
      ref.part = base + "worksheets/sheet" + std::to_string(position) + ".xml";
    }
    index.sheets.push_back(std::move(ref));
  });
  if (too_many) {
    return Status::invalid_argument("refused: the workbook lists more than " +
                                    std::to_string(wb.limits().sheets) + " sheets" +
                                    with_note(wb.limits().sheets_note));
  }
  if (index.sheets.empty())
    return Status::invalid_argument("not an .xlsx workbook: it lists no sheets");
  return index;
}

Result<std::vector<std::string>> read_shared_strings(Archive& wb, const std::string& part) {
  std::vector<std::string> out;
  EQ_ASSIGN_OR_RETURN(auto xml, wb.read(part));
  if (!xml) return out;  // SheetJS and gnumeric may write none
  pugi::xml_document doc;
  EQ_RETURN_IF_ERROR(parse_xml(*xml, part, doc));
  for_children(child(doc, "sst"), "si",
               [&](const pugi::xml_node& si) { out.push_back(rich_text(si)); });
  return out;
}

// <row r="N">'s number, or the one after `prev` when it has none that is usable.
int row_number(const pugi::xml_node& r, int prev) {
  const std::string rnum = attr(r, "r");
  int n = 0;
  const auto [p, ec] = std::from_chars(rnum.data(), rnum.data() + rnum.size(), n);
  if (!rnum.empty() && ec == std::errc() && p == rnum.data() + rnum.size() && n >= 1 &&
      n <= kMaxRowNumber) {
    return n;
  }
  return prev + 1;
}

// What the sheets read so far may still take, over the whole workbook.
struct ReadBudget {
  std::size_t rows = 0;
  std::size_t cells = 0;
  std::size_t text = 0;
};

}  // namespace

// ---------------------------------------------------------------------------
// The sheets.

struct WorkbookReader::Impl {
  Archive archive;
  WorkbookIndex index;
  std::vector<std::string> names;                   // index.sheets' names
  std::optional<std::vector<std::string>> strings;  // the shared strings, once read
  ReadBudget budget;

  const WorkbookLimits& limits() const { return archive.limits(); }

  Result<Sheet> read_sheet(const SheetRef& ref) {
    Sheet sheet;
    sheet.name = ref.name;
    EQ_ASSIGN_OR_RETURN(auto xml, archive.read(ref.part));
    if (!xml) {
      return Status::corruption("the workbook lists sheet '" + ref.name + "' but has no part '" +
                                ref.part + "'");
    }
    pugi::xml_document doc;
    EQ_RETURN_IF_ERROR(parse_xml(*xml, ref.part, doc));
    std::string().swap(*xml);  // the document holds its own copy
    const pugi::xml_node data = child(child(doc, "worksheet"), "sheetData");
    int prev_row = 0;
    for (pugi::xml_node r = data.first_child(); r; r = r.next_sibling()) {
      if (r.type() != pugi::node_element || local_name(r) != "row") continue;
      if (budget.rows == 0) {
        return Status::invalid_argument("refused: the workbook has more than " +
                                        std::to_string(limits().rows) + " rows" +
                                        with_note(limits().size_note));
      }
      --budget.rows;
      SheetRow row;
      row.num = row_number(r, prev_row);
      prev_row = row.num;
      EQ_RETURN_IF_ERROR(read_row(r, ref.name, row));
      if (!row.cells.empty()) sheet.rows.push_back(std::move(row));
    }
    return sheet;
  }

  // The cells of <row> `r`. A cell past a bound ends the reading at once;
  // one whose text is not UTF-8 is named once the row has been read.
  Status read_row(const pugi::xml_node& r, const std::string& sheet, SheetRow& row) {
    int prev_col = 0;
    Status status;
    std::string bad_cell;  // the first cell whose text is not UTF-8
    for_children(r, "c", [&](const pugi::xml_node& c) {
      if (!status.is_ok()) return;
      int col = prev_col + 1;
      int cell_row = 0;
      const std::string cref = attr(c, "r");
      // The row number in the cell reference agrees with <row r>; we trust <row>.
      if (cref.empty() || !parse_cell_ref(cref, col, cell_row)) col = prev_col + 1;
      prev_col = col;
      if (col < 1 || col > kMaxColumn) return;
      const std::string where = cref.empty() ? "in row " + std::to_string(row.num) : cref;
      Result<std::string> text = cell_text(c, sheet, where);
      if (!text.is_ok()) {
        status = text.status();
        return;
      }
      if (!valid_utf8(*text)) {
        // JSON, and every program downstream, needs well-formed text.
        if (bad_cell.empty()) bad_cell = where;
        return;
      }
      if (!text->empty()) row.cells[col] = std::move(text).value();
    });
    EQ_RETURN_IF_ERROR(status);
    if (!bad_cell.empty()) {
      return Status::invalid_argument(
          "sheet '" + sheet + "', cell " + bad_cell +
          ": the text is not valid UTF-8 (or escapes half of a character)");
    }
    return Status::ok();
  }

  // The text of cell `c` (named `where` in a refusal), counted against the budget.
  Result<std::string> cell_text(const pugi::xml_node& c, const std::string& sheet,
                                const std::string& where) {
    const std::string t = attr(c, "t");
    const pugi::xml_node v = child(c, "v");
    if (t == "s") return shared_string(v, sheet, where);
    std::string text;
    if (t == "inlineStr") {
      if (pugi::xml_node is = child(c, "is"))
        text = rich_text(is);
      else
        text = decode_ooxml_escapes(v.text().get());
    } else if (t == "str" || t == "e" || t == "d") {
      text = decode_ooxml_escapes(v.text().get());
    } else if (t == "b") {
      const std::string raw = trim(v.text().get());
      if (!raw.empty()) text = (raw == "0" || ascii_lower(raw) == "false") ? "FALSE" : "TRUE";
    } else {
      if (v) text = number_text(v.text().get());
    }
    EQ_RETURN_IF_ERROR(charge_cell(text, sheet, where));
    return text;
  }

  // The shared string a cell's <v> indexes; "" (and nothing counted) for a bad index.
  Result<std::string> shared_string(const pugi::xml_node& v, const std::string& sheet,
                                    const std::string& where) {
    const std::string raw = trim(v.text().get());
    std::size_t idx = 0;
    const auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), idx);
    if (ec != std::errc() || p != raw.data() + raw.size() || idx >= strings->size()) {
      return std::string();
    }
    // Counted before the copy: one long shared string in many cells.
    EQ_RETURN_IF_ERROR(charge_cell((*strings)[idx], sheet, where));
    return (*strings)[idx];
  }

  // Counts one cell of `text` against the budget; a Status when it does not fit.
  Status charge_cell(std::string_view text, const std::string& sheet, const std::string& cell) {
    if (budget.cells == 0) {
      return Status::invalid_argument("refused: the workbook has more than " +
                                      std::to_string(limits().cells) + " cells" +
                                      with_note(limits().size_note));
    }
    --budget.cells;
    const std::size_t text_bytes = text.size();
    // Characters, not bytes: a UTF-8 character is 1 to 4 bytes.
    const auto chars = [&] {
      std::size_t n = 0;
      for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      return n;
    };
    if (text_bytes > kMaxCellChars * 4 || (text_bytes > kMaxCellChars && chars() > kMaxCellChars)) {
      return Status::invalid_argument("refused: sheet '" + sheet + "', cell " + cell +
                                      " holds more than " + std::to_string(kMaxCellChars) +
                                      " characters, Excel's limit for a cell");
    }
    if (text_bytes > budget.text) {
      return Status::invalid_argument(
          "refused: the text of the workbook's cells comes to more than " +
          std::to_string(limits().cell_text / (1024 * 1024)) +
          " MB (a shared string repeated in many cells?)" + with_note(limits().size_note));
    }
    budget.text -= text_bytes;
    return Status::ok();
  }
};

Result<WorkbookReader> WorkbookReader::open(ByteView bytes, WorkbookLimits limits) {
  EQ_ASSIGN_OR_RETURN(Archive archive, Archive::open(bytes, std::move(limits)));
  EQ_ASSIGN_OR_RETURN(WorkbookIndex index, read_index(archive));
  auto impl = std::make_unique<Impl>(Impl{std::move(archive), std::move(index), {}, {}, {}});
  for (const SheetRef& ref : impl->index.sheets) impl->names.push_back(ref.name);
  impl->budget = {impl->limits().rows, impl->limits().cells, impl->limits().cell_text};
  return WorkbookReader(std::move(impl));
}

WorkbookReader::WorkbookReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WorkbookReader::WorkbookReader(WorkbookReader&&) noexcept = default;
WorkbookReader& WorkbookReader::operator=(WorkbookReader&&) noexcept = default;
WorkbookReader::~WorkbookReader() = default;

const std::vector<std::string>& WorkbookReader::sheet_names() const { return impl_->names; }

Result<Sheet> WorkbookReader::read_sheet(std::size_t index) {
  if (index >= impl_->index.sheets.size()) {
    return Status::invalid_argument("the workbook has no sheet number " +
                                    std::to_string(index + 1));
  }
  if (!impl_->strings) {
    EQ_ASSIGN_OR_RETURN(impl_->strings,
                        read_shared_strings(impl_->archive, impl_->index.shared_strings_part));
  }
  return impl_->read_sheet(impl_->index.sheets[index]);
}

}  // namespace equitas::forms
