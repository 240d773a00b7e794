#include "equitas/forms/form_json.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <limits>
#include <set>

#include "equitas/forms/file_answer.hpp"
#include "equitas/util/json_text.hpp"

namespace equitas::forms {
namespace {

namespace json = boost::json;

// Collects problems instead of stopping at the first, so a form author sees
// them all at once.
class Problems {
 public:
  void add(std::string p) { list_.push_back(std::move(p)); }
  bool empty() const { return list_.empty(); }
  const std::vector<std::string>& list() const { return list_; }
  Status status(std::string_view what) const {
    std::string m(what);
    for (const auto& p : list_) m += "\n  " + p;
    return Status::invalid_argument(m);
  }

 private:
  std::vector<std::string> list_;
};

std::string where(std::string_view item) { return "item '" + std::string(item) + "'"; }

LangText read_text(const json::object& o, std::string_view key, const std::string& ctx,
                   Problems& p) {
  LangText t;
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return t;
  if (v->is_string()) {  // a bare string is the default language's text
    t.set("", std::string(v->get_string()));
    return t;
  }
  if (!v->is_object()) {
    p.add(ctx + " " + std::string(key) + ": must be an object of language -> text");
    return t;
  }
  for (const auto& kv : v->get_object()) {
    if (!kv.value().is_string()) {
      p.add(ctx + " " + std::string(key) + "." + std::string(kv.key()) + ": must be text");
      continue;
    }
    t.set(std::string(kv.key()), std::string(kv.value().get_string()));
  }
  return t;
}

std::string read_string(const json::object& o, std::string_view key, const std::string& ctx,
                        Problems& p) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "";
  if (!v->is_string()) {
    p.add(ctx + " " + std::string(key) + ": must be text");
    return "";
  }
  return std::string(v->get_string());
}

bool read_bool(const json::object& o, std::string_view key, const std::string& ctx, Problems& p) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return false;
  if (!v->is_bool()) {
    p.add(ctx + " " + std::string(key) + ": must be true or false");
    return false;
  }
  return v->get_bool();
}

ExprField read_expr(const json::object& o, std::string_view key, const std::string& name,
                    Problems& p) {
  const std::string src = read_string(o, key, where(name), p);
  auto f = parse_expr_field(src, name, key);
  if (!f.is_ok()) {
    p.add(f.status().message());
    return ExprField{src, nullptr};
  }
  return *f;
}

// Resolves a bare-string text (set under "") to the form's default language.
void settle(LangText& t, const std::string& default_language) {
  if (!t.has("")) return;
  std::map<std::string, std::string> all = t.all();
  std::string text = all[""];
  all.erase("");
  if (!all.count(default_language)) all[default_language] = std::move(text);
  t = LangText(std::move(all));
}

constexpr std::string_view kItemKeys[] = {"type",
                                          "name",
                                          "label",
                                          "hint",
                                          "required",
                                          "required_message",
                                          "relevant",
                                          "constraint",
                                          "constraint_message",
                                          "calculation",
                                          "default",
                                          "read_only",
                                          "list",
                                          "choice_filter",
                                          "appearance",
                                          "or_other",
                                          "breakdown",
                                          "per_site",
                                          "indicator",
                                          "score",
                                          "file",
                                          "items",
                                          "accuracy_threshold",
                                          "randomize",
                                          "seed",
                                          "rank"};

constexpr std::string_view kFileKeys[] = {"accept", "max_bytes", "max_pixels", "max_files"};

// A whole number member of `o`, or nullopt: absent, or not a whole number
// (a problem added).
std::optional<std::int64_t> read_whole(const json::object& o, std::string_view key,
                                       const std::string& ctx, Problems& p) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_int64()) {
    p.add(ctx + " " + std::string(key) + ": must be a whole number");
    return std::nullopt;
  }
  return v->get_int64();
}

// An item's "file": the limits of a file question. Ranges are check_form's.
void read_file_spec(const json::object& o, const std::string& ctx, Problems& p, FileSpec& spec) {
  const json::value* v = o.if_contains("file");
  if (v == nullptr) return;
  const std::string fctx = ctx + " file";
  if (!v->is_object()) {
    p.add(fctx + ": must be an object");
    return;
  }
  const json::object& f = v->get_object();
  for (const auto& kv : f) {
    if (std::find(std::begin(kFileKeys), std::end(kFileKeys), kv.key()) == std::end(kFileKeys)) {
      p.add(fctx + ": unknown key '" + std::string(kv.key()) + "'");
    }
  }
  if (const json::value* accept = f.if_contains("accept")) {
    const bool strings =
        accept->is_array() && std::all_of(accept->get_array().begin(), accept->get_array().end(),
                                          [](const json::value& a) { return a.is_string(); });
    if (!strings) {
      p.add(fctx + " accept: must be an array of media types");
    } else {
      for (const auto& a : accept->get_array()) spec.accept.emplace_back(a.get_string());
    }
  }
  if (const auto n = read_whole(f, "max_bytes", fctx, p)) {
    // 0 is how the model says "the default": written out, it is a mistake.
    if (*n == 0) p.add(fctx + " max_bytes: must be from 1 to " + std::to_string(kMaxFileBytes));
    spec.max_bytes = *n;
  }
  constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
  for (const auto& [key, field] :
       {std::pair{"max_pixels", &spec.max_pixels}, std::pair{"max_files", &spec.max_files}}) {
    if (const auto n = read_whole(f, key, fctx, p))
      *field = static_cast<int>(std::clamp<std::int64_t>(*n, -1, kIntMax));
  }
}

Item read_item(const json::value& v, const std::string& lang, Problems& p) {
  Item it;
  if (!v.is_object()) {
    p.add("an item is not a JSON object");
    return it;
  }
  const auto& o = v.get_object();
  it.name = read_string(o, "name", "an item", p);
  const std::string ctx = where(it.name.empty() ? "(no name)" : it.name);
  for (const auto& kv : o) {
    if (std::find(std::begin(kItemKeys), std::end(kItemKeys), kv.key()) == std::end(kItemKeys)) {
      p.add(ctx + ": unknown key '" + std::string(kv.key()) + "'");
    }
  }
  const std::string type = read_string(o, "type", ctx, p);
  if (auto t = parse_question_type(type)) {
    it.type = *t;
  } else {
    p.add(ctx + ": unknown type '" + type + "'");
  }
  it.label = read_text(o, "label", ctx, p);
  it.hint = read_text(o, "hint", ctx, p);
  it.required_message = read_text(o, "required_message", ctx, p);
  it.constraint_message = read_text(o, "constraint_message", ctx, p);
  for (LangText* t : {&it.label, &it.hint, &it.required_message, &it.constraint_message})
    settle(*t, lang);
  if (const json::value* r = o.if_contains("required")) {
    if (r->is_bool()) {
      it.required_always = r->get_bool();
    } else if (r->is_string()) {
      it.required_if = read_expr(o, "required", it.name, p);
    } else {
      p.add(ctx + " required: must be true, false or an expression");
    }
  }
  it.relevant = read_expr(o, "relevant", it.name, p);
  it.constraint = read_expr(o, "constraint", it.name, p);
  it.calculation = read_expr(o, "calculation", it.name, p);
  it.choice_filter = read_expr(o, "choice_filter", it.name, p);
  it.default_value = read_string(o, "default", ctx, p);
  it.read_only = read_bool(o, "read_only", ctx, p);
  it.list = read_string(o, "list", ctx, p);
  it.appearance = read_string(o, "appearance", ctx, p);
  it.or_other = read_bool(o, "or_other", ctx, p);
  it.rank = read_bool(o, "rank", ctx, p);
  if (it.rank && it.type != QuestionType::kSelectMultiple)
    p.add(ctx + ": only a select_multiple takes \"rank\"");
  it.randomize = read_bool(o, "randomize", ctx, p);
  it.seed = read_expr(o, "seed", it.name, p);
  if ((it.randomize || it.seed.present()) && !it.is_select()) {
    p.add(ctx + ": only a select takes \"randomize\" and \"seed\"");
  } else if (it.seed.present() && !it.randomize) {
    p.add(ctx +
          ": \"seed\" orders the choices of a randomized select: give \"randomize\": true too");
  }
  it.breakdown = read_bool(o, "breakdown", ctx, p);
  it.per_site = read_bool(o, "per_site", ctx, p);
  if (it.per_site && !it.takes_answer()) p.add(ctx + ": only a question takes \"per_site\"");
  it.indicator = read_bool(o, "indicator", ctx, p);
  if (const json::value* s = o.if_contains("score")) {
    if (!s->is_object()) {
      p.add(ctx + " score: must be an object");
    } else {
      ScoreRef ref;
      ref.principle = read_string(s->get_object(), "principle", ctx + " score", p);
      ref.element = read_string(s->get_object(), "element", ctx + " score", p);
      ref.indicator = read_string(s->get_object(), "indicator", ctx + " score", p);
      it.score = ref;
    }
  }
  read_file_spec(o, ctx, p, it.file);
  if (const json::value* a = o.if_contains("accuracy_threshold")) {
    if (!it.is_location()) {
      p.add(ctx + ": only a geopoint, geotrace or geoshape takes \"accuracy_threshold\"");
    } else if (!a->is_number() || !(a->to_number<double>() >= 0) || a->to_number<double>() > 1e6) {
      p.add(ctx + " accuracy_threshold: must be a number of metres, 0 or more");
    } else {
      it.accuracy_threshold = a->to_number<double>();
    }
  }
  if (o.contains("file") && !is_file_question(it)) {
    p.add(ctx + ": only image, audio, video and file questions take \"file\"");
    it.file = FileSpec{};  // named once, here, rather than again by check_form
  }
  if (const json::value* children = o.if_contains("items")) {
    if (!children->is_array()) {
      p.add(ctx + " items: must be an array");
    } else {
      for (const auto& c : children->get_array()) it.items.push_back(read_item(c, lang, p));
    }
  }
  return it;
}

Choice read_choice(const json::value& v, const std::string& list, const std::string& lang,
                   Problems& p) {
  Choice c;
  const std::string ctx = "list '" + list + "'";
  if (!v.is_object()) {
    p.add(ctx + ": a choice is not a JSON object");
    return c;
  }
  const auto& o = v.get_object();
  c.name = read_string(o, "name", ctx, p);
  c.label = read_text(o, "label", ctx + " choice '" + c.name + "'", p);
  settle(c.label, lang);
  const std::string pol = read_string(o, "polarity", ctx, p);
  if (pol == "positive")
    c.polarity = Polarity::kPositive;
  else if (pol == "neutral")
    c.polarity = Polarity::kNeutral;
  else if (pol == "negative")
    c.polarity = Polarity::kNegative;
  else if (!pol.empty())
    p.add(ctx + " choice '" + c.name + "': polarity must be positive, neutral or negative");
  c.exclude = read_bool(o, "exclude", ctx, p);
  if (const json::value* pts = o.if_contains("points")) {
    if (pts->is_number())
      c.points = pts->to_number<double>();
    else
      p.add(ctx + " choice '" + c.name + "': points must be a number");
  }
  if (const json::value* f = o.if_contains("filters")) {
    if (!f->is_object()) {
      p.add(ctx + " choice '" + c.name + "': filters must be an object");
    } else {
      for (const auto& kv : f->get_object()) {
        c.filters[std::string(kv.key())] = kv.value().is_string()
                                               ? std::string(kv.value().get_string())
                                               : json::serialize(kv.value());
      }
    }
  }
  return c;
}

json::object text_json(const LangText& t) {
  json::object o;
  for (const auto& [lang, text] : t.all()) o[lang] = text;
  return o;
}

// Only what differs from the defaults.
json::object file_spec_json(const FileSpec& spec) {
  json::object o;
  if (!spec.accept.empty()) {
    json::array accept;
    for (const auto& a : spec.accept) accept.emplace_back(a);
    o["accept"] = std::move(accept);
  }
  if (spec.max_bytes != 0) o["max_bytes"] = spec.max_bytes;
  if (spec.max_pixels != 0) o["max_pixels"] = spec.max_pixels;
  if (spec.max_files != 1) o["max_files"] = spec.max_files;
  return o;
}

json::object item_json(const Item& it) {
  json::object o;
  o["type"] = question_type_name(it.type);
  o["name"] = it.name;
  if (!it.label.empty()) o["label"] = text_json(it.label);
  if (!it.hint.empty()) o["hint"] = text_json(it.hint);
  if (it.required_always) o["required"] = true;
  if (it.required_if.present()) o["required"] = it.required_if.source;
  if (!it.required_message.empty()) o["required_message"] = text_json(it.required_message);
  if (it.relevant.present()) o["relevant"] = it.relevant.source;
  if (it.constraint.present()) o["constraint"] = it.constraint.source;
  if (!it.constraint_message.empty()) o["constraint_message"] = text_json(it.constraint_message);
  if (it.calculation.present()) o["calculation"] = it.calculation.source;
  if (!it.default_value.empty()) o["default"] = it.default_value;
  if (it.read_only) o["read_only"] = true;
  if (!it.list.empty()) o["list"] = it.list;
  if (it.choice_filter.present()) o["choice_filter"] = it.choice_filter.source;
  if (!it.appearance.empty()) o["appearance"] = it.appearance;
  if (it.or_other) o["or_other"] = true;
  if (it.rank) o["rank"] = true;
  if (it.randomize) o["randomize"] = true;
  if (it.seed.present()) o["seed"] = it.seed.source;
  if (it.breakdown) o["breakdown"] = true;
  if (it.per_site) o["per_site"] = true;
  if (it.indicator) o["indicator"] = true;
  if (it.score) {
    o["score"] = {{"principle", it.score->principle},
                  {"element", it.score->element},
                  {"indicator", it.score->indicator}};
  }
  if (it.file != FileSpec{}) o["file"] = file_spec_json(it.file);
  if (it.accuracy_threshold > 0) o["accuracy_threshold"] = it.accuracy_threshold;
  if (!it.items.empty()) {
    json::array children;
    for (const auto& c : it.items) children.push_back(item_json(c));
    o["items"] = std::move(children);
  }
  return o;
}

// An RFC 6838 restricted-name ("image", "vnd.oasis.opendocument.text").
bool media_name(std::string_view s) {
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (s.empty() || s.size() > 127 || !alnum(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return alnum(c) || std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
  });
}

// An entry of a file question's accept: "application/pdf" or "image/*".
bool valid_accept(std::string_view a) {
  const auto slash = a.find('/');
  if (a.size() > kMaxMediaTypeBytes || slash == std::string_view::npos) return false;
  const std::string_view sub = a.substr(slash + 1);
  return media_name(a.substr(0, slash)) && (sub == "*" || media_name(sub));
}

// The rules of a file question, inside `parents`.
void check_file_question(const Form& form, const Item& it, const std::vector<const Item*>& parents,
                         std::vector<std::string>& out) {
  const std::string w = where(it.name);
  if (form.anonymous) {
    out.push_back(
        w +
        ": an anonymous form cannot ask for files: a photo, a voice or a document can identify the "
        "respondent");
  }
  // A team assessment's files are merged field by field from members'
  // contributions (assessment_merge.cpp) and shown on its page by field:
  // both know top-level fields only. A respondents' form may ask for a file
  // in every row of a repeat.
  for (const Item* p : parents) {
    if (p->type == QuestionType::kRepeat && is_team_form(form)) {
      out.push_back(
          w + ": a team assessment cannot ask for files inside a repeat (it is in repeat '" +
          p->name +
          "'): its evidence is merged field by field; put the question outside the repeat");
      break;
    }
  }
  if (it.calculation.present() || !it.default_value.empty()) {
    out.push_back(w + ": a file question cannot have a calculation or a default");
  }
  const FileSpec& f = it.file;
  if (f.max_bytes < 0 || f.max_bytes > kMaxFileBytes) {
    out.push_back(w + ": file max_bytes must be from 1 to " + std::to_string(kMaxFileBytes) +
                  " (64 MiB)");
  }
  if (f.max_files < 1 || f.max_files > kMaxFilesPerQuestion) {
    out.push_back(w + ": file max_files must be from 1 to " + std::to_string(kMaxFilesPerQuestion));
  }
  if (f.max_pixels < 0)
    out.push_back(w + ": file max_pixels must be 0 (images kept as they are) or more");
  // An image question, or a file question that may take images (the
  // GEOAT's evidence: photos and documents), scales its images.
  const bool takes_images =
      it.type == QuestionType::kImage ||
      (it.type == QuestionType::kFile &&
       (f.accept.empty() || std::any_of(f.accept.begin(), f.accept.end(), [](const std::string& a) {
          return a.rfind("image/", 0) == 0;
        })));
  if (f.max_pixels > 0 && !takes_images) {
    out.push_back(w + ": file max_pixels is only for questions that take images");
  }
  for (const auto& a : f.accept) {
    if (!valid_accept(a)) {
      out.push_back(w + ": file accept '" + a +
                    "' is not a media type such as application/pdf or image/*");
    }
  }
}

}  // namespace

Result<ExprField> parse_expr_field(std::string_view source, std::string_view question,
                                   std::string_view field) {
  ExprField f;
  f.source = std::string(source);
  if (source.empty()) return f;
  auto e = Expr::parse(source);
  if (!e.is_ok()) {
    return Status::invalid_argument(where(question) + " " + std::string(field) + " '" +
                                    std::string(source) + "': " + e.status().message());
  }
  f.expr = std::make_shared<const Expr>(std::move(e).value());
  return f;
}

Result<Form> form_from_json(const json::value& v) {
  if (!v.is_object()) return Status::invalid_argument("a form definition must be a JSON object");
  const auto& o = v.get_object();
  Problems p;
  Form f;
  f.id = read_string(o, "id", "form", p);
  f.version = read_string(o, "version", "form", p);
  f.default_language = read_string(o, "default_language", "form", p);
  if (f.default_language.empty()) f.default_language = "en";
  f.title = read_text(o, "title", "form", p);
  f.description = read_text(o, "description", "form", p);
  settle(f.title, f.default_language);
  settle(f.description, f.default_language);
  f.anonymous = read_bool(o, "anonymous", "form", p);
  f.response_codes = read_bool(o, "response_codes", "form", p);
  f.revisable = read_bool(o, "revisable", "form", p);
  if (f.revisable && f.anonymous) {
    p.add(
        "form revisable: an anonymous form keeps no copy of a response, so it cannot be "
        "revisable");
  }
  f.allow_choice_duplicates = read_bool(o, "allow_choice_duplicates", "form", p);
  if (const json::value* t = o.if_contains("suppression_threshold")) {
    if (t->is_int64() && t->get_int64() >= 1 && t->get_int64() <= 1000) {
      f.suppression_threshold = static_cast<int>(t->get_int64());
    } else {
      p.add("form suppression_threshold: must be a whole number from 1 to 1000");
    }
  }
  if (const json::value* langs = o.if_contains("languages")) {
    if (!langs->is_array()) {
      p.add("form languages: must be an array of language codes");
    } else {
      for (const auto& l : langs->get_array()) {
        if (l.is_string()) f.languages.emplace_back(l.get_string());
      }
    }
  }
  if (const json::value* lists = o.if_contains("lists")) {
    if (!lists->is_object()) {
      p.add("form lists: must be an object of list name -> choices");
    } else {
      for (const auto& kv : lists->get_object()) {
        ChoiceList list;
        list.name = std::string(kv.key());
        if (!kv.value().is_array()) {
          p.add("list '" + list.name + "': must be an array of choices");
          continue;
        }
        for (const auto& c : kv.value().get_array()) {
          list.choices.push_back(read_choice(c, list.name, f.default_language, p));
        }
        f.lists.emplace(list.name, std::move(list));
      }
    }
  }
  if (const json::value* sources = o.if_contains("list_sources")) {
    if (!sources->is_object()) {
      p.add("form list_sources: must be an object of list name -> source");
    } else {
      for (const auto& kv : sources->get_object()) {
        auto it = f.lists.find(std::string(kv.key()));
        if (it == f.lists.end()) {
          p.add("list_sources: '" + std::string(kv.key()) + "' is not a list of the form");
        } else if (!kv.value().is_string()) {
          p.add("list_sources: the source of '" + it->first + "' must be a string");
        } else {
          it->second.source = std::string(kv.value().get_string());
        }
      }
    }
  }
  const json::value* items = o.if_contains("items");
  if (items == nullptr || !items->is_array()) {
    p.add("form items: must be an array");
  } else {
    for (const auto& it : items->get_array())
      f.items.push_back(read_item(it, f.default_language, p));
  }
  for (const auto& problem : check_form(f)) p.add(problem);
  if (!p.empty()) {
    return p.status("form '" + f.id + "' has " + std::to_string(p.list().size()) + " problem(s):");
  }
  return f;
}

Result<Form> load_form_json(std::string_view text) {
  EQ_ASSIGN_OR_RETURN(json::value v,
                      parse_json_text(text, "the form definition is not valid JSON"));
  return form_from_json(v);
}

json::value form_to_json(const Form& f) {
  json::object o;
  o["id"] = f.id;
  o["version"] = f.version;
  o["title"] = text_json(f.title);
  if (!f.description.empty()) o["description"] = text_json(f.description);
  o["default_language"] = f.default_language;
  json::array langs;
  for (const auto& l : f.languages) langs.emplace_back(l);
  o["languages"] = std::move(langs);
  o["anonymous"] = f.anonymous;
  if (f.response_codes) o["response_codes"] = true;
  if (f.revisable) o["revisable"] = true;
  if (f.allow_choice_duplicates) o["allow_choice_duplicates"] = true;
  o["suppression_threshold"] = f.suppression_threshold;
  json::object lists;
  for (const auto& [name, list] : f.lists) {
    json::array choices;
    for (const auto& c : list.choices) {
      json::object co;
      co["name"] = c.name;
      co["label"] = text_json(c.label);
      if (c.polarity == Polarity::kPositive) co["polarity"] = "positive";
      if (c.polarity == Polarity::kNeutral) co["polarity"] = "neutral";
      if (c.polarity == Polarity::kNegative) co["polarity"] = "negative";
      if (c.exclude) co["exclude"] = true;
      if (c.points) co["points"] = *c.points;
      if (!c.filters.empty()) {
        json::object fo;
        for (const auto& [k, v] : c.filters) fo[k] = v;
        co["filters"] = std::move(fo);
      }
      choices.push_back(std::move(co));
    }
    lists[name] = std::move(choices);
  }
  o["lists"] = std::move(lists);
  json::object sources;
  for (const auto& [name, list] : f.lists) {
    if (!list.source.empty()) sources[name] = list.source;
  }
  if (!sources.empty()) o["list_sources"] = std::move(sources);
  json::array items;
  for (const auto& it : f.items) items.push_back(item_json(it));
  o["items"] = std::move(items);
  return o;
}

std::string save_form_json(const Form& form) { return json::serialize(form_to_json(form)); }

bool valid_form_id(std::string_view id) {
  if (id.empty() || id.size() > 128 || id[0] == '_' || id[0] == '-') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool valid_item_name(std::string_view name) {
  const auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (name.empty() || !(letter(name[0]) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

static bool valid_list_source(std::string_view list, std::string_view source) {
  // "external_choices:NAME": the sheet's list NAME, renamed because the
  // choices sheet has a list of that name too.
  if (source.empty() || source == "external_choices" ||
      (source.starts_with("external_choices:") && source.size() > 17)) {
    return true;
  }
  for (std::string_view ext : {".csv", ".xml"}) {
    if (source.size() == list.size() + ext.size() && source.substr(0, list.size()) == list &&
        source.substr(list.size()) == ext) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> check_form(const Form& form) {
  std::vector<std::string> out;
  if (!valid_form_id(form.id)) {
    out.push_back("form id '" + form.id +
                  "' must be lower-case letters, digits, '-' or '_' (at most 128)");
  }
  if (form.version.empty() || form.version.size() > 64)
    out.push_back("form version must be 1 to 64 characters");
  if (form.items.empty()) out.push_back("form has no items");
  std::set<std::string> names;
  form.walk([&](const Item& it, const std::vector<const Item*>& parents) {
    const std::string w = where(it.name);
    if (!valid_item_name(it.name)) out.push_back(w + ": not a valid name");
    if (!names.insert(it.name).second) out.push_back(w + ": the name is used twice");
    if (it.is_select()) {
      if (it.list.empty())
        out.push_back(w + ": needs a choice list");
      else if (!form.lists.count(it.list))
        out.push_back(w + ": unknown choice list '" + it.list + "'");
    }
    if ((it.type == QuestionType::kGroup || it.type == QuestionType::kRepeat) && it.items.empty()) {
      out.push_back(w + ": a " + std::string(question_type_name(it.type)) + " needs items");
    }
    if (it.type != QuestionType::kGroup && it.type != QuestionType::kRepeat && !it.items.empty()) {
      out.push_back(w + ": only groups and repeats hold items");
    }
    if (it.type == QuestionType::kCalculate && !it.calculation.present()) {
      out.push_back(w + ": a calculate needs a calculation");
    }
    if (is_file_question(it)) {
      check_file_question(form, it, parents, out);
    } else if (it.file != FileSpec{}) {
      out.push_back(w + ": only image, audio, video and file questions take file limits");
    }
    if (it.is_location() && form.anonymous) {
      out.push_back(w + ": a " + std::string(question_type_name(it.type)) +
                    " records where the respondent was, which identifies them; an anonymous form "
                    "takes no location");
    }
    if (it.type == QuestionType::kBarcode && form.anonymous) {
      out.push_back(
          w +
          ": a barcode reads a code that is near-unique by nature (a badge, a card, a document), "
          "which singles out whoever it belongs to; an anonymous form takes none");
    }
    if (it.type == QuestionType::kDateTime && form.anonymous) {
      out.push_back(
          w +
          ": a datetime records a moment to the second, which singles the respondent out as a "
          "submission time would; an anonymous form asks for a date or a time of day instead");
    }
    if (it.indicator) {
      // Reported by its codes: they need a list to be labelled and ordered,
      // and a label to be read.
      if (it.type != QuestionType::kCalculate)
        out.push_back(w + ": only a calculate can be an indicator");
      if (it.list.empty())
        out.push_back(w + ": an indicator needs the choice list of its values");
      else if (!form.lists.count(it.list))
        out.push_back(w + ": unknown choice list '" + it.list + "'");
      if (it.label.empty()) out.push_back(w + ": an indicator needs a label");
    }
    return true;
  });
  // Every ${name} must exist.
  form.walk([&](const Item& it, const std::vector<const Item*>&) {
    for (const ExprField* e : it.expressions()) {
      if (!e->present()) continue;
      for (const auto& ref : e->expr->references()) {
        if (!names.count(ref))
          out.push_back(where(it.name) + ": refers to ${" + ref + "}, which does not exist");
      }
      for (const auto& list : e->expr->instances()) {
        if (!form.lists.count(list)) {
          out.push_back(where(it.name) + ": reads instance('" + list +
                        "'), but the form has no choice list '" + list + "'");
        }
      }
    }
    return true;
  });
  for (const auto& [name, list] : form.lists) {
    std::set<std::string> codes;
    if (!valid_list_source(name, list.source)) {
      out.push_back("list '" + name + "': source '" + list.source +
                    "' must be \"external_choices\", "
                    "\"external_choices:NAME\" or the list's name with .csv or .xml");
    }
    if (list.choices.empty()) out.push_back("list '" + name + "' has no choices");
    for (const auto& c : list.choices) {
      if (c.name.empty()) out.push_back("list '" + name + "' has a choice without a name");
      if (!codes.insert(c.name).second && !form.allow_choice_duplicates)
        out.push_back("list '" + name + "': choice '" + c.name + "' appears twice");
    }
  }
  return out;
}

std::vector<std::string> missing_translations(const Form& form) {
  std::vector<std::string> out;
  auto check = [&](const LangText& t, const std::string& what) {
    if (t.empty()) return;
    for (const auto& lang : form.languages) {
      if (!t.has(lang) || t.get(lang, lang).empty()) out.push_back(what + ": no '" + lang + "'");
    }
  };
  check(form.title, "form title");
  check(form.description, "form description");
  form.walk([&](const Item& it, const std::vector<const Item*>&) {
    check(it.label, where(it.name) + " label");
    check(it.hint, where(it.name) + " hint");
    check(it.required_message, where(it.name) + " required_message");
    check(it.constraint_message, where(it.name) + " constraint_message");
    return true;
  });
  for (const auto& [name, list] : form.lists) {
    for (const auto& c : list.choices)
      check(c.label, "list '" + name + "' choice '" + c.name + "'");
  }
  return out;
}

}  // namespace equitas::forms
