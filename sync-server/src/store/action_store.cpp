#include "action_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace equitas::server {
namespace {

constexpr const char* kItemColumns =
    "SELECT i.id, i.administration_id, i.assessment_id, a.round, i.row, i.objective, i.activity, "
    "i.owner, "
    "i.deadline, i.target, i.indicators, i.created_at, a.form_id FROM action_items i "
    "JOIN assessments a ON a.id = i.assessment_id";

// Items sort by the number after -AP, so AP10 follows AP9.
constexpr const char* kItemOrder =
    " ORDER BY i.administration_id, CAST(substr(i.id, length(i.administration_id) + 4) AS INTEGER)";

std::string indicators_text(const std::vector<std::string>& ids) {
  boost::json::array a;
  for (const auto& id : ids) a.push_back(boost::json::value(id));
  return boost::json::serialize(a);
}

ActionItem read_item(const Statement& st) {
  ActionItem i;
  i.id = st.column_text(0);
  i.administration_id = st.column_text(1);
  i.assessment_id = st.column_text(2);
  i.round = st.column_text(3);
  i.row = st.column_int64(4);
  i.objective = st.column_text(5);
  i.activity = st.column_text(6);
  i.owner = st.column_text(7);
  i.deadline = st.column_text(8);
  i.target = st.column_text(9);
  boost::system::error_code ec;
  const auto v = boost::json::parse(st.column_text(10), ec);
  if (!ec && v.is_array()) {
    for (const auto& x : v.get_array()) {
      if (x.is_string()) i.indicators.emplace_back(x.get_string());
    }
  }
  i.created_at = st.column_int64(11);
  i.form_id = st.column_text(12);
  return i;
}

}  // namespace

Status ActionStore::load_updates(ActionItem& item) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT id, at, status, note, actor FROM action_updates "
                                  "WHERE item_id = ?1 ORDER BY at, id"));
  st.bind(1, item.id);
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    item.updates.push_back(ActionUpdate{st.column_int64(0), st.column_int64(1), st.column_text(2),
                                        st.column_text(3), st.column_text(4)});
  }
  return Status::ok();
}

Result<std::vector<ActionItem>> ActionStore::items(std::string_view administration_id) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare(std::string(kItemColumns) +
                                  " WHERE ?1 = '' OR i.administration_id = ?1" + kItemOrder));
  st.bind(1, administration_id);
  std::vector<ActionItem> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(read_item(st));
  }
  for (auto& i : out) EQ_RETURN_IF_ERROR(load_updates(i));
  return out;
}

Result<std::optional<ActionItem>> ActionStore::find(std::string_view id) {
  EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare(std::string(kItemColumns) + " WHERE i.id = ?1"));
  st.bind(1, id);
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<ActionItem>();
  ActionItem i = read_item(st);
  EQ_RETURN_IF_ERROR(load_updates(i));
  return std::optional<ActionItem>(std::move(i));
}

Result<bool> ActionStore::adopted(std::string_view assessment_id) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT 1 FROM action_items WHERE assessment_id = ?1 LIMIT 1"));
  st.bind(1, assessment_id);
  return st.step();
}

Result<std::string> ActionStore::add(ActionItem item, const ActionUpdate& first) {
  EQ_ASSIGN_OR_RETURN(
      Statement last,
      db_.prepare(
          "SELECT COALESCE(MAX(CAST(substr(id, length(administration_id) + 4) AS INTEGER)), 0) "
          "FROM action_items WHERE administration_id = ?1"));
  last.bind(1, item.administration_id);
  EQ_ASSIGN_OR_RETURN(bool row, last.step());
  const std::int64_t n = row ? last.column_int64(0) + 1 : 1;
  item.id = item.administration_id + "-AP" + std::to_string(n);
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT INTO action_items (id, administration_id, assessment_id, row, objective, "
                  "activity, indicators, owner, deadline, target, created_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  st.bind(1, item.id).bind(2, item.administration_id).bind(3, item.assessment_id).bind(4, item.row);
  st.bind(5, item.objective)
      .bind(6, item.activity)
      .bind(7, indicators_text(item.indicators))
      .bind(8, item.owner);
  st.bind(9, item.deadline).bind(10, item.target).bind(11, item.created_at);
  EQ_RETURN_IF_ERROR(st.run());
  EQ_RETURN_IF_ERROR(add_update(item.id, first));
  return item.id;
}

Status ActionStore::add_update(std::string_view item_id, const ActionUpdate& u) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("INSERT INTO action_updates (item_id, at, status, note, actor) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5)"));
  st.bind(1, item_id).bind(2, u.at).bind(3, u.status).bind(4, u.note).bind(5, u.actor);
  EQ_RETURN_IF_ERROR(st.run());
  return plan_changed(item_id);
}

Status ActionStore::plan_changed(std::string_view item_id) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("UPDATE assessments SET revision = revision + 1 WHERE administration_id = "
                  "(SELECT administration_id FROM action_items WHERE id = ?1)"));
  st.bind(1, item_id);
  return st.run();
}

Status ActionStore::set_details(const ActionItem& item) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("UPDATE action_items SET indicators = ?2, owner = ?3, deadline = ?4 "
                  "WHERE id = ?1"));
  st.bind(1, item.id)
      .bind(2, indicators_text(item.indicators))
      .bind(3, item.owner)
      .bind(4, item.deadline);
  EQ_RETURN_IF_ERROR(st.run());
  return plan_changed(item.id);
}

Result<std::int64_t> ActionStore::last_update_id() {
  EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare("SELECT COALESCE(MAX(id), 0) FROM action_updates"));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  return row ? st.column_int64(0) : 0;
}

}  // namespace equitas::server
