#include "xlsx_export.hpp"

#include <xlsxwriter.h>

#include <memory>
#include <set>

namespace equitas::server {
namespace {

// Unless close() ran, the workbook is freed without writing anything.
struct WorkbookFree {
  void operator()(lxw_workbook* wb) const { lxw_workbook_free(wb); }
};

class Sheet {
 public:
  Sheet(lxw_worksheet* ws, lxw_format* header) : ws_(ws), header_(header) {}

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
      case ExportCell::Kind::kEmpty: return Status::ok();
      case ExportCell::Kind::kNumber: return check(worksheet_write_number(ws_, r, col(c), cell.number, nullptr));
      case ExportCell::Kind::kBool: return check(worksheet_write_boolean(ws_, r, col(c), cell.text == "true", nullptr));
      case ExportCell::Kind::kText: break;
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

Status write_codebook(Sheet& sheet, const ExportSource& source) {
  const ExportPlan& plan = source.plan();
  const auto& langs = plan.languages();
  std::vector<std::string> names = {"column", "question", "type", "group", "list", "choice"};
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
      cells.back() = text(std::to_string(i < d.suppressed_by_column.size() ? d.suppressed_by_column[i] : 0) +
                          " value(s) withheld so that every combination of the quasi-identifiers occurs at least " +
                          std::to_string(d.k) + " times");
      EQ_RETURN_IF_ERROR(sheet.row(cells));
    }
  }
  std::set<std::size_t> released;
  for (const auto& c : source.columns()) released.insert(c.question);
  for (std::size_t qi = 0; qi < plan.questions().size(); ++qi) {
    const ExportQuestion& q = plan.questions()[qi];
    // An anonymous form's free text is not in this file: not in its codebook.
    if (source.anonymous() && released.count(qi) == 0 && q.repeat.empty()) continue;
    auto cells = blank_row();
    if (q.repeat.empty() && !q.multiple) cells[0] = text(q.name);
    cells[1] = text(q.name);
    cells[2] = text(q.type);
    cells[3] = text(q.group);
    cells[4] = text(q.list);
    for (std::size_t l = 0; l < langs.size(); ++l) {
      if (q.label.has(langs[l])) cells[labels_at + l] = text(q.label.all().at(langs[l]));
    }
    cells[labels_at + langs.size()] = text(join(q.versions));
    cells[labels_at + langs.size() + 1] = text(join(q.rounds));
    cells.back() = text(q.note);
    EQ_RETURN_IF_ERROR(sheet.row(cells));
    for (const forms::Choice& c : q.choices) {
      auto choice = blank_row();
      if (q.multiple && q.repeat.empty()) choice[0] = text(q.name + "/" + c.name);
      choice[1] = text(q.name);
      // The code as the data sheet shows it, so that a lookup matches.
      choice[5] = is_numeric_code(c.name) ? ExportCell{ExportCell::Kind::kNumber, c.name, std::stod(c.name)}
                                          : text(c.name);
      for (std::size_t l = 0; l < langs.size(); ++l) {
        if (c.label.has(langs[l])) choice[labels_at + l] = text(c.label.all().at(langs[l]));
      }
      if (c.label.empty()) choice.back() = text("no label in any version's list (seen in the data, or 'other')");
      EQ_RETURN_IF_ERROR(sheet.row(choice));
    }
  }
  return Status::ok();
}

}  // namespace

Status write_xlsx(ExportSource& source, bool labels, const std::string& lang, const std::filesystem::path& path) {
  const ExportPlan& plan = source.plan();
  if (source.row_count() >= LXW_ROW_MAX) {
    return Status::invalid_argument(std::to_string(source.row_count()) +
                                    " rows do not fit in one sheet (Excel's limit is 1,048,575); export with "
                                    "--round, or as CSV or JSON Lines");
  }
  const std::size_t width = meta_columns(source.anonymous()).size() + source.columns().size();
  if (width > LXW_COL_MAX) {
    return Status::invalid_argument(std::to_string(width) + " columns do not fit in one sheet; export as CSV");
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

  Sheet data(data_ws, bold);
  std::vector<std::string> header;
  for (const MetaColumn& m : meta_columns(source.anonymous())) header.emplace_back(m.name);
  for (const auto& c : source.columns()) header.push_back(c.header);
  EQ_RETURN_IF_ERROR(data.header(header));
  std::vector<ExportCell> cells;
  EQ_RETURN_IF_ERROR(source.scan([&](const ExportRow& r) {
    cells = meta_cells(r, source.anonymous());
    for (const auto& col : source.columns()) cells.push_back(plan.cell(col, r.answers, labels, lang));
    return data.row(cells);
  }));
  Sheet codebook(codebook_ws, bold);
  EQ_RETURN_IF_ERROR(write_codebook(codebook, source));

  // workbook_close writes the file and frees the workbook in every case.
  const lxw_error e = workbook_close(wb.release());
  if (e != LXW_NO_ERROR) {
    return Status::io_error("cannot write the workbook " + path.string() + ": " + lxw_strerror(e));
  }
  return Status::ok();
}

}  // namespace equitas::server
