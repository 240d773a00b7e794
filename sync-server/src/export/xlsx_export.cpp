#include "xlsx_export.hpp"

#include <xlsxwriter.h>

#include <algorithm>
#include <memory>
#include <set>

#include "export_variables.hpp"

namespace equitas::server {
namespace {

// Unless close() ran, the workbook is freed without writing anything.
struct WorkbookFree {
  void operator()(lxw_workbook* wb) const { lxw_workbook_free(wb); }
};

class Sheet {
 public:
  Sheet(lxw_worksheet* ws, lxw_format* header) : ws_(ws), header_(header) {}

  // Widths in characters, before any row: `widths[c]` for column c.
  void widths(const std::vector<double>& widths) {
    for (std::size_t c = 0; c < widths.size(); ++c)
      worksheet_set_column(ws_, col(c), col(c), widths[c], nullptr);
  }
  // Filter buttons on the header of `columns` columns over `rows` rows.
  void filter(std::size_t rows, std::size_t columns) {
    if (columns > 0)
      worksheet_autofilter(ws_, 0, 0, static_cast<lxw_row_t>(rows), col(columns - 1));
  }

  Status header(const std::vector<std::string>& names) {
    worksheet_freeze_panes(ws_, 1, 0);
    for (std::size_t c = 0; c < names.size(); ++c) {
      EQ_RETURN_IF_ERROR(check(worksheet_write_string(ws_, 0, col(c), names[c].c_str(), header_)));
    }
    return Status::ok();
  }

  // Appends one row.
  Status row(const std::vector<ExportCell>& cells) {
    ++row_;
    if (row_ >= LXW_ROW_MAX) return Status::invalid_argument("more rows than a sheet holds");
    for (std::size_t c = 0; c < cells.size(); ++c) EQ_RETURN_IF_ERROR(put(c, cells[c]));
    return Status::ok();
  }

 private:
  static lxw_col_t col(std::size_t c) { return static_cast<lxw_col_t>(c); }

  Status put(std::size_t c, const ExportCell& cell) {
    const auto r = static_cast<lxw_row_t>(row_);
    switch (cell.kind) {
      case ExportCell::Kind::kEmpty:
        return Status::ok();
      case ExportCell::Kind::kNumber:
        return check(worksheet_write_number(ws_, r, col(c), cell.number, nullptr));
      case ExportCell::Kind::kBool:
        return check(worksheet_write_boolean(ws_, r, col(c), cell.text == "true", nullptr));
      case ExportCell::Kind::kText:
        break;
    }
    const lxw_error e = worksheet_write_string(ws_, r, col(c), cell.text.c_str(), nullptr);
    if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) {
      return Status::invalid_argument("row " + std::to_string(row_) +
                                      " has a cell longer than the 32,767 characters Excel allows; "
                                      "export it with --format jsonl");
    }
    return check(e);
  }

  static Status check(lxw_error e) {
    if (e == LXW_NO_ERROR) return Status::ok();
    return Status::io_error(std::string("writing the workbook failed: ") + lxw_strerror(e));
  }

  lxw_worksheet* ws_;
  lxw_format* header_;
  std::size_t row_ = 0;
};

ExportCell text(std::string s) { return {ExportCell::Kind::kText, std::move(s), 0}; }

std::string join(const auto& values) {
  std::string out;
  for (const std::string& v : values) {
    if (v.empty()) continue;  // the unnamed round
    out += (out.empty() ? "" : ", ") + v;
  }
  return out;
}

Status write_codebook(Sheet& sheet, const ExportSource& source, const ExportLayout& layout) {
  const ExportPlan& plan = source.plan();
  const auto& langs = plan.languages();
  std::vector<std::string> names = {"variable", "question", "type", "group", "list", "choice"};
  for (const auto& l : langs) names.push_back("label:" + l);
  for (const char* n : {"versions", "rounds", "note"}) names.emplace_back(n);
  EQ_RETURN_IF_ERROR(sheet.header(names));

  const std::size_t labels_at = 6;
  auto blank_row = [&] { return std::vector<ExportCell>(names.size()); };
  for (const MetaColumn& m : meta_columns(source.anonymous())) {
    auto cells = blank_row();
    cells[0] = text(m.name);
    cells[2] = text("meta");
    cells.back() = text(m.note);
    EQ_RETURN_IF_ERROR(sheet.row(cells));
  }
  if (source.anonymous()) {
    // What disclosure control withheld, per quasi-identifier.
    const DisclosureReport& d = source.disclosure();
    for (std::size_t i = 0; i < source.quasi_identifiers().size(); ++i) {
      auto cells = blank_row();
      cells[1] = text(source.quasi_identifiers()[i]);
      cells[2] = text("disclosure control");
      cells.back() = text(
          std::to_string(i < d.suppressed_by_column.size() ? d.suppressed_by_column[i] : 0) +
          " value(s) withheld so that every combination of the quasi-identifiers occurs at least " +
          std::to_string(d.k) + " times");
      EQ_RETURN_IF_ERROR(sheet.row(cells));
    }
  }
  std::set<std::size_t> released;
  for (const auto& c : source.columns()) released.insert(c.question);
  // The variable each column became (valid in SPSS, Stata and R).
  std::map<std::string, std::string> variable_of;
  for (const auto& v : layout.variables()) variable_of[v.path] = v.name;
  auto variable = [&](const std::string& path) {
    auto it = variable_of.find(path);
    return it == variable_of.end() ? path : it->second;
  };
  for (std::size_t qi = 0; qi < plan.questions().size(); ++qi) {
    const ExportQuestion& q = plan.questions()[qi];
    // An anonymous form's free text is not in this file: not in its codebook.
    if (source.anonymous() && released.count(qi) == 0 && q.repeat.empty()) continue;
    auto cells = blank_row();
    if (q.repeat.empty() && !q.multiple) cells[0] = text(variable(q.name));
    if (!q.repeat.empty()) cells[0] = text(q.repeat + ":" + variable_name(q.name));
    cells[1] = text(q.name);
    cells[2] = text(q.type);
    cells[3] = text(q.group);
    cells[4] = text(q.list);
    for (std::size_t l = 0; l < langs.size(); ++l) {
      if (q.label.has(langs[l])) cells[labels_at + l] = text(q.label.all().at(langs[l]));
    }
    cells[labels_at + langs.size()] = text(join(q.versions));
    cells[labels_at + langs.size() + 1] = text(join(q.rounds));
    std::string note = q.note;
    if (auto it = variable_of.find(q.name + "_miss"); it != variable_of.end()) {
      note += std::string(note.empty() ? "" : "; ") + "a blank's reason is in " + it->second;
    }
    if (q.type == "repeat") note += "; its rows are on the sheet " + variable_name(q.name);
    cells.back() = text(note);
    EQ_RETURN_IF_ERROR(sheet.row(cells));
    for (const forms::Choice& c : q.choices) {
      auto choice = blank_row();
      if (q.multiple && q.repeat.empty()) choice[0] = text(variable(q.name + "/" + c.name));
      choice[1] = text(q.name);
      // The code as the data sheet shows it, so that a lookup matches.
      choice[5] = is_numeric_code(c.name)
                      ? ExportCell{ExportCell::Kind::kNumber, c.name, std::stod(c.name)}
                      : text(c.name);
      for (std::size_t l = 0; l < langs.size(); ++l) {
        if (c.label.has(langs[l])) choice[labels_at + l] = text(c.label.all().at(langs[l]));
      }
      if (c.label.empty())
        choice.back() = text("no label in any version's list (seen in the data, or 'other')");
      EQ_RETURN_IF_ERROR(sheet.row(choice));
    }
  }
  return Status::ok();
}

}  // namespace

Status write_xlsx(ExportSource& source, bool labels, const std::string& lang,
                  const std::filesystem::path& path) {
  const ExportPlan& plan = source.plan();
  if (source.row_count() >= LXW_ROW_MAX) {
    return Status::invalid_argument(
        std::to_string(source.row_count()) +
        " rows do not fit in one sheet (Excel's limit is 1,048,575); export with "
        "--round, or as CSV or JSON Lines");
  }
  // With the companion columns of blank reasons, at most twice as many.
  const std::size_t width = 2 * (meta_columns(source.anonymous()).size() + source.columns().size());
  if (width > LXW_COL_MAX) {
    return Status::invalid_argument(std::to_string(width) +
                                    " columns do not fit in one sheet; export as CSV");
  }
  std::string tmpdir = path.parent_path().empty() ? std::string(".") : path.parent_path().string();
  lxw_workbook_options opts{};
  // Rows go straight to disk as they are written: memory stays flat however
  // large the export.
  opts.constant_memory = LXW_TRUE;
  opts.tmpdir = tmpdir.data();
  std::unique_ptr<lxw_workbook, WorkbookFree> wb(workbook_new_opt(path.c_str(), &opts));
  if (!wb) return Status::io_error("cannot create the workbook " + path.string());
  lxw_format* bold = workbook_add_format(wb.get());
  format_set_bold(bold);
  lxw_worksheet* data_ws = workbook_add_worksheet(wb.get(), "data");
  lxw_worksheet* codebook_ws = workbook_add_worksheet(wb.get(), "codebook");
  if (data_ws == nullptr || codebook_ws == nullptr || bold == nullptr) {
    return Status::internal("libxlsxwriter could not add a sheet");
  }

  const ExportLayout layout(source, LayoutOptions{labels, lang, false, false});
  Sheet data(data_ws, bold);
  std::vector<std::string> header;
  std::vector<double> widths;
  for (const ExportVariable& v : layout.variables()) {
    header.push_back(v.name);
    // Room for the name and the filter button, and for the values up to a
    // readable column; longer text wraps in the cell on demand.
    const double value = v.numeric ? 8.0 : static_cast<double>(std::min<std::size_t>(v.width, 40));
    widths.push_back(std::max(static_cast<double>(v.name.size()) + 3, value));
  }
  data.widths(widths);
  data.filter(source.row_count(), header.size());
  EQ_RETURN_IF_ERROR(data.header(header));

  // One sheet per repeat (the GEOAT's action plan): a row per repeat row,
  // linked to its submission by the data sheet's first column.
  struct RepeatSheet {
    std::size_t question;
    std::vector<ExportColumn> columns;
    std::unique_ptr<Sheet> sheet;
  };
  std::vector<RepeatSheet> repeats;
  for (const auto& c : source.columns()) {
    const ExportQuestion& q = plan.questions()[c.question];
    if (q.type != "repeat" || repeats.size() >= 20) continue;
    RepeatSheet r{c.question, plan.repeat_columns(c.question), nullptr};
    std::vector<std::string> names = {header.front(), "item"};
    for (const auto& col : r.columns) names.push_back(variable_name(col.header));
    lxw_worksheet* ws =
        workbook_add_worksheet(wb.get(), variable_name(q.name).substr(0, 31).c_str());
    if (ws == nullptr)
      continue;  // a name clash with "data" or "codebook": the JSON cell still has it
    r.sheet = std::make_unique<Sheet>(ws, bold);
    r.sheet->widths(std::vector<double>(names.size(), 16.0));
    EQ_RETURN_IF_ERROR(r.sheet->header(names));
    repeats.push_back(std::move(r));
  }

  std::vector<ExportValue> values;
  std::vector<ExportCell> cells;
  EQ_RETURN_IF_ERROR(source.scan([&](const ExportRow& r) {
    layout.values(r, values);
    cells.clear();
    for (const ExportValue& v : values) {
      switch (v.kind) {
        case ExportValue::Kind::kBlank:
          cells.emplace_back();
          break;
        case ExportValue::Kind::kNumber:
          cells.push_back({ExportCell::Kind::kNumber, v.text, v.number});
          break;
        case ExportValue::Kind::kText:
          cells.push_back(text(v.text));
          break;
      }
    }
    EQ_RETURN_IF_ERROR(data.row(cells));
    for (auto& rep : repeats) {
      const auto* rows = r.answers.if_contains(plan.questions()[rep.question].name);
      if (rows == nullptr || !rows->is_array()) continue;
      std::size_t item = 0;
      for (const auto& row : rows->get_array()) {
        ++item;
        if (!row.is_object()) continue;
        std::vector<ExportCell> line = {
            cells.front(),
            {ExportCell::Kind::kNumber, std::to_string(item), static_cast<double>(item)}};
        for (const auto& c : rep.columns)
          line.push_back(plan.cell(c, row.get_object(), labels, lang));
        EQ_RETURN_IF_ERROR(rep.sheet->row(line));
      }
    }
    return Status::ok();
  }));
  Sheet codebook(codebook_ws, bold);
  EQ_RETURN_IF_ERROR(write_codebook(codebook, source, layout));

  // workbook_close writes the file and frees the workbook in every case.
  const lxw_error e = workbook_close(wb.release());
  if (e != LXW_NO_ERROR) {
    return Status::io_error("cannot write the workbook " + path.string() + ": " + lxw_strerror(e));
  }
  return Status::ok();
}

}  // namespace equitas::server
