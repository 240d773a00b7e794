#include "equitas/wire/payload.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstring>
#include <ctime>

#include "equitas/wire/enrollment_code.hpp"

namespace equitas {

std::optional<std::int64_t> parse_iso8601_utc(std::string_view s) {
  if (s.size() != 10 && s.size() != 20) return std::nullopt;
  for (char c : s) {
    if ((c < '0' || c > '9') && c != '-' && c != 'T' && c != ':' && c != 'Z') return std::nullopt;
  }
  std::tm tm{};
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  if (s.size() == 20) {
    tm.tm_hour = num(11, 2);
    tm.tm_min = num(14, 2);
    tm.tm_sec = num(17, 2);
  }
  const std::time_t t = timegm(&tm);
  if (t < 0) return std::nullopt;
  // timegm normalises "2026-13-45": only a date that prints back as given is one.
  if (iso8601_utc(t).substr(0, s.size()) != s) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

namespace {

// v2 value tags (docs/protocol.md, section 4).
enum Tag : std::uint8_t {
  kNull = 0x00,
  kFalse = 0x01,
  kTrue = 0x02,
  kString = 0x03,
  kInt = 0x04,     // zigzag varint
  kUint = 0x05,    // varint, for integers above INT64_MAX
  kDouble = 0x06,  // IEEE 754 binary64 bits, u64be
  kArray = 0x07,   // varint n, n values
  kObject = 0x08,  // varint n, n x (lp key, value)
  kChoice = 0x10,  // 0x10 + c: choice c of the question's list (c < 240)
};
constexpr std::size_t kMaxChoiceCode = 0xff - kChoice;
constexpr std::size_t kMaxText = 256 * 1024;
constexpr std::size_t kMaxRound = 64;
constexpr int kMaxDepth = 16;
// submitted_at: varint t; the low 2 bits say how the rest reads.
constexpr std::uint64_t kTimeText = 0;     // t = 0, then lp text
constexpr std::uint64_t kTimeDay = 1;      // t >> 2 = days since 1970-01-01: "YYYY-MM-DD"
constexpr std::uint64_t kTimeSeconds = 2;  // t >> 2 = unix seconds: "YYYY-MM-DDTHH:MM:SSZ"

using ChoiceList = std::vector<std::string>;

void put_time(ByteWriter& w, const std::string& at) {
  if (auto t = parse_iso8601_utc(at)) {
    if (at.size() == 10 && *t % 86400 == 0 && iso8601_utc(*t).substr(0, 10) == at) {
      w.varint((static_cast<std::uint64_t>(*t / 86400) << 2) | kTimeDay);
      return;
    }
    if (at.size() == 20 && iso8601_utc(*t) == at) {
      w.varint((static_cast<std::uint64_t>(*t) << 2) | kTimeSeconds);
      return;
    }
  }
  w.varint(kTimeText);
  w.lp(at);
}

void put_value(ByteWriter& w, const boost::json::value& v, const ChoiceList* choices,
               const PayloadLayout* layout, std::size_t key) {
  switch (v.kind()) {
    case boost::json::kind::null:
      w.u8(kNull);
      return;
    case boost::json::kind::bool_:
      w.u8(v.get_bool() ? kTrue : kFalse);
      return;
    case boost::json::kind::int64: {
      const auto i = v.get_int64();
      w.u8(kInt);
      w.varint((static_cast<std::uint64_t>(i) << 1) ^ static_cast<std::uint64_t>(i >> 63));
      return;
    }
    case boost::json::kind::uint64: {
      const auto u = v.get_uint64();
      if (u <= static_cast<std::uint64_t>(INT64_MAX)) {  // serialises the same as an int64
        w.u8(kInt);
        w.varint(u << 1);
      } else {
        w.u8(kUint);
        w.varint(u);
      }
      return;
    }
    case boost::json::kind::double_: {
      std::uint64_t bits = 0;
      const double d = v.get_double();
      std::memcpy(&bits, &d, sizeof bits);
      w.u8(kDouble);
      w.u64be(bits);
      return;
    }
    case boost::json::kind::string: {
      const auto& s = v.get_string();
      if (choices != nullptr) {
        const int c = layout->choice(key, s);
        if (c >= 0 && static_cast<std::size_t>(c) <= kMaxChoiceCode) {
          w.u8(static_cast<std::uint8_t>(kChoice + c));
          return;
        }
      }
      w.u8(kString);
      w.lp(std::string_view(s));
      return;
    }
    case boost::json::kind::array: {
      const auto& a = v.get_array();
      w.u8(kArray);
      w.varint(a.size());
      for (const auto& x : a) put_value(w, x, choices, layout, key);
      return;
    }
    case boost::json::kind::object: {
      const auto& o = v.get_object();
      w.u8(kObject);
      w.varint(o.size());
      for (const auto& kv : o) {
        w.lp(std::string_view(kv.key()));
        put_value(w, kv.value(), nullptr, nullptr, 0);
      }
      return;
    }
  }
}

Status bad(std::string_view what) { return Status::corruption("payload v2: " + std::string(what)); }

class V2Reader {
 public:
  V2Reader(ByteView bytes, const PayloadLayout& layout) : r_(bytes), layout_(layout) {}

  Result<ResponsePayload> read() {
    std::uint8_t version = 0;
    if (!r_.u8(version) || version != kPayloadV2) return bad("wrong version byte");
    ResponsePayload p;
    EQ_RETURN_IF_ERROR(read_time(p.submitted_at));
    if (!r_.lp_string(p.round, kMaxRound)) return bad("round is truncated or over 64 bytes");
    std::uint64_t count = 0;
    if (!r_.varint(count, r_.remaining())) return bad("answer count is malformed");
    for (std::uint64_t i = 0; i < count; ++i) {
      std::uint64_t k = 0;
      if (!r_.varint(k, layout_.keys().size())) return bad("answer key is out of range");
      std::string name;
      const ChoiceList* choices = nullptr;
      std::size_t pos = 0;
      if (k == 0) {
        if (!r_.lp_string(name, kMaxText)) return bad("answer name is truncated");
      } else {
        pos = static_cast<std::size_t>(k - 1);
        name = layout_.keys()[pos].name;
        if (!layout_.keys()[pos].choices.empty()) choices = &layout_.keys()[pos].choices;
      }
      if (p.answers.contains(name)) return bad("answer '" + name + "' appears twice");
      boost::json::value v;
      EQ_RETURN_IF_ERROR(read_value(v, choices, 0));
      p.answers.emplace(name, std::move(v));
    }
    if (!r_.at_end()) return bad("trailing bytes");
    return p;
  }

 private:
  Status read_time(std::string& out) {
    std::uint64_t t = 0;
    if (!r_.varint(t)) return bad("submitted_at is malformed");
    const std::uint64_t kind = t & 3, value = t >> 2;
    if (t == kTimeText) {
      if (!r_.lp_string(out, kMaxText)) return bad("submitted_at is truncated");
      return Status::ok();
    }
    // Up to the year 9999 either way: beyond, gmtime cannot print it.
    if (kind == kTimeDay && value <= 2932896) {
      out = iso8601_utc(static_cast<std::int64_t>(value) * 86400).substr(0, 10);
    } else if (kind == kTimeSeconds && value <= 253402300799) {
      out = iso8601_utc(static_cast<std::int64_t>(value));
    } else {
      return bad("submitted_at is out of range or of an unknown form");
    }
    return Status::ok();
  }

  Status read_value(boost::json::value& out, const ChoiceList* choices, int depth) {
    if (depth > kMaxDepth) return bad("values nested too deep");
    std::uint8_t tag = 0;
    if (!r_.u8(tag)) return bad("value is truncated");
    if (tag >= kChoice) {
      const std::size_t c = tag - kChoice;
      if (choices == nullptr || c >= choices->size()) return bad("choice code out of range");
      out = boost::json::string((*choices)[c]);
      return Status::ok();
    }
    switch (tag) {
      case kNull:
        out = nullptr;
        return Status::ok();
      case kFalse:
        out = false;
        return Status::ok();
      case kTrue:
        out = true;
        return Status::ok();
      case kString: {
        std::string s;
        if (!r_.lp_string(s, kMaxText)) return bad("text answer is truncated");
        out = boost::json::string(s);
        return Status::ok();
      }
      case kInt: {
        std::uint64_t z = 0;
        if (!r_.varint(z)) return bad("integer is malformed");
        out = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
        return Status::ok();
      }
      case kUint: {
        std::uint64_t u = 0;
        // Anything that fits an int64 is sent as kInt (as JSON parsing would store it).
        if (!r_.varint(u) || u <= static_cast<std::uint64_t>(INT64_MAX))
          return bad("integer is malformed");
        out = u;
        return Status::ok();
      }
      case kDouble: {
        std::uint64_t bits = 0;
        if (!r_.u64be(bits)) return bad("number is truncated");
        double d = 0;
        std::memcpy(&d, &bits, sizeof d);
        // JSON has no NaN or infinity: a v1 payload cannot carry one, and
        // the stored answers (JSON text) could not hold it.
        if (!std::isfinite(d)) return bad("number is not finite");
        out = d;
        return Status::ok();
      }
      case kArray: {
        std::uint64_t n = 0;
        if (!r_.varint(n, r_.remaining())) return bad("array is malformed");
        boost::json::array a;
        for (std::uint64_t i = 0; i < n; ++i) {
          boost::json::value x;
          EQ_RETURN_IF_ERROR(read_value(x, choices, depth + 1));
          a.push_back(std::move(x));
        }
        out = std::move(a);
        return Status::ok();
      }
      case kObject: {
        std::uint64_t n = 0;
        if (!r_.varint(n, r_.remaining())) return bad("object is malformed");
        boost::json::object o;
        for (std::uint64_t i = 0; i < n; ++i) {
          std::string key;
          if (!r_.lp_string(key, kMaxText)) return bad("object key is truncated");
          if (o.contains(key)) return bad("object key '" + key + "' appears twice");
          boost::json::value x;
          EQ_RETURN_IF_ERROR(read_value(x, nullptr, depth + 1));
          o.emplace(key, std::move(x));
        }
        out = std::move(o);
        return Status::ok();
      }
      default:
        return bad("unknown value tag");
    }
  }

  ByteReader r_;
  const PayloadLayout& layout_;
};

Result<ResponsePayload> decode_v1(ByteView bytes) {
  boost::system::error_code ec;
  // No deeper than v2 can carry: the document, "answers", then an answer
  // of at most kMaxDepth nested containers (v2 reads a value inside the
  // innermost at depth kMaxDepth).
  boost::json::parse_options opts;
  opts.max_depth = kMaxDepth + 2;
  boost::json::value v = boost::json::parse(as_chars(bytes), ec, {}, opts);
  if (ec || !v.is_object())
    return Status::corruption("payload is not a JSON object (or nests too deep)");
  auto& doc = v.as_object();
  const auto* version = doc.if_contains("v");
  auto* answers = doc.if_contains("answers");
  const auto* at = doc.if_contains("submitted_at");
  if (version == nullptr || !version->is_int64() || version->as_int64() != 1) {
    return Status::corruption("payload version is missing or unsupported");
  }
  if (answers == nullptr || !answers->is_object()) {
    return Status::corruption("payload has no answers object");
  }
  if (at == nullptr || !at->is_string()) return Status::corruption("payload has no submitted_at");
  const auto* round = doc.if_contains("round");
  if (round != nullptr && (!round->is_string() || round->as_string().size() > kMaxRound)) {
    return Status::corruption("payload round is malformed");
  }
  ResponsePayload p;
  p.answers = std::move(answers->as_object());
  p.submitted_at = std::string(at->as_string());
  if (round != nullptr) p.round = std::string(round->as_string());
  if (const auto* code = doc.if_contains("response_code"); code != nullptr) {
    if (!code->is_string() || code->as_string().empty() || code->as_string().size() > kMaxRound) {
      return Status::corruption("payload response_code is malformed");
    }
    p.response_code = std::string(code->as_string());
  }
  if (const auto* c = doc.if_contains("contribution"); c != nullptr) {
    const auto* o = c->if_object();
    const auto* id = o ? o->if_contains("assessment") : nullptr;
    const auto* role = o ? o->if_contains("role") : nullptr;
    const auto* base = o ? o->if_contains("base") : nullptr;
    const auto* site = o ? o->if_contains("site") : nullptr;
    if (site != nullptr && (!site->is_string() || site->as_string().empty() ||
                            site->as_string().size() > kMaxSiteLength)) {
      return Status::corruption("payload contribution is malformed");
    }
    if (id == nullptr || !id->is_string() || id->as_string().empty() ||
        id->as_string().size() > kMaxRound || role == nullptr || !role->is_string() ||
        role->as_string().size() > kMaxRound || base == nullptr || !base->is_int64() ||
        base->as_int64() < 0) {
      return Status::corruption("payload contribution is malformed");
    }
    p.contribution =
        ContributionMeta{std::string(id->as_string()), std::string(role->as_string()),
                         base->as_int64(), site ? std::string(site->as_string()) : std::string()};
  }
  return p;
}

}  // namespace

PayloadLayout::PayloadLayout(std::vector<Key> keys) {
  for (auto& key : keys) {
    if (positions_.count(key.name) != 0) continue;
    Key k{std::move(key.name), {}};
    std::unordered_map<std::string, std::uint32_t> codes;
    for (auto& choice : key.choices) {
      if (codes.emplace(choice, static_cast<std::uint32_t>(k.choices.size())).second) {
        k.choices.push_back(std::move(choice));
      }
    }
    positions_.emplace(k.name, static_cast<std::uint32_t>(keys_.size()));
    keys_.push_back(std::move(k));
    choice_codes_.push_back(std::move(codes));
  }
}

int PayloadLayout::position(std::string_view name) const {
  auto it = positions_.find(std::string(name));
  return it == positions_.end() ? -1 : static_cast<int>(it->second);
}

int PayloadLayout::choice(std::size_t pos, std::string_view choice) const {
  if (pos >= choice_codes_.size()) return -1;
  const auto& codes = choice_codes_[pos];
  auto it = codes.find(std::string(choice));
  return it == codes.end() ? -1 : static_cast<int>(it->second);
}

Bytes encode_payload(const ResponsePayload& p) {
  boost::json::object doc;
  doc["v"] = 1;
  doc["answers"] = p.answers;
  doc["submitted_at"] = p.submitted_at;
  if (!p.round.empty()) doc["round"] = p.round;
  if (!p.response_code.empty()) doc["response_code"] = p.response_code;
  if (p.contribution) {
    doc["contribution"] = boost::json::object{{"assessment", p.contribution->assessment},
                                              {"role", p.contribution->role},
                                              {"base", p.contribution->base}};
    if (!p.contribution->site.empty())
      doc["contribution"].as_object()["site"] = p.contribution->site;
  }
  const std::string text = boost::json::serialize(doc);
  return Bytes(text.begin(), text.end());
}

Bytes encode_payload(const ResponsePayload& p, const PayloadLayout& layout) {
  ByteWriter w(64 + 4 * p.answers.size());
  w.u8(kPayloadV2);
  put_time(w, p.submitted_at);
  w.lp(p.round);
  w.varint(p.answers.size());
  for (const auto& kv : p.answers) {
    const int pos = layout.position(kv.key());
    if (pos < 0) {
      w.varint(0);
      w.lp(std::string_view(kv.key()));
      put_value(w, kv.value(), nullptr, nullptr, 0);
      continue;
    }
    const auto key = static_cast<std::size_t>(pos);
    w.varint(key + 1);
    const auto& choices = layout.keys()[key].choices;
    put_value(w, kv.value(), choices.empty() ? nullptr : &choices, &layout, key);
  }
  return w.take();
}

bool is_payload_v2(ByteView bytes) { return !bytes.empty() && bytes[0] == kPayloadV2; }

Result<ResponsePayload> decode_payload(ByteView bytes, const PayloadLayout* layout) {
  if (!is_payload_v2(bytes)) return decode_v1(bytes);
  if (layout == nullptr)
    return Status::failed_precondition("a v2 payload needs its form version's layout");
  return V2Reader(bytes, *layout).read();
}

std::string iso8601_utc(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace equitas
