#include "analysis_store.hpp"

#include <time.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstring>
#include <unordered_map>

#include "equitas/forms/form_json.hpp"
#include "equitas/forms/form_library.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas::server {
namespace {

// Bump when the coding changes: catch_up() then rebuilds the store.
// 2: a calculate's value is coded ('one'), so that an indicator can be
// reported by its values (issue 15); it was only 'answered' before.
constexpr std::int64_t kCodec = 2;
// Rows per transaction when catching up, so a big backfill lets the serve
// process's writer in between.
constexpr int kCatchUpChunk = 5000;
constexpr std::int32_t kFirstPlausibleDay = 10957;  // 2000-01-01

std::string_view kind_name(ColumnKind k) {
  switch (k) {
    case ColumnKind::kOne:
      return "one";
    case ColumnKind::kMulti:
      return "multi";
    case ColumnKind::kAnswered:
      return "answered";
  }
  return "answered";
}

std::string column_key(std::string_view question, std::string_view choice) {
  std::string k(question);
  k += '\x1f';
  k += choice;
  return k;
}

Result<std::int64_t> meta_value(Database& db, std::string_view key) {
  EQ_ASSIGN_OR_RETURN(Statement st, db.prepare("SELECT value FROM analysis_meta WHERE key = ?1"));
  st.bind(1, key);
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  return row ? st.column_int64(0) : 0;
}

Status set_meta(Database& db, std::string_view key, std::int64_t value) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db.prepare("UPDATE analysis_meta SET value = ?2 WHERE key = ?1"));
  return st.bind(1, key).bind(2, value).run();
}

bool answered(const boost::json::value& v) {
  if (v.is_null()) return false;
  if (v.is_string()) return !v.get_string().empty();
  if (v.is_array()) return !v.get_array().empty();
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// The writer side.

namespace {

// How one item of one form version becomes bytes.
struct PlanEntry {
  std::string name;
  ColumnKind kind;
  int position = -1;                                 // kOne, kAnswered
  std::vector<std::pair<std::string, int>> choices;  // kMulti: choice -> position
};

struct FormCache {
  std::int64_t form_ref = 0;
  int column_count = 0;
  std::unordered_map<std::string, int> positions;                       // column_key -> position
  std::unordered_map<int, std::unordered_map<std::string, int>> codes;  // position -> value -> code
  std::unordered_map<std::string, std::vector<PlanEntry>> plans;        // version -> plan
  std::unordered_map<std::string, std::int64_t> rounds;                 // round -> round_ref
};

}  // namespace

struct AnalysisIndexer::Impl {
  // Definitions by "id\x1fversion": bundled ones and those in `forms`.
  std::unordered_map<std::string, std::shared_ptr<const forms::Form>> forms;
  std::int64_t forms_seen = -1;  // rows of `forms` when last loaded
  std::unordered_map<std::string, FormCache> by_form;
  std::unordered_map<std::string, std::int64_t> devices;  // device id bytes -> devices.rowid
  std::int64_t token = 0;
  bool token_known = false;
  // Statements run for every submission, prepared once per connection.
  enum Slot { kToken, kInsert, kMark, kRevisions, kSlots };
  sqlite3* stmt_db = nullptr;
  std::optional<Statement> stmts[kSlots];

  Result<Statement*> stmt(Database& db, Slot slot, std::string_view sql) {
    if (stmt_db != db.handle()) {
      for (auto& st : stmts) st.reset();
      stmt_db = db.handle();
    }
    if (!stmts[slot]) {
      EQ_ASSIGN_OR_RETURN(Statement st, db.prepare(sql));
      stmts[slot].emplace(std::move(st));
    }
    stmts[slot]->reset();
    return &*stmts[slot];
  }

  Status check_token(Database& db) {
    EQ_ASSIGN_OR_RETURN(
        Statement * st,
        stmt(db, kToken, "SELECT value FROM analysis_meta WHERE key = 'dictionary_token'"));
    EQ_ASSIGN_OR_RETURN(bool row, st->step());
    const std::int64_t t = row ? st->column_int64(0) : 0;
    st->reset();  // a statement left mid-result would hold a read snapshot open
    if (!token_known || t != token) {
      by_form.clear();
      token = t;
      token_known = true;
    }
    return Status::ok();
  }

  // The dictionary grew: a fresh random token, so that a cache built on a
  // rolled-back transaction can never match the database again.
  Status bump_token(Database& db) {
    std::int64_t t = 0;
    const auto r = random_array<8>();
    std::memcpy(&t, r.data(), sizeof t);
    EQ_RETURN_IF_ERROR(set_meta(db, "dictionary_token", t));
    token = t;
    return Status::ok();
  }

  Result<std::shared_ptr<const forms::Form>> find_form(Database& db, std::string_view id,
                                                       std::string_view version) {
    const std::string key = column_key(id, version);
    if (auto it = forms.find(key); it != forms.end()) return it->second;
    EQ_ASSIGN_OR_RETURN(Statement count, db.prepare("SELECT count(*) FROM forms"));
    EQ_ASSIGN_OR_RETURN(bool row, count.step());
    const std::int64_t n = row ? count.column_int64(0) : 0;
    if (n == forms_seen) return std::shared_ptr<const forms::Form>();
    forms.clear();
    EQ_ASSIGN_OR_RETURN(auto lib, forms::FormLibrary::with_bundled());
    for (const auto& e : lib.entries()) forms[column_key(e.form->id, e.form->version)] = e.form;
    EQ_ASSIGN_OR_RETURN(Statement st, db.prepare("SELECT form_id, version, definition FROM forms"));
    for (;;) {
      EQ_ASSIGN_OR_RETURN(bool has, st.step());
      if (!has) break;
      auto form = forms::load_form_json(st.column_text(2));
      // A stored definition that no longer loads is skipped: its
      // submissions cannot be coded, but nothing else is held up.
      if (form.is_ok())
        forms[column_key(st.column_text(0), st.column_text(1))] =
            std::make_shared<const forms::Form>(std::move(form).value());
    }
    forms_seen = n;
    auto it = forms.find(key);
    return it == forms.end() ? std::shared_ptr<const forms::Form>() : it->second;
  }

  Result<FormCache*> form_cache(Database& db, std::string_view form_id) {
    auto it = by_form.find(std::string(form_id));
    if (it != by_form.end()) return &it->second;
    FormCache c;
    EQ_ASSIGN_OR_RETURN(auto dict, load_analysis_dictionary(db, form_id));
    if (!dict) {
      EQ_ASSIGN_OR_RETURN(Statement ins,
                          db.prepare("INSERT INTO analysis_forms (form_id) VALUES (?1)"));
      EQ_RETURN_IF_ERROR(ins.bind(1, form_id).run());
      EQ_RETURN_IF_ERROR(bump_token(db));
      c.form_ref = db.last_insert_rowid();
    } else {
      c.form_ref = dict->form_ref;
      c.column_count = static_cast<int>(dict->columns.size());
      for (std::size_t p = 0; p < dict->columns.size(); ++p) {
        const auto& col = dict->columns[p];
        c.positions[column_key(col.question, col.choice)] = static_cast<int>(p);
        for (std::size_t code = 1; code < col.values.size(); ++code) {
          if (!col.values[code].empty())
            c.codes[static_cast<int>(p)][col.values[code]] = static_cast<int>(code);
        }
      }
      for (const auto& [round, ref] : dict->rounds) c.rounds[round] = ref;
    }
    return &by_form.emplace(std::string(form_id), std::move(c)).first->second;
  }

  Result<int> column(Database& db, FormCache& c, const std::string& question,
                     const std::string& choice, ColumnKind kind) {
    const std::string key = column_key(question, choice);
    if (auto it = c.positions.find(key); it != c.positions.end()) return it->second;
    const int pos = c.column_count;
    EQ_ASSIGN_OR_RETURN(Statement ins,
                        db.prepare("INSERT INTO analysis_columns (form_ref, position, question, "
                                   "choice, kind) VALUES (?1, ?2, ?3, ?4, ?5)"));
    EQ_RETURN_IF_ERROR(ins.bind(1, c.form_ref)
                           .bind(2, std::int64_t{pos})
                           .bind(3, question)
                           .bind(4, choice)
                           .bind(5, kind_name(kind))
                           .run());
    EQ_RETURN_IF_ERROR(bump_token(db));
    c.positions[key] = pos;
    c.column_count = pos + 1;
    return pos;
  }

  // 0 when the column already has 255 codes: the value is then left out
  // (no list in a survey comes near that).
  Result<int> code(Database& db, FormCache& c, int position, std::string_view value) {
    auto& codes = c.codes[position];
    if (auto it = codes.find(std::string(value)); it != codes.end()) return it->second;
    const int next = static_cast<int>(codes.size()) + 1;
    if (next > 255) return 0;
    EQ_ASSIGN_OR_RETURN(Statement ins,
                        db.prepare("INSERT INTO analysis_codes (form_ref, position, code, value) "
                                   "VALUES (?1, ?2, ?3, ?4)"));
    EQ_RETURN_IF_ERROR(ins.bind(1, c.form_ref)
                           .bind(2, std::int64_t{position})
                           .bind(3, std::int64_t{next})
                           .bind(4, value)
                           .run());
    EQ_RETURN_IF_ERROR(bump_token(db));
    codes.emplace(std::string(value), next);
    return next;
  }

  Result<const std::vector<PlanEntry>*> plan(Database& db, FormCache& c, const forms::Form& form) {
    if (auto it = c.plans.find(form.version); it != c.plans.end()) return &it->second;
    std::vector<PlanEntry> plan;
    Status failed;
    form.walk([&](const forms::Item& it, const std::vector<const forms::Item*>& parents) {
      for (const auto* p : parents) {
        if (p->type == forms::QuestionType::kRepeat) return true;  // inside a repeat: not coded
      }
      if (!it.takes_answer()) return true;
      PlanEntry e;
      e.name = it.name;
      if (it.type == forms::QuestionType::kSelectMultiple) {
        e.kind = ColumnKind::kMulti;
        if (const auto* list = form.list_for(it)) {
          for (const auto& ch : list->choices) {
            auto pos = column(db, c, it.name, ch.name, ColumnKind::kMulti);
            if (!pos.is_ok()) {
              failed = pos.status();
              return false;
            }
            e.choices.emplace_back(ch.name, *pos);
          }
        }
      } else {
        // A calculate is coded by its value in every version of a form,
        // whether or not a version reports it as an indicator, so that its
        // column means the same in all of them.
        e.kind = it.type == forms::QuestionType::kSelectOne ||
                         it.type == forms::QuestionType::kLikert ||
                         it.type == forms::QuestionType::kCalculate
                     ? ColumnKind::kOne
                     : ColumnKind::kAnswered;
        auto pos = column(db, c, it.name, "", e.kind);
        if (!pos.is_ok()) {
          failed = pos.status();
          return false;
        }
        e.position = *pos;
      }
      plan.push_back(std::move(e));
      return true;
    });
    EQ_RETURN_IF_ERROR(failed);
    return &c.plans.emplace(form.version, std::move(plan)).first->second;
  }

  Result<std::int64_t> round_ref(Database& db, FormCache& c, std::string_view round) {
    if (auto it = c.rounds.find(std::string(round)); it != c.rounds.end()) return it->second;
    EQ_ASSIGN_OR_RETURN(
        Statement ins, db.prepare("INSERT INTO analysis_rounds (form_ref, round) VALUES (?1, ?2)"));
    EQ_RETURN_IF_ERROR(ins.bind(1, c.form_ref).bind(2, round).run());
    EQ_RETURN_IF_ERROR(bump_token(db));
    const std::int64_t ref = db.last_insert_rowid();
    c.rounds.emplace(std::string(round), ref);
    return ref;
  }

  Result<std::int64_t> device_ref(Database& db, std::span<const std::uint8_t> id) {
    std::string key(reinterpret_cast<const char*>(id.data()), id.size());
    if (auto it = devices.find(key); it != devices.end()) return it->second;
    EQ_ASSIGN_OR_RETURN(Statement st, db.prepare("SELECT rowid FROM devices WHERE device_id = ?1"));
    st.bind(1, ByteView(id));
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    const std::int64_t ref = row ? st.column_int64(0) : 0;
    if (row) devices.emplace(std::move(key), ref);  // a device's rowid never changes
    return ref;
  }

  // Revisions of one submission id share it: only the latest has a row.
  // False when a later revision is stored already (this one came late);
  // otherwise removes the rows of earlier ones. Uses submissions' own
  // (submission_id, revision) index, whose pages the store just touched.
  Result<bool> replace_older_revisions(Database& db, FormCache& c, const StoredSubmission& s) {
    EQ_ASSIGN_OR_RETURN(Statement * st, stmt(db, kRevisions,
                                             "SELECT id, revision, round FROM submissions "
                                             "WHERE submission_id = ?1 AND id != ?2"));
    st->bind(1, ByteView(s.submission_id)).bind(2, s.rowid);
    std::vector<std::pair<std::int64_t, std::string>> older;
    for (;;) {
      EQ_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      if (st->column_int64(1) > s.revision) {
        st->reset();
        return false;
      }
      older.emplace_back(st->column_int64(0), st->column_text(2));
    }
    for (const auto& [rowid, round] : older) {
      EQ_ASSIGN_OR_RETURN(std::int64_t ref, round_ref(db, c, round));
      EQ_ASSIGN_OR_RETURN(
          Statement del,
          db.prepare("DELETE FROM analysis_rows WHERE form_ref = ?1 AND round_ref = ?2 "
                     "AND submission_rowid = ?3"));
      EQ_RETURN_IF_ERROR(del.bind(1, c.form_ref).bind(2, ref).bind(3, rowid).run());
    }
    return true;
  }

  Status encode(Database& db, FormCache& c, const std::vector<PlanEntry>& plan,
                const boost::json::object& answers, Bytes& out) {
    out.assign(static_cast<std::size_t>(c.column_count), 0);
    for (const PlanEntry& e : plan) {
      const auto* v = answers.if_contains(e.name);
      if (v == nullptr || !answered(*v)) continue;
      switch (e.kind) {
        case ColumnKind::kAnswered:
          out[static_cast<std::size_t>(e.position)] = 1;
          break;
        case ColumnKind::kOne: {
          if (!v->is_string()) break;
          EQ_ASSIGN_OR_RETURN(int code, code(db, c, e.position, v->get_string()));
          out[static_cast<std::size_t>(e.position)] = static_cast<std::uint8_t>(code);
          break;
        }
        case ColumnKind::kMulti: {
          if (!v->is_array()) break;
          for (const auto& [choice, pos] : e.choices) {
            bool chosen = false;
            for (const auto& x : v->get_array())
              chosen = chosen || (x.is_string() && x.get_string() == choice);
            out[static_cast<std::size_t>(pos)] = chosen ? 1 : 2;
          }
          break;
        }
      }
    }
    return Status::ok();
  }
};

AnalysisIndexer::AnalysisIndexer() : impl_(std::make_unique<Impl>()) {}
AnalysisIndexer::~AnalysisIndexer() = default;

namespace {
// CPU time of this thread, not the wall clock: the cost to the writer
// thread, whatever else the machine is doing.
std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
}  // namespace

Status AnalysisIndexer::add(Database& db, const StoredSubmission& s) {
  const std::int64_t started = thread_cpu_ns();
  Impl& m = *impl_;
  EQ_RETURN_IF_ERROR(m.check_token(db));
  EQ_ASSIGN_OR_RETURN(auto form, m.find_form(db, s.form_id, s.form_version));
  if (form && s.answers != nullptr) {
    EQ_ASSIGN_OR_RETURN(FormCache * c, m.form_cache(db, s.form_id));
    EQ_ASSIGN_OR_RETURN(const std::vector<PlanEntry>* plan, m.plan(db, *c, *form));
    EQ_ASSIGN_OR_RETURN(std::int64_t round, m.round_ref(db, *c, s.round));
    EQ_ASSIGN_OR_RETURN(std::int64_t device, m.device_ref(db, s.device_id));
    Bytes codes;
    EQ_RETURN_IF_ERROR(m.encode(db, *c, *plan, *s.answers, codes));
    // The collector's clock says when it was answered; a date before 2000
    // or after the day it arrived is a wrong clock, and the day it arrived
    // is the better guess (it also bounds the per-day tables of a report).
    const auto received_day = static_cast<std::int32_t>(s.received_at / 86400);
    std::int32_t day = day_number(s.submitted_at).value_or(received_day);
    if (day < kFirstPlausibleDay || (s.received_at > 0 && day > received_day + 1))
      day = received_day;
    EQ_ASSIGN_OR_RETURN(bool latest, m.replace_older_revisions(db, *c, s));
    // OR IGNORE: this very row is there already (a catch-up after the hook).
    EQ_ASSIGN_OR_RETURN(
        Statement * ins,
        m.stmt(db, Impl::kInsert,
               "INSERT OR IGNORE INTO analysis_rows (form_ref, round_ref, "
               "submission_rowid, device_ref, day, codes) VALUES (?1,?2,?3,?4,?5,?6)"));
    if (latest) {
      EQ_RETURN_IF_ERROR(ins->bind(1, c->form_ref)
                             .bind(2, round)
                             .bind(3, s.rowid)
                             .bind(4, device)
                             .bind(5, std::int64_t{day})
                             .bind(6, ByteView(codes))
                             .run());
    }
  }
  // The watermark moves only over a contiguous run of decoded submissions,
  // so rows stored before this store existed are still caught up later.
  EQ_ASSIGN_OR_RETURN(
      Statement * mark,
      m.stmt(
          db, Impl::kMark,
          "UPDATE analysis_meta SET value = ?1 WHERE key = 'indexed_through' AND value < ?1 "
          "AND NOT EXISTS (SELECT 1 FROM submissions WHERE id > analysis_meta.value AND id < ?1)"));
  EQ_RETURN_IF_ERROR(mark->bind(1, s.rowid).run());
  ++add_calls_;
  add_ns_ += thread_cpu_ns() - started;
  return Status::ok();
}

Result<std::size_t> AnalysisIndexer::catch_up(Database& db) {
  {
    EQ_ASSIGN_OR_RETURN(
        Statement st, db.prepare("SELECT (SELECT value FROM analysis_meta WHERE key = 'codec'), "
                                 "(SELECT value FROM analysis_meta WHERE key = 'indexed_through'), "
                                 "(SELECT COALESCE(MAX(id), 0) FROM submissions)"));
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (row && st.column_int64(0) == kCodec && st.column_int64(1) >= st.column_int64(2))
      return std::size_t{0};
  }
  std::size_t decoded = 0;
  std::int64_t cursor = 0;  // last id read: progress even if the watermark stalls
  for (;;) {
    Transaction tx(db);
    EQ_RETURN_IF_ERROR(tx.status());
    // Checked again under the write lock: another process may have done it.
    EQ_ASSIGN_OR_RETURN(std::int64_t codec, meta_value(db, "codec"));
    if (codec != kCodec) {
      EQ_RETURN_IF_ERROR(db.exec(
          "DELETE FROM analysis_rows; DELETE FROM analysis_codes; DELETE FROM analysis_columns; "
          "DELETE FROM analysis_rounds; DELETE FROM analysis_forms;"));
      EQ_RETURN_IF_ERROR(set_meta(db, "codec", kCodec));
      EQ_RETURN_IF_ERROR(set_meta(db, "indexed_through", 0));
      EQ_RETURN_IF_ERROR(impl_->bump_token(db));
      impl_->by_form.clear();  // its form and round references were just deleted
    }
    EQ_ASSIGN_OR_RETURN(std::int64_t through, meta_value(db, "indexed_through"));
    through = std::max(through, cursor);
    EQ_ASSIGN_OR_RETURN(
        Statement st,
        db.prepare("SELECT id, submission_id, revision, device_id, form_id, form_version, round, "
                   "submitted_at, received_at, "
                   "answers, code_flag FROM submissions WHERE id > ?1 ORDER BY id LIMIT ?2"));
    st.bind(1, through).bind(2, std::int64_t{kCatchUpChunk});
    int n = 0;
    for (;; ++n) {
      EQ_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      const Bytes sid = st.column_blob(1), did = st.column_blob(3);
      const std::string form_id = st.column_text(4), version = st.column_text(5),
                        round = st.column_text(6);
      const std::string submitted = st.column_text(7), text = st.column_text(9);
      boost::system::error_code ec;
      boost::json::value answers = boost::json::parse(text, ec);
      StoredSubmission s;
      s.rowid = st.column_int64(0);
      cursor = s.rowid;
      s.submission_id = sid;
      s.revision = st.column_int64(2);
      s.device_id = did;
      s.form_id = form_id;
      s.form_version = version;
      s.round = round;
      s.submitted_at = submitted;
      s.received_at = st.column_int64(8);
      // A response its code does not count (code_store.hpp) has no row.
      s.answers =
          !ec && answers.is_object() && st.column_int64(10) == 0 ? &answers.get_object() : nullptr;
      EQ_RETURN_IF_ERROR(add(db, s));
    }
    EQ_RETURN_IF_ERROR(tx.commit());
    decoded += static_cast<std::size_t>(n);
    if (n < kCatchUpChunk) break;
  }
  // A rolled-back chunk never reaches here; a committed one is in the cache.
  return decoded;
}

Result<AnalysisRowReader> AnalysisRowReader::open(Database& db, bool with_rowid) {
  // A raw statement: rows are read straight from SQLite's buffer, without the
  // allocation Statement::column_blob makes per row.
  const char* sql = with_rowid
                        ? "SELECT device_ref, day, codes, submission_rowid FROM analysis_rows "
                          "WHERE form_ref = ?1 AND round_ref = ?2"
                        : "SELECT device_ref, day, codes FROM analysis_rows WHERE form_ref = ?1 "
                          "AND round_ref = ?2";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &raw, nullptr) != SQLITE_OK) {
    sqlite3_finalize(raw);
    return Status::io_error(std::string("cannot read the analysis store: ") +
                            sqlite3_errmsg(db.handle()));
  }
  return AnalysisRowReader(db.handle(), raw);
}

Status for_each_round_row(
    Database& db, std::string_view form_id,
    const std::function<void(const std::string& round, std::int64_t rowid)>& visit) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db.prepare("SELECT r.round, a.submission_rowid FROM analysis_rows a "
                                 "JOIN analysis_forms f USING (form_ref) "
                                 "JOIN analysis_rounds r USING (round_ref) WHERE f.form_id = ?1"));
  st.bind(1, form_id);
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return Status::ok();
    visit(st.column_text(0), st.column_int64(1));
  }
}

}  // namespace equitas::server
