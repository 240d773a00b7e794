// The server's single writer: one thread, one SQLite connection, a queue.
//
// Sessions hand it jobs (authenticate this device, store this batch), and
// the admin API its changes (run_alone, each in a transaction of its own). The
// writer takes every job waiting, up to kMaxJobsPerCommit, runs them in ONE
// transaction and commits with synchronous=FULL (group commit: one fsync for
// many batches). Only then does it call each job's completion, which is where
// a session sends its acknowledgement. So an ack always follows durability,
// and if the commit fails every job in the group hears the failure.
#pragma once

#include <deque>
#include <functional>
#include <thread>

#include "equitas/util/thread_annotations.hpp"
#include "server_store.hpp"

namespace equitas::server {

class Ingestor {
 public:
  // Runs inside the group's transaction. A non-OK Status fails the group.
  using Work = std::function<Status(ServerStore&)>;
  // Called on the writer thread after the commit (or its failure). Must not
  // block: post to the session's strand.
  using Done = std::function<void(const Status& committed)>;

  explicit Ingestor(ServerStore store);
  ~Ingestor();
  Ingestor(const Ingestor&) = delete;
  Ingestor& operator=(const Ingestor&) = delete;

  // `batch` marks jobs that store submissions (where crash points apply).
  // After stop(), or when kMaxQueuedJobs are waiting, a job is refused at
  // once: `done` runs with kUnavailable.
  void submit(Work work, Done done, bool batch = false);
  // Runs `work` in a transaction of its own, so that its failure fails
  // nothing else, and waits for the commit: an administrator's change
  // (ServerApp's write path while serve runs). kUnavailable when stopped or
  // full, as for submit. Never on the writer thread, which it would wait for.
  Status run_alone(const Work& work);
  // Finishes every queued job, then joins the thread.
  void stop();
  // Jobs waiting now (not the group being committed), for /metrics.
  std::size_t queue_depth();

 private:
  struct Job {
    Work work;
    Done done;
    bool batch;
    bool alone;
  };
  void enqueue(Job job);
  void run();
  void process(std::deque<Job>& group);

  ServerStore store_;  // the writer thread's only
  Mutex mu_;
  CondVar cv_;  // a job queued, or stopping
  std::deque<Job> queue_ EQ_GUARDED_BY(mu_);
  bool stopping_ EQ_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace equitas::server
