#include "equitas/forms/file_answer.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <set>

#include "equitas/forms/form.hpp"

namespace equitas::forms {
namespace {

namespace json = boost::json;

constexpr std::string_view kMembers[] = {"id", "sha256", "size", "type", "name", "key"};

bool lower_hex(std::string_view s, std::size_t digits) {
  if (s.size() != digits) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// An RFC 6838 restricted-name: a letter or digit, then letters, digits and
// !#$&-^_.+
bool media_name(std::string_view s) {
  if (s.empty() || s.size() > 127) return false;
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(s[0])) return false;
  for (const char c : s) {
    if (!alnum(c) && std::string_view("!#$&-^_.+").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// "image/jpeg": a concrete media type, no wildcard and no parameters.
bool concrete_media_type(std::string_view s) {
  if (s.size() > kMaxMediaTypeBytes) return false;
  const auto slash = s.find('/');
  return slash != std::string_view::npos && media_name(s.substr(0, slash)) &&
         media_name(s.substr(slash + 1));
}

// Why `name` cannot be a file's display name, or "". Control characters
// (C0, DEL, C1) and the bidirectional overrides and isolates, which make a
// name read differently from what it is ("gpj.exe" shown as "exe.jpg"), are
// refused, and so is anything a path could be built from.
std::string_view bad_name(std::string_view name) {
  if (name.size() > kMaxFileNameBytes) return "is longer than 200 bytes";
  if (name == "." || name == "..") return "is not a file name";
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto b = static_cast<unsigned char>(name[i]);
    if (b < 0x20 || b == 0x7F) return "holds a control character";
    if (b == '/' || b == '\\') return "holds '/' or '\\'";
    const auto next = [&](std::size_t k) {
      return i + k < name.size() ? static_cast<unsigned char>(name[i + k]) : 0;
    };
    if (b == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) return "holds a control character";
    if (b == 0xE2 && ((next(1) == 0x80 && next(2) >= 0xAA && next(2) <= 0xAE) ||
                      (next(1) == 0x81 && next(2) >= 0xA6 && next(2) <= 0xA9))) {
      return "holds a bidirectional control character";
    }
  }
  return "";
}

Status bad(const Item& item, std::size_t index, const std::string& what) {
  return Status::invalid_argument("'" + item.name + "' file " + std::to_string(index + 1) + ": " +
                                  what);
}

Result<FileRef> parse_ref(const json::value& v, const Item& item, std::size_t index,
                          bool key_required) {
  if (!v.is_object()) return bad(item, index, "must be an object");
  const json::object& o = v.get_object();
  for (const auto& kv : o) {
    if (std::find(std::begin(kMembers), std::end(kMembers), kv.key()) == std::end(kMembers)) {
      return bad(item, index, "unknown member '" + std::string(kv.key()) + "'");
    }
  }
  const auto text = [&](std::string_view key) -> const json::string* {
    const json::value* m = o.if_contains(key);
    return m != nullptr && m->is_string() ? &m->get_string() : nullptr;
  };
  FileRef ref;
  const json::string* id = text("id");
  if (id == nullptr || !lower_hex(*id, kFileIdHex))
    return bad(item, index, "id must be 32 lowercase hex digits");
  ref.id = std::string(*id);
  const json::string* hash = text("sha256");
  if (hash == nullptr || !lower_hex(*hash, kFileHashHex)) {
    return bad(item, index, "sha256 must be 64 lowercase hex digits");
  }
  ref.sha256 = std::string(*hash);
  const json::value* size = o.if_contains("size");
  const std::int64_t limit = max_file_bytes(item);
  if (size == nullptr || !(size->is_int64() || size->is_uint64())) {
    return bad(item, index, "size must be a whole number of bytes");
  }
  if (size->is_uint64() || size->get_int64() > limit) {
    return bad(item, index,
               "size is over the question's limit of " + std::to_string(limit) + " bytes");
  }
  if (size->get_int64() <= 0) return bad(item, index, "size must be at least 1 byte");
  ref.size = size->get_int64();
  const json::string* type = text("type");
  if (type == nullptr || !concrete_media_type(*type)) {
    return bad(item, index, "type must be a media type such as image/jpeg");
  }
  ref.type = std::string(*type);
  if (!type_accepted(ref.type, accepted_types(item))) {
    return bad(item, index, "type " + ref.type + " is not accepted by the question");
  }
  const json::string* name = text("name");
  if (name == nullptr) return bad(item, index, "name must be text");
  if (const std::string_view why = bad_name(*name); !why.empty())
    return bad(item, index, "name " + std::string(why));
  ref.name = std::string(*name);
  if (o.contains("key")) {
    const json::string* key = text("key");
    if (key == nullptr || !lower_hex(*key, kFileKeyHex))
      return bad(item, index, "key must be 64 lowercase hex digits");
    ref.key = std::string(*key);
  } else if (key_required) {
    return bad(item, index, "has no key");
  }
  return ref;
}

}  // namespace

bool is_file_question(const Item& item) {
  return item.type == QuestionType::kImage || item.type == QuestionType::kAudio ||
         item.type == QuestionType::kVideo || item.type == QuestionType::kFile;
}

std::vector<const Item*> file_questions(const Form& form) {
  std::vector<const Item*> out;
  form.walk([&](const Item& it, const std::vector<const Item*>&) {
    if (is_file_question(it)) out.push_back(&it);
    return true;
  });
  return out;
}

namespace {

// Groups add nothing to a path; a repeat's rows are arrays of objects.
template <typename Object, typename Visit>
void walk_file_answers(const std::vector<Item>& items, Object& scope, const std::string& prefix,
                       const Visit& visit) {
  for (const Item& it : items) {
    if (it.type == QuestionType::kGroup) {
      walk_file_answers(it.items, scope, prefix, visit);
    } else if (it.type == QuestionType::kRepeat) {
      auto* rows = scope.if_contains(it.name);
      if (rows == nullptr || !rows->is_array()) continue;
      std::size_t i = 0;
      for (auto& row : rows->get_array()) {
        if (row.is_object()) {
          walk_file_answers(it.items, row.get_object(),
                            prefix + it.name + "[" + std::to_string(i) + "].", visit);
        }
        ++i;
      }
    } else if (is_file_question(it)) {
      if (auto* v = scope.if_contains(it.name)) visit(it, prefix + it.name, *v);
    }
  }
}

}  // namespace

void for_each_file_answer(
    const Form& form, const json::object& answers,
    const std::function<void(const Item&, const std::string&, const json::value&)>& visit) {
  walk_file_answers(form.items, answers, "", visit);
}

void for_each_file_answer(
    const Form& form, json::object& answers,
    const std::function<void(const Item&, const std::string&, json::value&)>& visit) {
  walk_file_answers(form.items, answers, "", visit);
}

void strip_file_keys(const Form& form, json::object& answers) {
  for_each_file_answer(form, answers, [](const Item&, const std::string&, json::value& v) {
    if (!v.is_array()) return;
    for (auto& ref : v.get_array()) {
      if (auto* o = ref.if_object()) o->erase("key");
    }
  });
}

std::vector<std::string> accepted_types(const Item& item) {
  if (!item.file.accept.empty()) return item.file.accept;
  switch (item.type) {
    case QuestionType::kImage:
      return {"image/*"};
    case QuestionType::kAudio:
      return {"audio/*"};
    case QuestionType::kVideo:
      return {"video/*"};
    default:
      return {};
  }
}

bool type_accepted(std::string_view type, const std::vector<std::string>& accepted) {
  if (accepted.empty()) return true;
  for (const std::string& a : accepted) {
    if (a.size() > 2 && a.compare(a.size() - 2, 2, "/*") == 0) {
      // "image/*": any subtype of that type.
      const std::string_view prefix(a.data(), a.size() - 1);
      if (type.size() > prefix.size() && iequals(type.substr(0, prefix.size()), prefix))
        return true;
    } else if (iequals(type, a)) {
      return true;
    }
  }
  return false;
}

std::int64_t max_file_bytes(const Item& item) {
  return item.file.max_bytes > 0 ? item.file.max_bytes : kDefaultMaxFileBytes;
}

Result<std::vector<FileRef>> parse_file_answer(const json::value& answer, const Item& item,
                                               bool key_required) {
  if (!is_file_question(item)) {
    return Status::invalid_argument("'" + item.name +
                                    "' is not an image, audio, video or file question");
  }
  if (!answer.is_array() || answer.get_array().empty()) {
    return Status::invalid_argument("'" + item.name + "' must be answered by a list of files");
  }
  const json::array& files = answer.get_array();
  const auto most = static_cast<std::size_t>(std::max(item.file.max_files, 1));
  if (files.size() > most) {
    return Status::invalid_argument("'" + item.name + "' takes at most " + std::to_string(most) +
                                    (most == 1 ? " file" : " files") + ", not " +
                                    std::to_string(files.size()));
  }
  std::vector<FileRef> out;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < files.size(); ++i) {
    EQ_ASSIGN_OR_RETURN(FileRef ref, parse_ref(files[i], item, i, key_required));
    if (!ids.insert(ref.id).second) return bad(item, i, "the id " + ref.id + " is given twice");
    out.push_back(std::move(ref));
  }
  return out;
}

json::value file_answer_json(const std::vector<FileRef>& refs, bool with_key) {
  json::array out;
  for (const FileRef& r : refs) {
    json::object o;
    o["id"] = r.id;
    o["sha256"] = r.sha256;
    o["size"] = r.size;
    o["type"] = r.type;
    o["name"] = r.name;
    if (with_key && !r.key.empty()) o["key"] = r.key;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace equitas::forms
