// Status and Result<T>: how errors travel through Equitas's own APIs.
//
// No exception crosses an Equitas API. A function that can fail returns a
// [[nodiscard]] Status, or a Result<T> holding either the value or the Status
// that explains why there is none. Messages are written for the person who
// will read them on a terminal: say what happened and, where possible, what to
// do about it. They never contain key material.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace equitas {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (bad flag, malformed file)
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // creating something that is already there
  kPermissionDenied,    // authenticated, but not allowed (revoked device)
  kUnauthenticated,     // identity could not be proven (bad signature, bad key)
  kFailedPrecondition,  // the system is not in a state that allows this yet
  kCorruption,          // stored or received bytes do not decode or verify
  kIoError,             // the file system or database failed
  kUnavailable,         // a peer cannot be reached right now; retrying may work
  kDeadlineExceeded,    // a peer took too long
  kResourceExhausted,   // the disk is full, or a quota or rate limit is reached
  kInternal,            // a bug
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status permission_denied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status failed_precondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status deadline_exceeded(std::string m) {
    return {StatusCode::kDeadlineExceeded, std::move(m)};
  }
  static Status resource_exhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid argument: --form is required"
  std::string to_string() const;
  // Returns a copy with "context: " prefixed to the message.
  Status with_context(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a T or the Status explaining why there is no T. Never holds an OK status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).is_ok() && "a Result must not hold an OK status");
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace equitas

#define EQ_CONCAT_INNER(a, b) a##b
#define EQ_CONCAT(a, b) EQ_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define EQ_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::equitas::Status eq_status_ = (expr);      \
    if (!eq_status_.is_ok()) return eq_status_; \
  } while (0)

// `EQ_ASSIGN_OR_RETURN(auto x, f());` declares x from f()'s value, or returns its Status.
#define EQ_ASSIGN_OR_RETURN(lhs, expr) \
  EQ_ASSIGN_OR_RETURN_IMPL(EQ_CONCAT(eq_result_, __LINE__), lhs, expr)
// `tmp` is a name being declared and `lhs` may be a declaration
// (`auto x`): neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define EQ_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.is_ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
