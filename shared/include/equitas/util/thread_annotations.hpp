// Which mutex guards what, said in the code so that a compiler can check it
// (Clang's thread-safety analysis, https://clang.llvm.org/docs/ThreadSafetyAnalysis.html;
// leveldb's port/thread_annotations.h is the model). Under Clang the EQ_*
// macros become its attributes; under GCC they expand to nothing, and cost
// nothing. The ctest "thread safety: ..." compiles the annotated files with
// clang++ -Wthread-safety -Werror (tests/thread_safety.cmake).
//
// libstdc++'s std::mutex is not annotated as a capability, so a guarded
// member's mutex is a Mutex from here, locked with a MutexLock, and waited on
// with a CondVar:
//
//   Mutex mu_;
//   CondVar cv_;
//   std::deque<Job> queue_ EQ_GUARDED_BY(mu_);
//   void drain() EQ_REQUIRES(mu_);
//
// A condition is waited for in a lambda that says it runs with the mutex
// held: cv_.wait(mu_, [this]() EQ_REQUIRES(mu_) { return !queue_.empty(); }).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(guarded_by)
#define EQ_THREAD_ANNOTATION(x) __attribute__((x))
#endif
#endif
#ifndef EQ_THREAD_ANNOTATION
#define EQ_THREAD_ANNOTATION(x)
#endif

// On a data member or a global: read and written only with `m` held.
#define EQ_GUARDED_BY(m) EQ_THREAD_ANNOTATION(guarded_by(m))
// On a pointer: what it points to is read and written only with `m` held.
#define EQ_PT_GUARDED_BY(m) EQ_THREAD_ANNOTATION(pt_guarded_by(m))
// On a function: the caller holds `m` (and the function leaves it held).
#define EQ_REQUIRES(...) EQ_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
// On a function: the caller does not hold `m` (the function takes it).
#define EQ_EXCLUDES(...) EQ_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define EQ_ACQUIRE(...) EQ_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define EQ_RELEASE(...) EQ_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EQ_CAPABILITY(name) EQ_THREAD_ANNOTATION(capability(name))
#define EQ_SCOPED_CAPABILITY EQ_THREAD_ANNOTATION(scoped_lockable)
// A function the analysis cannot follow; say why beside it.
#define EQ_NO_THREAD_SAFETY_ANALYSIS EQ_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace equitas {

class CondVar;

// A std::mutex the analysis knows as a capability. Not copyable or movable.
class EQ_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void lock() EQ_ACQUIRE() { mu_.lock(); }
  void unlock() EQ_RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` for its scope, like std::lock_guard; unlock() and lock() let
// go of it and take it again within the scope (as std::unique_lock does).
class EQ_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) EQ_ACQUIRE(mu) : mu_(mu) { mu_->lock(); }
  ~MutexLock() EQ_RELEASE() {
    if (locked_) mu_->unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  void unlock() EQ_RELEASE() {
    mu_->unlock();
    locked_ = false;
  }
  void lock() EQ_ACQUIRE() {
    mu_->lock();
    locked_ = true;
  }

 private:
  Mutex* const mu_;
  bool locked_ = true;
};

// A std::condition_variable waited on with a Mutex held. The predicates
// are std's: `ready` is called with `mu` held, as its annotation must say.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  template <class Predicate>
  void wait(Mutex& mu, Predicate ready) EQ_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock, std::move(ready));
    lock.release();  // still held: it is the caller's
  }
  // False when `deadline` passed with `ready` still false.
  template <class Clock, class Duration, class Predicate>
  bool wait_until(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline,
                  Predicate ready) EQ_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const bool met = cv_.wait_until(lock, deadline, std::move(ready));
    lock.release();
    return met;
  }
  template <class Rep, class Period, class Predicate>
  bool wait_for(Mutex& mu, const std::chrono::duration<Rep, Period>& timeout, Predicate ready)
      EQ_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const bool met = cv_.wait_for(lock, timeout, std::move(ready));
    lock.release();
    return met;
  }
  void notify_one() { cv_.notify_one(); }
  void notify_all() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace equitas
