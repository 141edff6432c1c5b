// Scale-out: the Kubernetes manifests validate offline against the API
// schemas, and a rolling restart of three replicas behind a real load
// balancer (Debian's haproxy) loses no request.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

extern char** environ;

namespace {

const std::string k_npm_modules = "/opt/filehttpd-npm/node_modules";

// Returns why node and the validation packages cannot run here, or "".
std::string node_missing() {
  if (access("/usr/bin/node", X_OK) != 0) return "node is not installed";
  if (access((k_npm_modules + "/kubernetes-models/package.json").c_str(), R_OK) != 0 ||
      access((k_npm_modules + "/js-yaml/package.json").c_str(), R_OK) != 0)
    return "kubernetes-models and js-yaml are not in " + k_npm_modules + " (scripts/install-deps.sh --deploy)";
  return "";
}

RunResult node(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/env", "NODE_PATH=" + k_npm_modules, "/usr/bin/node"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, 60s);
}

// A child process other than filehttpd (haproxy), stopped at destruction.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv, const std::string& log) {
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid_, a[0], &fa, nullptr, a.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Child() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int st = 0;
    for (int i = 0; i < 100 && waitpid(pid_, &st, WNOHANG) == 0; ++i) sleep_for(20ms);
    if (waitpid(pid_, &st, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &st, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// The status of each server in haproxy's CSV statistics. The CSV layout is
// stable (fields are only ever appended): svname is field 1, status field 17.
std::map<std::string, std::string> server_states(int stats_port) {
  std::string csv = body_of(raw_request(stats_port, "GET /stats;csv HTTP/1.0\r\n\r\n", 2s));
  std::map<std::string, std::string> out;
  for (const std::string& line : lines_of(csv)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    if (f.size() > 17) out[f[1]] = f[17];
  }
  return out;
}

}  // namespace

// Every manifest is a valid object of its kind (schema validation that
// rejects a wrong type or a missing required field), and the deployment
// keeps its promises: probes on the health path, a grace period above
// shutdown_delay + shutdown_timeout, a locked-down pod. The ConfigMap's
// TOML passes filehttpd -t.
TEST(Deploy, KubernetesManifestsValidateOffline) {
  std::string why = node_missing();
  if (!why.empty()) GTEST_SKIP() << why;
  std::string dir = std::string(SOURCE_DIR) + "/deploy/kubernetes";
  std::string validate = std::string(SOURCE_DIR) + "/tests/deploy/validate-k8s.js";
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 4u);
  std::vector<std::string> args{validate};
  args.insert(args.end(), files.begin(), files.end());
  RunResult ok = node(args);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  for (const char* kind :
       {" ConfigMap filehttpd", " Deployment filehttpd", " Service filehttpd", " PodDisruptionBudget filehttpd"})
    EXPECT_NE(ok.out.find(kind), std::string::npos) << kind << "\n" << ok.out;

  // The validation is real: a string where an integer belongs, or a missing required field, fails.
  TempDir tmp;
  std::string dep = read_file(dir + "/deployment.yaml");
  std::string bad1 = tmp.write("bad1.yaml", std::regex_replace(dep, std::regex("replicas: 3"), "replicas: \"3\""));
  RunResult r1 = node({validate, bad1});
  EXPECT_EQ(r1.exit_code, 1) << r1.out;
  EXPECT_NE(r1.err.find("replicas must be integer"), std::string::npos) << r1.err;
  std::string bad2 =
      tmp.write("bad2.yaml", std::regex_replace(dep, std::regex("containerPort: 8080"), "containerPrt: 8080"));
  RunResult r2 = node({validate, bad2});
  EXPECT_EQ(r2.exit_code, 1) << r2.out;
  EXPECT_NE(r2.err.find("must have required property containerPort"), std::string::npos) << r2.err;

  std::string toml = tmp.path() + "/filehttpd.toml";
  RunResult checks = node({std::string(SOURCE_DIR) + "/tests/deploy/check-deploy.js", dir, toml});
  EXPECT_EQ(checks.exit_code, 0) << checks.out << checks.err;
  // And the checks are real: a grace period shorter than the stop fails.
  std::string short_dir = tmp.mkdir("short");
  for (const std::string& f : files) {
    std::string text = read_file(f);
    if (f.ends_with("deployment.yaml"))
      text = std::regex_replace(text, std::regex("terminationGracePeriodSeconds: 30"),
                                "terminationGracePeriodSeconds: 12");
    tmp.write("short/" + std::filesystem::path(f).filename().string(), text);
  }
  RunResult short_grace = node({std::string(SOURCE_DIR) + "/tests/deploy/check-deploy.js", short_dir, toml});
  EXPECT_EQ(short_grace.exit_code, 1);
  EXPECT_NE(short_grace.out.find("terminationGracePeriodSeconds 12"), std::string::npos) << short_grace.out;

  // A subPath mount of the Secret would never see a renewal: refused.
  std::string sub_dir = tmp.mkdir("subpath");
  for (const std::string& f : files) {
    std::string text = read_file(f);
    if (f.ends_with("deployment.yaml"))
      text = std::regex_replace(text, std::regex("mountPath: /etc/filehttpd-tls\n"),
                                "mountPath: /etc/filehttpd-tls\n              subPath: tls.crt\n");
    tmp.write("subpath/" + std::filesystem::path(f).filename().string(), text);
  }
  RunResult sub = node({std::string(SOURCE_DIR) + "/tests/deploy/check-deploy.js", sub_dir, toml});
  EXPECT_EQ(sub.exit_code, 1);
  EXPECT_NE(sub.out.find("/etc/filehttpd-tls/tls.crt's Secret is mounted whole, without subPath"), std::string::npos)
      << sub.out;

  // -t with a certificate where the Secret's files would be.
  std::string root = tmp.mkdir("www");
  std::string tls = tmp.mkdir("tls");
  RunResult made = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", tls + "/tls.key", "-out", tls + "/tls.crt", "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost"},
                       60s);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  tmp.write("filehttpd.toml", std::regex_replace(read_file(toml), std::regex("/etc/filehttpd-tls/"), tls + "/"));
  RunResult t = run({FILEHTTPD_BIN, "-t", "-c", toml, "--root", root});
  EXPECT_EQ(t.exit_code, 0) << t.out << t.err;
  EXPECT_NE(t.err.find("tls.watch: certificate and key files are checked every 1m"), std::string::npos) << t.err;
}

// Three replicas behind haproxy, health-checked on the health path. While
// four clients fetch a file, a larger file and a CGI for a bounded time,
// each replica is replaced in turn, the way a rollout with maxSurge 1 does:
// a new one starts on a spare port, haproxy sees it up, the old one gets
// SIGTERM with shutdown_delay (its health turns 503, haproxy takes it out,
// then it stops with exit 0). Not one request fails; every body is exact.
TEST(Deploy, RollingRestartBehindHaproxyLosesNothing) {
  if (access("/usr/sbin/haproxy", X_OK) != 0)
    GTEST_SKIP() << "haproxy is not installed (scripts/install-deps.sh --deploy)";
  TempDir tmp;
  std::string root = tmp.mkdir("www");
  std::mt19937 rng(20261123);
  std::string big(256 * 1024, '\0');
  for (char& c : big) c = static_cast<char>(rng());
  tmp.write("www/big.bin", big);
  tmp.write("www/small.txt", "small\n");
  tmp.write("www/cgi-bin/hi.sh",
            "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 15\\r\\n\\r\\nhello from cgi\\n'\n",
            0755);
  const std::string cgi_body = "hello from cgi\n";

  int front = free_port(), stats = free_port();
  int ports[6];
  for (int& p : ports) p = free_port();
  std::ostringstream cfg;
  cfg << "global\n  maxconn 256\n"
      << "defaults\n  mode http\n  timeout connect 2s\n  timeout client 10s\n  timeout server 10s\n"
      << "  retries 0\n  option http-server-close\n"
      << "frontend fe\n  bind 127.0.0.1:" << front << "\n  default_backend be\n"
      << "frontend st\n  bind 127.0.0.1:" << stats << "\n  stats enable\n  stats uri /stats\n"
      << "backend be\n  balance roundrobin\n  option httpchk\n"
      << "  http-check send meth GET uri /-/health ver HTTP/1.1 hdr Host lb\n  http-check expect status 200\n"
      << "  default-server inter 100ms fall 1 rise 2\n";
  for (int i = 0; i < 6; ++i) cfg << "  server s" << i << " 127.0.0.1:" << ports[i] << " check\n";
  std::string cfg_path = tmp.write("haproxy.cfg", cfg.str());
  RunResult syntax = run({"/usr/sbin/haproxy", "-c", "-f", cfg_path});
  ASSERT_EQ(syntax.exit_code, 0) << syntax.out << syntax.err;

  auto replica = [&](int port) {
    auto s = std::make_unique<Server>(
        std::vector<std::string>{"--profile", "http", "--root", root, "--listen", "127.0.0.1:" + std::to_string(port),
                                 "--health-path", "/-/health", "--shutdown-delay", "1s", "--access-log", "off"});
    EXPECT_TRUE(s->wait_ready(port)) << s->stderr_text();
    return s;
  };
  std::unique_ptr<Server> live[3];
  for (int i = 0; i < 3; ++i) live[i] = replica(ports[i]);
  Child lb({"/usr/sbin/haproxy", "-db", "-f", cfg_path}, tmp.path() + "/haproxy.log");
  ASSERT_GT(lb.pid(), 0);
  std::string last_states;  // for failure messages
  auto up = [&](std::vector<int> slots) {
    return wait_until(
        [&] {
          std::map<std::string, std::string> st = server_states(stats);
          last_states.clear();
          for (const auto& [name, state] : st) last_states += name + "=" + state + " ";
          for (int i = 0; i < 6; ++i) {
            bool want = std::find(slots.begin(), slots.end(), i) != slots.end();
            std::string s = st["s" + std::to_string(i)];
            if (want ? s != "UP" : s.rfind("DOWN", 0) != 0) return false;
          }
          return true;
        },
        10s);
  };
  ASSERT_TRUE(up({0, 1, 2})) << last_states << "\n" << read_file(tmp.path() + "/haproxy.log");

  std::atomic<bool> stop{false};
  std::atomic<long> done{0}, failed{0};
  std::mutex mu;
  std::string first_failure;
  auto client = [&](int id) {
    const char* paths[] = {"/small.txt", "/big.bin", "/cgi-bin/hi.sh"};
    const std::string* bodies[] = {nullptr, &big, &cgi_body};
    std::string small = "small\n";
    bodies[0] = &small;
    auto deadline = std::chrono::steady_clock::now() + 20s;  // a bound, whatever happens
    for (long n = id; !stop && std::chrono::steady_clock::now() < deadline && n < 200000; ++n) {
      int k = static_cast<int>(n % 3);
      std::string resp =
          raw_request(front, std::string("GET ") + paths[k] + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5s);
      if (status_of(resp) == 200 && body_of(resp) == *bodies[k]) {
        ++done;
        continue;
      }
      ++failed;
      std::lock_guard<std::mutex> lock(mu);
      if (first_failure.empty()) first_failure = std::string(paths[k]) + ": " + resp.substr(0, 200);
    }
  };
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) clients.emplace_back(client, i);

  sleep_for(300ms);
  std::vector<int> serving{0, 1, 2};
  std::unique_ptr<Server> fresh[3];
  int exits[3] = {-1, -1, -1};
  for (int i = 0; i < 3; ++i) {
    fresh[i] = replica(ports[3 + i]);
    std::vector<int> with_new = serving;
    with_new.push_back(3 + i);
    EXPECT_TRUE(up(with_new)) << "haproxy never saw the new replica " << i << ": " << last_states;
    live[i]->signal(SIGTERM);
    exits[i] = live[i]->wait_exit(8s);
    serving.erase(std::find(serving.begin(), serving.end(), i));
    serving.push_back(3 + i);
  }
  sleep_for(300ms);
  stop = true;
  for (auto& t : clients) t.join();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(exits[i], 0) << "old replica " << i;
  std::printf("rolling restart: %ld requests, %ld failed\n", done.load(), failed.load());
  EXPECT_EQ(failed.load(), 0) << first_failure;
  EXPECT_GT(done.load(), 300);
  for (int i = 0; i < 3; ++i) {
    fresh[i]->signal(SIGTERM);
    EXPECT_EQ(fresh[i]->wait_exit(5s), 0);
  }
}
