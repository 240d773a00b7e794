// SPSS (.sav) and Stata (.dta) files of one form's export, written with
// ReadStat (Debian's libreadstat-dev), which knows both formats' records
// better than a hand-written encoder would.
//
// Each variable carries what an analyst would otherwise type in by hand
// (export_variables.hpp): a valid name, the question as its variable label,
// value labels in the export's language, every select as a labelled number
// (text codes become 1..n in list order), and the reason for every blank as
// a declared missing value (SAV: -99..-91; DTA: extended missing .a-.z).
// A date question is a date (SAV DATE11, DTA %td) and the submission's
// times date-times (DATETIME20, %tc), with a blank's reason in NAME_miss.
// Stata text longer than a str2045 is written as a strL and kept whole;
// SPSS text longer than 32,767 bytes is cut, and the file's notes name the
// variables where that can happen.
#pragma once

#include <filesystem>
#include <string>

#include "export_source.hpp"

namespace equitas::server {

enum class StatFormat { kSav, kDta };

// Writes `source` (its plan built) to `path`, labels in `lang` ("" for the
// form's default).
Status write_stat_file(ExportSource& source, StatFormat format, const std::string& lang,
                       const std::filesystem::path& path);

}  // namespace equitas::server
