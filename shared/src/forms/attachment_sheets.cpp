// Reading the files published with an XLSForm (see attachment_sheets.hpp):
// a CSV file parsed field by field, an XML file with pugixml. Each is
// bounded in rows and columns before it is kept.
#include "attachment_sheets.hpp"

#include <map>
#include <pugixml.hpp>
#include <utility>
#include <vector>

#include "equitas/util/bytes.hpp"

namespace equitas::forms::xlsform_detail {

Result<Sheet> csv_sheet(std::string_view text, const std::string& file) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF")
    text.remove_prefix(3);  // Excel's BOM
  if (!valid_utf8(text)) return Status::invalid_argument(file + ": the file is not UTF-8 text");
  Sheet sheet;
  sheet.name = file;
  SheetRow row;
  row.num = 1;
  int col = 1;
  std::string field;
  bool quoted = false;  // inside a quoted field
  bool was_quoted = false;
  auto end_field = [&]() -> Status {
    if (col > kMaxAttachmentColumns) {
      return Status::invalid_argument(file + " line " + std::to_string(row.num) + ": more than " +
                                      std::to_string(kMaxAttachmentColumns) + " columns");
    }
    if (!field.empty()) row.cells.emplace(col, std::move(field));
    field.clear();
    was_quoted = false;
    ++col;
    return Status::ok();
  };
  auto end_row = [&]() -> Status {
    EQ_RETURN_IF_ERROR(end_field());
    if (!row.cells.empty()) sheet.rows.push_back(std::move(row));
    if (sheet.rows.size() > kMaxAttachmentRows) {
      return Status::invalid_argument(file + ": more than " + std::to_string(kMaxAttachmentRows) +
                                      " rows");
    }
    row = SheetRow{};  // numbered by the caller, which knows the line
    col = 1;
    return Status::ok();
  };
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"') {
      if (!field.empty() || was_quoted) {
        return Status::invalid_argument(
            file + " line " + std::to_string(line) +
            ": a quote inside a field that does not start with one; write it as \"\"");
      }
      quoted = true;
      was_quoted = true;
    } else if (c == ',') {
      EQ_RETURN_IF_ERROR(end_field());
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      EQ_RETURN_IF_ERROR(end_row());
      ++line;
      row.num = line;
    } else if (was_quoted) {
      return Status::invalid_argument(file + " line " + std::to_string(line) +
                                      ": text after a closing quote");
    } else {
      field += c;
    }
  }
  if (quoted)
    return Status::invalid_argument(file +
                                    ": a quoted field is not closed before the end of the file");
  EQ_RETURN_IF_ERROR(end_row());
  return sheet;
}

Result<Sheet> xml_sheet(std::string_view text, const std::string& file) {
  pugi::xml_document doc;
  const pugi::xml_parse_result r =
      doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r)
    return Status::invalid_argument(file + ": not well-formed XML (" +
                                    std::string(r.description()) + ")");
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "root") {
    return Status::invalid_argument(
        file + ": the document element must be <root>, holding <item> elements");
  }
  Sheet sheet;
  sheet.name = file;
  std::map<std::string, int> columns;  // element name -> column
  SheetRow header;
  header.num = 1;
  std::vector<SheetRow> rows;
  for (pugi::xml_node item = root.first_child(); item; item = item.next_sibling()) {
    if (item.type() != pugi::node_element) continue;
    if (std::string_view(item.name()) != "item") {
      return Status::invalid_argument(file + ": <root> holds <item> elements, not <" +
                                      std::string(item.name()) + ">");
    }
    if (rows.size() >= kMaxAttachmentRows) {
      return Status::invalid_argument(file + ": more than " + std::to_string(kMaxAttachmentRows) +
                                      " items");
    }
    SheetRow row;
    row.num = static_cast<int>(rows.size()) + 2;
    for (pugi::xml_node f = item.first_child(); f; f = f.next_sibling()) {
      if (f.type() != pugi::node_element) continue;
      const std::string name = f.name();
      auto [it, added] = columns.emplace(name, static_cast<int>(columns.size()) + 1);
      if (added) {
        if (it->second > kMaxAttachmentColumns) {
          return Status::invalid_argument(file + ": more than " +
                                          std::to_string(kMaxAttachmentColumns) +
                                          " different elements in its items");
        }
        header.cells.emplace(it->second, name);
      }
      std::string value = f.child_value();
      if (!value.empty()) row.cells[it->second] = std::move(value);
    }
    rows.push_back(std::move(row));
  }
  sheet.rows.push_back(std::move(header));
  for (auto& r2 : rows) sheet.rows.push_back(std::move(r2));
  return sheet;
}

}  // namespace equitas::forms::xlsform_detail
