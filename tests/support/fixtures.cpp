#include "fixtures.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "collector_cli.hpp"
#include "exporter.hpp"
#include "server_cli.hpp"

namespace equitas::test {

CliResult server_cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = server::run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

CliResult collector_cli(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  const int code = collector::run_cli(args, in, out, err);
  return {code, out.str(), err.str()};
}

std::vector<std::string> command_words(const std::string& name) {
  std::vector<std::string> words;
  std::istringstream in(name);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

TestServer::TestServer(const std::filesystem::path& root) : dir_{root} {
  const auto r = server_cli({"init", "--data-dir", root.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
}

void TestServer::start(std::shared_ptr<const AnswerValidator> validator) {
  server::ServeOptions opts;
  opts.listen = "127.0.0.1:0";
  opts.io_threads = 2;
  opts.validator = std::move(validator);
  auto s = server::Server::start(dir_, opts);
  INFO(s.status().to_string());
  REQUIRE(s.is_ok());
  server_ = std::move(s).value();
}

void TestServer::start_with_limits(const server::SessionLimits& limits) {
  server::ServeOptions opts;
  opts.listen = "127.0.0.1:0";
  opts.io_threads = 2;
  opts.limits = limits;
  auto s = server::Server::start(dir_, opts);
  INFO(s.status().to_string());
  REQUIRE(s.is_ok());
  server_ = std::move(s).value();
}

void TestServer::stop() {
  if (server_) server_->stop();
  server_.reset();
}

std::string TestServer::enroll(const std::string& site, const std::string& url,
                               const std::string& expires) {
  const std::string u = url.empty() ? server_->url() : url;
  const auto r = server_cli({"device", "enroll", "--data-dir", dir_.root.string(), "--site", site,
                             "--url", u, "--expires", expires});
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::string code = r.out;
  while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.pop_back();
  return code;
}

server::ServerStore TestServer::open_store() const {
  auto s = server::ServerStore::open(dir_);
  REQUIRE(s.is_ok());
  return std::move(s).value();
}

collector::Collector make_collector(const std::filesystem::path& root, const std::string& code) {
  collector::DataDir dir{root};
  REQUIRE(collector::Collector::init(dir).is_ok());
  auto c = collector::Collector::open(dir);
  REQUIRE(c.is_ok());
  auto e = c->enroll(code);
  INFO(e.status().to_string());
  REQUIRE(e.is_ok());
  return std::move(c).value();
}

void submit_many(collector::Collector& c, int n, const std::string& form) {
  REQUIRE(form == "staff-climate");
  static const char* kSex[] = {"female", "male", "pns"};
  static const char* kAgree[] = {"1", "2", "3", "4", "5", "dk"};
  for (int i = 0; i < n; ++i) {
    std::string answers = std::string(R"({"consent_ack":true,"dem_sex":")") + kSex[i % 3] +
                          R"(","eng_proud":")" + kAgree[i % 6] + R"(","comment":"response )" +
                          std::to_string(i) + R"("})";
    auto id = c.submit(form, "", answers);
    INFO(id.status().to_string());
    REQUIRE(id.is_ok());
  }
}

std::size_t exported_rows(const TestServer& server, const std::string& form) {
  auto store = server.open_store();
  std::ostringstream out;
  server::ExportOptions opts;
  opts.form_id = form;
  opts.format = server::ExportFormat::kJsonl;
  auto rows = server::export_submissions(store, opts, out);
  REQUIRE(rows.is_ok());
  std::size_t lines = 0;
  for (char ch : out.str()) lines += ch == '\n';
  REQUIRE(lines == *rows);
  return *rows;
}

}  // namespace equitas::test
