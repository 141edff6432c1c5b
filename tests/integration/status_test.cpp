// The status path: Prometheus counters summed over every worker, exact for a
// known request mix, readable by a real exposition parser, and for status.allow only.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <regex>
#include <string>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

class Status : public HttpServerTest {
 protected:
  // GET of the status path, its body parsed into "name{labels}" -> value.
  // Each scrape is itself a GET counted by the next one; scrapes_ counts them.
  std::map<std::string, double> scrape(std::size_t* body_size = nullptr) {
    std::string resp = get("/-/metrics");
    ++scrapes_;
    EXPECT_EQ(status_of(resp), 200) << resp;
    std::string body = body_of(resp);
    if (body_size) *body_size = body.size();
    std::map<std::string, double> out;
    for (const std::string& line : lines_of(body)) {
      if (line.empty() || line[0] == '#') continue;
      std::size_t sp = line.rfind(' ');
      out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
    }
    return out;
  }
  // A request on its own connection, read to EOF: the server has counted it
  // before it closes (Connection: close, or an error that ends the connection).
  std::string once(const std::string& raw) { return req(raw, 3s); }
  int once_status(const std::string& raw) { return status_of(once(raw)); }

  int scrapes_ = 0;
};

const std::string k_get = "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

}  // namespace

// Two workers, a known mix over separate connections: every counter moves
// by exactly what the mix says, summed over both workers' slots.
TEST_F(Status, CountsMatchAKnownRequestMix) {
  put("a.txt", std::string(100, 'a'));
  put("cgi-bin/hi.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nhello'\n", 0755);
  put("cgi-bin/bad.sh", "#!/bin/sh\necho 'this is no header block'\n", 0755);
  start({"--workers", "2", "--status-path", "/-/metrics", "--max-body", "1000"});
  const std::string missing = "GET /missing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  const std::string post =
      "POST /cgi-bin/hi.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc";
  const std::string bad_cgi = "GET /cgi-bin/bad.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  const std::string del = "DELETE /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  const std::string no_host = "GET /a.txt HTTP/1.1\r\nConnection: close\r\n\r\n";
  const std::string malformed = "GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n";
  const std::string too_big = "POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n";
  // The error bodies' sizes, measured before the counting starts.
  std::size_t s404 = body_of(once(missing)).size(), s502 = body_of(once(bad_cgi)).size();
  std::size_t s405 = body_of(once(del)).size(), s400 = body_of(once(no_host)).size();
  std::size_t s413 = body_of(once(too_big)).size();
  ASSERT_GT(s404 * s502 * s405 * s400 * s413, 0u);
  std::size_t scrape_body = 0;
  std::map<std::string, double> m0 = scrape(&scrape_body);

  for (int i = 0; i < 7; ++i) EXPECT_EQ(once_status(k_get), 200);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(once_status("HEAD /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"), 200);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(once_status(missing), 404);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(once_status(post), 200);
  EXPECT_EQ(once_status(bad_cgi), 502);
  EXPECT_EQ(once_status(del), 405);
  EXPECT_EQ(once_status(no_host), 400);
  EXPECT_EQ(once_status(malformed), 400);
  EXPECT_EQ(once_status(too_big), 413);
  std::map<std::string, double> m1 = scrape();
  auto delta = [&](const std::string& name) { return m1[name] - m0[name]; };

  EXPECT_EQ(delta("filehttpd_requests_total{method=\"GET\",code=\"2xx\"}"), 7 + 1);  // + the first scrape
  EXPECT_EQ(delta("filehttpd_requests_total{method=\"HEAD\",code=\"2xx\"}"), 3);
  EXPECT_EQ(delta("filehttpd_requests_total{method=\"GET\",code=\"4xx\"}"), 4 + 1);
  EXPECT_EQ(delta("filehttpd_requests_total{method=\"GET\",code=\"5xx\"}"), 1);
  EXPECT_EQ(delta("filehttpd_requests_total{method=\"POST\",code=\"2xx\"}"), 2);
  EXPECT_EQ(delta("filehttpd_requests_total{method=\"POST\",code=\"4xx\"}"), 1);
  EXPECT_EQ(delta("filehttpd_requests_total{method=\"DELETE\",code=\"4xx\"}"), 1);
  EXPECT_EQ(delta("filehttpd_requests_total{method=\"other\",code=\"4xx\"}"), 1);
  double all = 0;
  for (const auto& [name, v] : m1)
    if (name.starts_with("filehttpd_requests_total")) all += v - m0[name];
  EXPECT_EQ(all, 21 + 1);
  EXPECT_EQ(delta("filehttpd_response_body_bytes_total"),
            static_cast<double>(7 * 100 + 4 * s404 + 2 * 5 + s502 + s405 + 2 * s400 + s413 + scrape_body));
  EXPECT_EQ(delta("filehttpd_cgi_spawned_total"), 3);
  EXPECT_EQ(delta("filehttpd_cgi_failed_total"), 1);
  EXPECT_EQ(m1["filehttpd_cgi_timeouts_total"], 0);
  EXPECT_EQ(delta("filehttpd_rejections_total{reason=\"missing_host\"}"), 1);
  EXPECT_EQ(delta("filehttpd_rejections_total{reason=\"malformed\"}"), 1);
  EXPECT_EQ(delta("filehttpd_rejections_total{reason=\"body_too_large\"}"), 1);
  EXPECT_EQ(delta("filehttpd_connections_accepted_total"), 21 + 1);  // + this scrape's connection
  EXPECT_EQ(m1["filehttpd_worker_respawns_total"], 0);
  EXPECT_EQ(m1["filehttpd_reloads_total"], 0);
  EXPECT_EQ(m1["filehttpd_build_info{version=\"" FILEHTTPD_VERSION_TEXT "\"}"], 1);
  EXPECT_GT(m1["filehttpd_uptime_seconds"], 0);
  // The gauges follow events the client does not wait for: a refused request's
  // connection lingers until the server reads the client's close, and a
  // script is reaped when its process ends, after the response it wrote.
  // They settle at this scrape's one connection and no script.
  EXPECT_TRUE(wait_until(
      [&] {
        std::map<std::string, double> m = scrape();
        return m["filehttpd_connections_open"] == 1 && m["filehttpd_cgi_running"] == 0;
      },
      3s));
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(5s), 0);
}

// A worker killed outright is respawned and counted; a reload is counted;
// the totals of the dead workers stay and their open connections do not.
TEST_F(Status, RespawnsAndReloadsAreCounted) {
  put("a.txt", "a");
  start({"--workers", "2", "--status-path", "/-/metrics"});
  for (int i = 0; i < 6; ++i) EXPECT_EQ(once_status(k_get), 200);
  int held = connect_to(port_);  // a connection with half a head: open on some worker
  ASSERT_GE(held, 0);
  ASSERT_EQ(send(held, "GET /a.txt HTTP/1.1\r\n", 21, 0), 21);
  EXPECT_TRUE(wait_until([&] { return scrape()["filehttpd_connections_open"] == 2; }, 3s));
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 2u);
  for (pid_t w : workers) kill(w, SIGKILL);
  std::map<std::string, double> m;
  EXPECT_TRUE(wait_until(
      [&] {
        m = scrape();
        return m["filehttpd_worker_respawns_total"] == 2;
      },
      6s));
  EXPECT_EQ(m["filehttpd_requests_total{method=\"GET\",code=\"2xx\"}"], 6 + scrapes_ - 1);
  EXPECT_EQ(m["filehttpd_connections_open"], 1);  // only this scrape: the killed workers' are gone
  close(held);
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return scrape()["filehttpd_reloads_total"] == 1; }, 5s));
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(5s), 0);
}

// Only status.allow may read it: others get 403, which is counted too.
TEST_F(Status, AllowListDecides) {
  put("a.txt", "a");
  std::string cfg = base_.write("f.toml", "[status]\npath = \"/-/metrics\"\nallow = [\"10.0.0.0/8\", \"unix:\"]\n");
  start({"-c", cfg});
  std::string denied = get("/-/metrics");
  EXPECT_EQ(status_of(denied), 403) << denied;
  EXPECT_EQ(body_of(denied).find("filehttpd_"), std::string::npos);
  std::string cfg2 = base_.write("g.toml", "[status]\npath = \"/-/metrics\"\nallow = [\"127.0.0.1/32\"]\n");
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(5s), 0);
  start({"-c", cfg2});
  std::string ok = get("/-/metrics");
  EXPECT_EQ(status_of(ok), 200) << ok;
  EXPECT_EQ(header(ok, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(status_of(req("POST /-/metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")),
            405);
  // A HEAD gets the head of a GET.
  std::string head = req("HEAD /-/metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(head), 200);
  EXPECT_EQ(body_of(head), "");
  RunResult bad = run({FILEHTTPD_BIN, "-t", "-c",
                       base_.write("bad.toml", "root = \"" + root_ +
                                                   "\"\nlisten = [\"127.0.0.1:9\"]\n[status]\npath = \"/m\"\n"
                                                   "allow = [\"10.0.0.0/33\"]\n")});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("bad.toml:5:9: status.allow entries must be"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("10.0.0.0/33"), std::string::npos) << bad.err;
}

// The exposition parses with Debian's python3-prometheus-client, and every
// family the endpoint promises is there with its type.
TEST_F(Status, ExpositionParsesWithPrometheusClient) {
  RunResult probe = run({"/usr/bin/python3", "-c", "import prometheus_client.parser"});
  if (probe.exit_code != 0) {
    GTEST_SKIP() << "python3-prometheus-client is not installed (scripts/install-deps.sh --test installs it): "
                 << probe.err;
  }
  put("a.txt", "a");
  start({"--status-path", "/-/metrics"});
  EXPECT_EQ(once_status(k_get), 200);
  std::string body = body_of(get("/-/metrics"));
  std::string file = base_.write("metrics.txt", body);
  RunResult parsed = run({"/usr/bin/python3", "-c",
                          "import sys\n"
                          "from prometheus_client.parser import text_string_to_metric_families as parse\n"
                          "for f in parse(open(sys.argv[1]).read()):\n"
                          "    for s in f.samples:\n"
                          "        print(f.type, s.name, sorted(s.labels.items()), s.value)\n",
                          file});
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  const char* expect[] = {
      "counter filehttpd_requests_total [('code', '2xx'), ('method', 'GET')] 1.0",
      "counter filehttpd_response_body_bytes_total [] 1.0",
      "gauge filehttpd_connections_open [] 1.0",
      "counter filehttpd_cgi_spawned_total [] 0.0",
      "gauge filehttpd_cgi_running [] 0.0",
      "counter filehttpd_cgi_failed_total [] 0.0",
      "counter filehttpd_cgi_timeouts_total [] 0.0",
      "counter filehttpd_rejections_total [('reason', 'malformed')] 0.0",
      "counter filehttpd_worker_respawns_total [] 0.0",
      "counter filehttpd_reloads_total [] 0.0",
      "counter filehttpd_log_lines_dropped_total [] 0.0",
      "gauge filehttpd_build_info [('version', '" FILEHTTPD_VERSION_TEXT "')] 1.0",
  };
  for (const char* line : expect) EXPECT_NE(parsed.out.find(line), std::string::npos) << line << "\n" << parsed.out;
  // The readiness probe's connection may or may not have been accepted yet: at least the two requests'.
  std::smatch accepted;
  ASSERT_TRUE(std::regex_search(parsed.out, accepted,
                                std::regex("counter filehttpd_connections_accepted_total \\[\\] ([0-9]+)\\.0")));
  EXPECT_GE(std::stoi(accepted[1]), 2);
  EXPECT_TRUE(std::regex_search(parsed.out, std::regex("gauge filehttpd_uptime_seconds \\[\\] [0-9.]+")));
  EXPECT_TRUE(std::regex_search(parsed.out, std::regex("gauge filehttpd_start_time_seconds \\[\\] 1[0-9]{9}\\.0")));
}
