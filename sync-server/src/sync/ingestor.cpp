#include "ingestor.hpp"

#include <future>

#include "fault_injection.hpp"
#include "limits.hpp"

namespace equitas::server {

Ingestor::Ingestor(ServerStore store) : store_(std::move(store)), thread_([this] { run(); }) {}

Ingestor::~Ingestor() { stop(); }

void Ingestor::submit(Work work, Done done, bool batch) {
  enqueue(Job{std::move(work), std::move(done), batch, false});
}

Status Ingestor::run_alone(const Work& work) {
  // Shared with the job: the writer may still be inside set_value when this
  // thread wakes and returns, so the promise must not live on this stack.
  auto committed = std::make_shared<std::promise<Status>>();
  std::future<Status> heard = committed->get_future();
  enqueue(Job{[&work](ServerStore& store) { return work(store); },
              [committed](const Status& s) { committed->set_value(s); }, false, true});
  return heard.get();
}

void Ingestor::enqueue(Job job) {
  bool stopping = false;
  {
    MutexLock lock(&mu_);
    stopping = stopping_;
    if (!stopping && queue_.size() < kMaxQueuedJobs) {
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  job.done(Status::unavailable(stopping ? "the server is shutting down" : "the server is busy"));
}

std::size_t Ingestor::queue_depth() {
  MutexLock lock(&mu_);
  return queue_.size();
}

void Ingestor::stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void Ingestor::run() {
  for (;;) {
    std::deque<Job> group;
    {
      MutexLock lock(&mu_);
      cv_.wait(mu_, [this]() EQ_REQUIRES(mu_) { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to finish
      // A job that runs alone ends the group before it, and is a group.
      while (!queue_.empty() && group.size() < kMaxJobsPerCommit) {
        if (queue_.front().alone && !group.empty()) break;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
        if (group.back().alone) break;
      }
    }
    process(group);
  }
}

void Ingestor::process(std::deque<Job>& group) {
  Status result;
  bool has_batch = false;
  {
    Transaction tx(store_.db());
    result = tx.status();
    for (Job& job : group) {
      if (!result.is_ok()) break;
      has_batch = has_batch || job.batch;
      try {
        result = job.work(store_);
      } catch (const std::exception& e) {
        // A bug or an allocation failure in one job must not take the
        // writer down: fail this group, keep serving.
        result = Status::internal(std::string("ingest failed: ") + e.what());
      }
    }
    if (result.is_ok()) {
      if (has_batch) maybe_crash(FaultPoint::kBeforeCommit);
      result = tx.commit();
    }
  }
  if (result.is_ok() && has_batch) maybe_crash(FaultPoint::kAfterCommit);
  for (Job& job : group) job.done(result);
}

}  // namespace equitas::server
