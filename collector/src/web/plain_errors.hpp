// What a respondent or the admin reads when the collector cannot do what was
// asked: plain words in the page's language, never SQL or SQLite's wording.
// The details go to the server log (WebOptions::log) only.
#pragma once

#include <string>
#include <string_view>

namespace equitas::collector {

enum class PlainError {
  kDiskFull,       // the disk is full (SQLITE_FULL)
  kStoreFailed,    // any other storage failure
  kDraftTooLarge,  // draft_limits::kMaxDraftBytes
  kDraftsFull,     // draft_limits::kMaxOpenDrafts or kMaxTotalBytes
  kTooManyWrites,  // the per-client rate limit
  // Response codes (Collector::check_response_code), for the respondent.
  kCodeRequired,
  kCodeTypo,
  kCodeNotReceived,
  kCodeUnknown,
  kCodeUsed,
};

// The message in `lang` (one of the UI languages; English otherwise).
std::string plain_error(PlainError e, std::string_view lang);

}  // namespace equitas::collector
