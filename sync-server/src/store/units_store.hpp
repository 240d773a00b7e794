// Reporting units and headcounts (006_units.sql): the tables, and the CSV
// files HQ keeps them in.
//
// A reporting unit groups posts so that a small post is never shown on its
// own (issue 14): anonymous exports name the unit instead of the site, and
// response rates are per unit. A site that no mapping names is its own unit.
// Headcounts are the denominators of response rates, per unit and sex.
//
// Thread: callers' own connection; writes only inside ServerApp's
// transactions (app/units.cpp), which add the audit line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/db/database.hpp"

namespace equitas::server {

struct UnitMapping {
  std::string site, unit;
};

struct Headcount {
  std::string unit;
  std::string sex;  // a code of the forms' "sex" list; "" for everyone in the unit
  std::int64_t headcount = 0;
};

// CSV as Excel and LibreOffice write it: a header row, commas, fields in
// double quotes where they hold a comma, a quote or a line break, a UTF-8
// byte-order mark allowed. invalid_argument names the line of the first
// problem.
//   units:      site,unit
//   headcounts: unit,sex,headcount   (sex blank for the unit's total)
Result<std::vector<UnitMapping>> parse_units_csv(std::string_view text);
Result<std::vector<Headcount>> parse_headcounts_csv(std::string_view text);

class UnitsStore {
 public:
  explicit UnitsStore(Database& db) : db_(db) {}

  // Replaces the whole mapping.
  Status replace_units(const std::vector<UnitMapping>& units);
  Result<std::vector<UnitMapping>> units();
  // site -> unit for every known device site (a site with no mapping is its
  // own unit).
  Result<std::map<std::string, std::string>> unit_of_sites();
  // devices.rowid -> unit, for every device (its site's unit, or the site).
  Result<std::vector<std::pair<std::int64_t, std::string>>> unit_of_devices();
  // The sites of enrolled devices (any state): what a mapping may name.
  Result<std::vector<std::string>> sites();

  // Replaces the headcounts of `round` ("" for the default of every round).
  Status replace_headcounts(std::string_view round, const std::vector<Headcount>& counts);
  // The headcounts that apply to `round`: its own if it has any, else the
  // default (""); empty when neither exists.
  Result<std::vector<Headcount>> headcounts_for(std::string_view round);
  // Every stored headcount, with its round.
  Result<std::vector<std::pair<std::string, Headcount>>> all_headcounts();
  // Whether any headcount was ever given (response rates need them).
  Result<bool> has_headcounts();

 private:
  Database& db_;
};

}  // namespace equitas::server
