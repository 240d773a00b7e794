#include "expression_dates.hpp"

#include <cmath>
#include <cstdio>

namespace equitas::forms {

long long days_from_civil(long long year, long long month, long long day) {
  // Months past December (or before January) move the year, as in JavaScript.
  year += (month - 1 >= 0 ? (month - 1) / 12 : (month - 12) / 12);
  month = ((month - 1) % 12 + 12) % 12 + 1;
  // Count from 1 March of year 0, so that the leap day ends a year.
  const long long y = month <= 2 ? year - 1 : year;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;                                   // [0, 399]
  const long long doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5;  // day of year of the 1st
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           // [0, 146096]
  return era * 146097 + doe - 719468 + (day - 1);
}

CivilDate civil_from_days(long long z) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// Reads 1 to `max` digits at `i`; -1 when there are none.
long long read_int(std::string_view s, std::size_t& i, std::size_t min, std::size_t max) {
  long long v = 0;
  std::size_t n = 0;
  while (i < s.size() && n < max && digit(s[i])) v = v * 10 + (s[i++] - '0'), ++n;
  return n >= min ? v : -1;
}

}  // namespace

std::optional<double> date_text_days(std::string_view s) {
  std::size_t i = 0;
  const long long y = read_int(s, i, 4, 4);
  if (y < 0 || i >= s.size() || s[i++] != '-') return std::nullopt;
  const long long m = read_int(s, i, 1, 2);
  if (m < 0 || i >= s.size() || s[i++] != '-') return std::nullopt;
  const long long d = read_int(s, i, 1, 2);
  if (d < 0) return std::nullopt;
  double days = static_cast<double>(days_from_civil(y, m, d));
  if (i == s.size()) return days;
  if (s[i++] != 'T') return std::nullopt;
  const long long hh = read_int(s, i, 2, 2);
  if (hh < 0 || i >= s.size() || s[i++] != ':') return std::nullopt;
  const long long mm = read_int(s, i, 2, 2);
  if (mm < 0) return std::nullopt;
  double seconds = 0;
  if (i < s.size() && s[i] == ':') {
    ++i;
    const long long ss = read_int(s, i, 2, 2);
    if (ss < 0) return std::nullopt;
    seconds = static_cast<double>(ss);
    if (i < s.size() && s[i] == '.') {
      ++i;
      double scale = 0.1;
      const std::size_t start = i;
      while (i < s.size() && digit(s[i])) seconds += (s[i++] - '0') * scale, scale /= 10;
      if (i == start) return std::nullopt;
    }
  }
  if (hh > 24 || mm > 59 || seconds >= 60) return std::nullopt;
  double offset_minutes = 0;
  if (i < s.size()) {
    if (s[i] == 'Z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      const double sign = s[i++] == '+' ? 1 : -1;
      const long long oh = read_int(s, i, 2, 2);
      if (oh < 0 || i >= s.size() || s[i++] != ':') return std::nullopt;
      const long long om = read_int(s, i, 2, 2);
      if (om < 0) return std::nullopt;
      offset_minutes = sign * static_cast<double>(oh * 60 + om);
    }
  }
  if (i != s.size()) return std::nullopt;
  // Milliseconds, as JavaScript counts them, so that sums agree to the last bit.
  const double ms = std::round((static_cast<double>(hh * 3600 + mm * 60) + seconds) * 1000) -
                    offset_minutes * 60000;
  return (days * 86400000 + ms) / 86400000;
}

std::optional<DateParts> date_parts(double days) {
  if (!std::isfinite(days) || std::fabs(days) > kMaxDays) return std::nullopt;
  // The nearest whole millisecond: 99.6 days is 14:24:00.000 on day 99.
  const double total_ms = std::round(days * 86400000);
  const long long whole_days = static_cast<long long>(std::floor(total_ms / 86400000));
  long long ms = static_cast<long long>(total_ms - static_cast<double>(whole_days) * 86400000);
  const CivilDate c = civil_from_days(whole_days);
  DateParts p{c.year, c.month, c.day, 0, 0, 0, 0, 0};
  p.hour = static_cast<int>(ms / 3600000), ms %= 3600000;
  p.minute = static_cast<int>(ms / 60000), ms %= 60000;
  p.second = static_cast<int>(ms / 1000);
  p.millisecond = static_cast<int>(ms % 1000);
  p.weekday = static_cast<int>(((whole_days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  return p;
}

std::string format_days(double days) {
  const auto p = date_parts(days);
  if (!p) return "";
  char buf[64];
  if (p->hour == 0 && p->minute == 0 && p->second == 0 && p->millisecond == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", p->year, p->month, p->day);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03d+00:00", p->year, p->month,
                  p->day, p->hour, p->minute, p->second, p->millisecond);
  }
  return buf;
}

}  // namespace equitas::forms
