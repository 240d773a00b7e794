// ServerApp's response codes (code_store.hpp): a batch is issued for a form
// that asks for codes and a round it has, signed with the server's key and
// stored with its audit line in one transaction.
#include <set>

#include "form_registry.hpp"
#include "server_app.hpp"

namespace equitas::server {

Result<ServerApp::IssuedCodes> ServerApp::issue_codes(std::string_view form_id,
                                                      std::string_view round, int count,
                                                      const Actor& actor) {
  if (round.size() > kMaxRoundLength) {
    return Status::invalid_argument("the round name is longer than " +
                                    std::to_string(kMaxRoundLength) + " characters");
  }
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store_));
  const auto& library = registry->library();
  bool known = false, asks = false;
  std::set<std::string> rounds;
  for (const auto& e : library.entries()) {
    if (e.form->id != form_id) continue;
    known = true;
    asks = asks || e.form->response_codes;
    rounds.insert(e.rounds.begin(), e.rounds.end());
  }
  if (!known) return Status::not_found("no form '" + std::string(form_id) + "' on this server");
  if (!asks) {
    return Status::failed_precondition(
        "form '" + std::string(form_id) +
        "' does not ask for response codes: publish a version with "
        "\"response_codes\": true first, so that collectors ask for them");
  }
  if (!round.empty() && rounds.count(std::string(round)) == 0) {
    std::string names;
    for (const auto& r : rounds) names += (names.empty() ? "" : ", ") + r;
    return Status::not_found("form '" + std::string(form_id) + "' is not published for round '" +
                             std::string(round) +
                             "' (its rounds: " + (names.empty() ? "none" : names) + ")");
  }
  if (round.empty() && !rounds.empty()) {
    return Status::invalid_argument("form '" + std::string(form_id) +
                                    "' is published for rounds; name one with --round");
  }
  EQ_ASSIGN_OR_RETURN(const ServerKeys* keys, keys());
  const std::int64_t now = clock_->now();
  IssuedCodes out;
  EQ_RETURN_IF_ERROR(write([&](ServerStore& store) -> Status {
    EQ_ASSIGN_OR_RETURN(out.batch,
                        CodeStore(store.db()).issue(form_id, round, count, keys->sign, now));
    return audit(store, actor, "codes.issue",
                 "form=" + std::string(form_id) + " round=" + std::string(round) +
                     " count=" + std::to_string(count) + " batch=" + to_hex(out.batch.batch.id),
                 now);
  }));
  out.form = library.current(form_id);
  return out;
}

}  // namespace equitas::server
