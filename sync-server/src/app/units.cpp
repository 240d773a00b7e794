// ServerApp's reporting units and headcounts (units_store.hpp): each change
// replaces a whole table (or a round's headcounts) in one transaction with
// its audit line, after checking every row against what the server knows.
#include <set>

#include "form_registry.hpp"
#include "server_app.hpp"
#include "units_store.hpp"

namespace equitas::server {
namespace {

std::string listed(const std::set<std::string>& names, std::size_t most = 20) {
  std::string out;
  std::size_t i = 0;
  for (const auto& n : names) {
    if (i++ == most) return out + ", and " + std::to_string(names.size() - most) + " more";
    out += (out.empty() ? "'" : ", '") + n + "'";
  }
  return out;
}

}  // namespace

Status ServerApp::set_units(const std::vector<UnitMapping>& units, const Actor& actor) {
  const std::int64_t now = clock_->now();
  return write([&](ServerStore& server) -> Status {
    UnitsStore store(server.db());
    EQ_ASSIGN_OR_RETURN(auto sites, store.sites());
    const std::set<std::string> known(sites.begin(), sites.end());
    std::set<std::string> unknown, names;
    for (const auto& u : units) {
      if (known.count(u.site) == 0) unknown.insert(u.site);
      names.insert(u.unit);
    }
    if (!unknown.empty()) {
      return Status::invalid_argument(
          "units: no device is enrolled for site " + listed(unknown) +
          "; nothing was changed (known sites: " + (known.empty() ? "none" : listed(known)) + ")");
    }
    EQ_RETURN_IF_ERROR(store.replace_units(units));
    return audit(server, actor, "units.set",
                 "sites=" + std::to_string(units.size()) + " units=" + std::to_string(names.size()),
                 now);
  });
}

Result<std::vector<UnitMapping>> ServerApp::units() { return UnitsStore(store_.db()).units(); }

Result<std::map<std::string, std::string>> ServerApp::unit_of_sites() {
  return UnitsStore(store_.db()).unit_of_sites();
}

Status ServerApp::set_headcounts(std::string_view round, const std::vector<Headcount>& counts,
                                 const Actor& actor) {
  // Sex codes are those of the forms' "sex" lists, so that a headcount
  // meets the answers it is the denominator of ("Female" is not "female").
  EQ_ASSIGN_OR_RETURN(auto forms, FormRegistry::load(store_));
  std::set<std::string> sexes;
  for (const auto& e : forms->library().entries()) {
    auto it = e.form->lists.find("sex");
    if (it == e.form->lists.end()) continue;
    for (const auto& c : it->second.choices) sexes.insert(c.name);
  }
  const std::int64_t now = clock_->now();
  return write([&](ServerStore& server) -> Status {
    UnitsStore store(server.db());
    EQ_ASSIGN_OR_RETURN(auto unit_of, store.unit_of_sites());
    std::set<std::string> known, unknown, bad_sex;
    for (const auto& [site, unit] : unit_of) known.insert(unit);
    std::int64_t total = 0;
    for (const auto& h : counts) {
      if (known.count(h.unit) == 0) unknown.insert(h.unit);
      if (!h.sex.empty() && sexes.count(h.sex) == 0) bad_sex.insert(h.sex);
      if (h.sex.empty()) total += h.headcount;
    }
    if (!unknown.empty()) {
      return Status::invalid_argument(
          "headcounts: no reporting unit " + listed(unknown) + "; nothing was changed (units: " +
          (known.empty() ? "none" : listed(known)) + "; see sync-server units list)");
    }
    if (!bad_sex.empty()) {
      return Status::invalid_argument(
          "headcounts: sex " + listed(bad_sex) +
          " is not a code of the forms' sex list; nothing was changed (codes: " + listed(sexes) +
          "; leave it blank for a unit's total)");
    }
    EQ_RETURN_IF_ERROR(store.replace_headcounts(round, counts));
    return audit(server, actor, "headcounts.set",
                 "round=" + std::string(round.empty() ? std::string_view("(default)") : round) +
                     " rows=" + std::to_string(counts.size()) + " staff=" + std::to_string(total),
                 now);
  });
}

Result<std::vector<std::pair<std::string, Headcount>>> ServerApp::headcounts() {
  return UnitsStore(store_.db()).all_headcounts();
}

}  // namespace equitas::server
