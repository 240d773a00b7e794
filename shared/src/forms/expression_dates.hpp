// Dates in expressions (internal to the form engine): the ODK XForms spec
// counts dates as days since 1970-01-01. Equitas has no device time zone in
// its answers, so dates and dateTimes without an offset are read as UTC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace equitas::forms {

// Days since 1970-01-01 of the proleptic Gregorian date; `month` and `day`
// may overflow into the next month or year, as JavaScript's Date does.
long long days_from_civil(long long year, long long month, long long day);
struct CivilDate {
  long long year;
  int month;  // 1-12
  int day;    // 1-31
};
CivilDate civil_from_days(long long days);

// "2026-11-23" (months and days may have one digit), or a dateTime
// "2026-11-23T08:30:00.000+01:00" (seconds, fraction and offset optional;
// none means UTC): days since 1970, fractional for a time of day. nullopt
// when the text is not a date.
std::optional<double> date_text_days(std::string_view s);

// "2026-11-23" at midnight, else "2026-11-23T08:30:00.000+00:00"; "" for NaN.
std::string format_days(double days);

// The largest date, in days either side of 1970, as in JavaScript (and
// ECMA-262's time values): 100,000,000 days. Beyond it a date is NaN.
constexpr double kMaxDays = 1e8;

// The parts of a date, for format-date(): UTC.
struct DateParts {
  long long year;
  int month, day, hour, minute, second, millisecond, weekday;  // weekday: 0 = Sunday
};
std::optional<DateParts> date_parts(double days);

}  // namespace equitas::forms
