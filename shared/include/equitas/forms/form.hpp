// The form model: what a question is, how it is labelled in each language,
// when it shows and what makes its answer valid. One definition serves the
// collector (capture, the web UI) and the server (validation on ingest,
// codebooks, reports). The JSON format is documented in schema/README.md and
// described by schema/form.schema.json.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/forms/expression.hpp"

namespace equitas::forms {

// Text in several languages: language code ("en", "fr", "ar", ...) -> text.
class LangText {
 public:
  LangText() = default;
  explicit LangText(std::map<std::string, std::string> by_lang) : by_lang_(std::move(by_lang)) {}

  bool empty() const { return by_lang_.empty(); }
  // The text in `lang`, else in `fallback`, else any text, else "".
  const std::string& get(const std::string& lang, const std::string& fallback) const;
  bool has(const std::string& lang) const { return by_lang_.count(lang) != 0; }
  void set(const std::string& lang, std::string text) { by_lang_[lang] = std::move(text); }
  const std::map<std::string, std::string>& all() const { return by_lang_; }
  bool operator==(const LangText&) const = default;

 private:
  std::map<std::string, std::string> by_lang_;
};

enum class QuestionType {
  kText,
  kInteger,
  kDecimal,
  kDate,
  kSelectOne,
  kSelectMultiple,
  kLikert,       // a select_one whose list is a rating scale (see Choice::polarity)
  kNote,         // shows text, takes no answer
  kAcknowledge,  // answered by true
  kCalculate,    // computed by the engine from `calculation`
  kGroup,        // a section: holds items, takes no answer itself
  kRepeat,       // holds items; answered by an array of objects, one per row
  // Files (forms/file_answer.hpp): answered by an array of file references.
  kImage,
  kAudio,
  kVideo,
  kFile,
  // Answered by text in the XForms form (issue 19): "08:30:00" (seconds,
  // fraction and zone optional), "2026-11-23T08:30:00" (likewise), and a
  // point "latitude longitude [altitude [accuracy]]" in degrees and metres.
  // A location identifies a respondent: anonymous forms take no geopoint.
  kTime,
  kDateTime,
  kGeopoint,
  // Points as a geopoint's, joined by ';' (XForms geotrace and geoshape): a
  // line of 2 points or more, and a closed ring of 4 or more whose last
  // point is its first. Locations too: anonymous forms take neither.
  kGeotrace,
  kGeoshape,
  // Text read from a barcode or QR code (typed where the page has no
  // camera reader). A scanned code is near-unique by nature (a badge, a
  // card): anonymous forms take no barcode.
  kBarcode,
};

std::string_view question_type_name(QuestionType t);
std::optional<QuestionType> parse_question_type(std::string_view name);

// How a choice counts in reports.
enum class Polarity { kNone, kPositive, kNeutral, kNegative };

struct Choice {
  std::string name;  // the code stored in answers
  LangText label;
  Polarity polarity = Polarity::kNone;
  // Counted separately and left out of percentages ("don't know", "N/A").
  bool exclude = false;
  // GEOAT status points (0-4); absent when the choice scores nothing.
  std::optional<double> points;
  // Extra columns a choice_filter can test (XLSForm choices-sheet columns).
  std::map<std::string, std::string> filters;
  bool operator==(const Choice&) const = default;
};

struct ChoiceList {
  std::string name;
  std::vector<Choice> choices;
  // Where an XLSForm took the list from: "" for the choices sheet,
  // "external_choices" for that sheet (select_one_external), or the file
  // published with the form ("regions.csv", "sites.xml":
  // select_one_from_file). The choices are copied into the definition either
  // way, so they are signed and delivered with it; the source only lets an
  // XLSForm export write the list back where it came from.
  std::string source;
  const Choice* find(std::string_view name) const;
  bool operator==(const ChoiceList&) const = default;
};

// GEOAT scoring: where an indicator sits in the tool's structure.
struct ScoreRef {
  std::string principle;  // "P1" ... "P6", "X" for cross-cutting
  std::string element;    // "P1.A"
  std::string indicator;  // "P1.A.1"
  bool operator==(const ScoreRef&) const = default;
};

// A parsed expression together with its source text (kept for round trips
// and error messages).
struct ExprField {
  std::string source;
  std::shared_ptr<const Expr> expr;  // null when source is empty
  bool present() const { return expr != nullptr; }
  bool operator==(const ExprField& o) const { return source == o.source; }
};

// Limits of a file question (image, audio, video, file).
struct FileSpec {
  std::vector<std::string> accept;  // media types, "image/*" allowed; empty: the type's default
  std::int64_t max_bytes = 0;       // per file; 0: kDefaultMaxFileBytes
  int max_pixels = 0;               // images: the longer side is scaled down to this; 0: kept
  int max_files = 1;                // several files per question when > 1
  bool operator==(const FileSpec&) const = default;
};

struct Item {
  QuestionType type = QuestionType::kText;
  std::string name;
  LangText label;
  LangText hint;
  // `required` is either always (required_always) or an expression.
  bool required_always = false;
  ExprField required_if;
  LangText required_message;
  ExprField relevant;
  ExprField constraint;
  LangText constraint_message;
  ExprField calculation;
  std::string default_value;
  bool read_only = false;
  std::string list;  // choice list name, for select and likert types
  ExprField choice_filter;
  std::string appearance;
  bool or_other = false;   // select with a free-text "other" answer in NAME_other
  bool breakdown = false;  // a demographic dimension reports may break down by
  // In a team assessment, a contribution that names a site gives this
  // question's answer for that site, kept beside the other sites' (a
  // facility's status at each post visited; docs/assessments.md).
  bool per_site = false;
  // A calculate reported as an indicator: the share of respondents for each
  // of its list's codes (a prevalence, "yes"), by any breakdown, suppressed
  // like any cell (issue 15).
  bool indicator = false;
  std::optional<ScoreRef> score;
  FileSpec file;  // for image, audio, video and file questions
  // geopoint, geotrace and geoshape: the page keeps reading the device's
  // position until its accuracy is this good (metres; 0: the first
  // reading), as ODK's accuracyThreshold. Never a reason to refuse a typed
  // point.
  double accuracy_threshold = 0;
  // A select whose choices are offered in a shuffled order (XLSForm's
  // `randomize=true`), against the order effects of a fixed list. With a
  // seed, the order ODK gives for it; without one, an order kept for the
  // draft, so a reload does not reshuffle what the respondent has read.
  bool randomize = false;
  ExprField seed;
  // select_multiple only: a ranking (XLSForm's rank). The answer lists every
  // choice offered, most preferred first; exports give each choice its
  // position rather than 0/1, which would all be 1.
  bool rank = false;
  std::vector<Item> items;  // for groups and repeats
  bool operator==(const Item&) const = default;

  // Every expression the item holds, for the checks that read them all.
  std::array<const ExprField*, 6> expressions() const {
    return {&relevant, &constraint, &calculation, &required_if, &choice_filter, &seed};
  }
  std::array<ExprField*, 6> expressions() {
    return {&relevant, &constraint, &calculation, &required_if, &choice_filter, &seed};
  }

  bool takes_answer() const { return type != QuestionType::kNote && type != QuestionType::kGroup; }
  // geopoint, geotrace or geoshape: answered by where someone was.
  bool is_location() const {
    return type == QuestionType::kGeopoint || type == QuestionType::kGeotrace ||
           type == QuestionType::kGeoshape;
  }
  bool is_select() const {
    return type == QuestionType::kSelectOne || type == QuestionType::kSelectMultiple ||
           type == QuestionType::kLikert;
  }
};

struct Form {
  std::string id;
  std::string version;
  LangText title;
  LangText description;  // says which source or edition the form follows
  std::string default_language = "en";
  std::vector<std::string> languages;
  bool anonymous = false;
  // One response per person: the page asks for a single-use response code
  // that HQ issued for the round (`sync-server codes issue`), checked on the
  // collector offline and again on the server (wire/response_codes.hpp).
  bool response_codes = false;
  // A submitted response stays on the collector, encrypted, readable by the
  // post's admin behind the PIN for draft_limits::kRecordExpiry, so that it
  // can be corrected: the correction is the same submission's next revision.
  // Never for an anonymous form.
  bool revisable = false;
  // XLSForm's allow_choice_duplicates: a list may hold one code twice (with
  // different filter columns); an answer is that code, whichever it was.
  bool allow_choice_duplicates = false;
  int suppression_threshold = 10;
  std::map<std::string, ChoiceList> lists;
  std::vector<Item> items;
  bool operator==(const Form&) const = default;

  const ChoiceList* list_for(const Item& item) const;
  // Every item, depth first, with the chain of groups/repeats above it.
  // Stops early when `visit` returns false.
  void walk(
      const std::function<bool(const Item&, const std::vector<const Item*>& parents)>& visit) const;
  const Item* find(std::string_view name) const;
};

// A team assessment form (the GEOAT): its indicators are scored. The
// assessment team fills it in, behind the collector's admin PIN or as
// contributions to a shared assessment; it is not a respondents' survey.
// The action plan's progress update (below) is the team's too.
bool is_team_form(const Form& form);

// Whether any question of the form is given per site (Item::per_site): only
// then may a team contribution name a site.
bool has_per_site_questions(const Form& form);

// The bundled form of a team member's update to one action of an adopted
// action plan (schema/forms/geoat-action-update.json): the server applies
// a response to the action it names, in the transaction that stores it
// (sync-server/src/sync/intake.cpp). It is sent from the team page's
// action plan, never filled in as a form of its own.
inline constexpr std::string_view kActionUpdateForm = "geoat-action-update";
// Its progress note's longest, in bytes: the server refuses a longer one.
inline constexpr std::size_t kMaxActionNoteBytes = 2000;

}  // namespace equitas::forms
