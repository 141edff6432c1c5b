// Real CGI applications nobody here wrote: PHP (php-cgi) and Git's smart
// HTTP (git-http-backend). Each is skipped, with the reason printed, when its
// program is missing; scripts/install-deps.sh --test installs both.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_php_cgi = "/usr/bin/php-cgi";
constexpr const char* k_git = "/usr/bin/git";
constexpr const char* k_git_http_backend = "/usr/lib/git-core/git-http-backend";

// Writes n pseudo-random bytes (seeded) to a file; returns its path.
std::string random_file(const TempDir& dir, const std::string& name, std::size_t n, std::uint32_t seed) {
  std::string bytes(n, '\0');
  for (char& c : bytes) {
    seed = seed * 1103515245u + 12345u;
    c = static_cast<char>(seed >> 24);
  }
  return dir.write(name, bytes);
}

std::string md5_of(const std::string& path) {
  RunResult r = run({"md5sum", path});
  return r.out.substr(0, 32);
}

class Php : public HttpServerTest {
 protected:
  void SetUp() override {
    HttpServerTest::SetUp();
    if (access(k_php_cgi, X_OK) != 0)
      GTEST_SKIP() << k_php_cgi << " is missing (install-deps.sh --test installs php8.2-cgi)";
  }
  // Puts an executable PHP page that php-cgi runs through its #! line.
  void page(const std::string& rel, const std::string& php) {
    put(rel, std::string("#!") + k_php_cgi + "\n" + php, 0755);
  }
};

class Git : public HttpServerTest {
 protected:
  void SetUp() override {
    HttpServerTest::SetUp();
    if (access(k_git, X_OK) != 0 || access(k_git_http_backend, X_OK) != 0)
      GTEST_SKIP() << k_git << " or " << k_git_http_backend << " is missing (install-deps.sh --test installs git)";
  }
  // Runs a shell script with git set up for tests (no user or system config).
  RunResult sh(const std::string& script) {
    std::string env = "export HOME=" + base_.path() + " GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0" +
                      " GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.test GIT_COMMITTER_NAME=t" +
                      " GIT_COMMITTER_EMAIL=t@example.test\nset -e\ncd " + base_.path() + "\n";
    return run({"sh", "-c", env + script}, 120s);
  }
};

}  // namespace

// A plain page: REDIRECT_STATUS lets php-cgi run, and $_SERVER has the basics.
TEST_F(Php, PlainPageAndServerBasics) {
  page("info.php",
       "<?php\nheader('Content-Type: text/plain');\n"
       "foreach (['REQUEST_METHOD','REQUEST_URI','SCRIPT_NAME','PATH_INFO','QUERY_STRING','SERVER_NAME',"
       "'SERVER_PORT','REMOTE_ADDR','SERVER_PROTOCOL','HTTP_X_TEST'] as $k) echo $k, '=', $_SERVER[$k] ?? '-', "
       "\"\\n\";\n"
       "echo 'get=', json_encode($_GET), \"\\n\", 'sapi=', php_sapi_name(), \"\\n\";\n");
  start();
  RunResult r = curl({"-H", "X-Test: yes", url_ + "/info.php/extra?a=1&b=two"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "REQUEST_METHOD=GET\nREQUEST_URI=/info.php/extra?a=1&b=two\nSCRIPT_NAME=/info.php\nPATH_INFO=/extra\n"
            "QUERY_STRING=a=1&b=two\nSERVER_NAME=127.0.0.1\nSERVER_PORT=" +
                std::to_string(port_) +
                "\nREMOTE_ADDR=127.0.0.1\nSERVER_PROTOCOL=HTTP/1.1\nHTTP_X_TEST=yes\n"
                "get={\"a\":\"1\",\"b\":\"two\"}\nsapi=cgi-fcgi\n");
  std::string raw = get("/info.php");
  EXPECT_EQ(status_of(raw), 200) << raw;
  EXPECT_EQ(header(raw, "Content-Type"), "text/plain;charset=UTF-8");
}

// Form posts reach $_POST with either framing: php-cgi reads exactly CONTENT_LENGTH bytes.
TEST_F(Php, UrlencodedAndChunkedPosts) {
  page("post.php", "<?php\nheader('Content-Type: text/plain');\necho json_encode($_POST), \"\\n\";\n");
  start();
  RunResult plain = curl({"-d", "a=1&b=two+words", url_ + "/post.php"});
  EXPECT_EQ(plain.out, "{\"a\":\"1\",\"b\":\"two words\"}\n") << plain.err;
  RunResult chunked = curl({"-H", "Transfer-Encoding: chunked", "-d", "k=v&x=%2F", url_ + "/post.php"});
  EXPECT_EQ(chunked.out, "{\"k\":\"v\",\"x\":\"\\/\"}\n") << chunked.err;
}

// A 1 MiB multipart upload arrives whole: php's md5 of the stored upload matches ours.
TEST_F(Php, MultipartUploadArrivesWhole) {
  page("upload.php",
       "<?php\nheader('Content-Type: text/plain');\n$f = $_FILES['f'];\n"
       "echo $f['error'], ' ', $f['name'], ' ', $f['size'], ' ', md5_file($f['tmp_name']), \"\\n\";\n");
  std::string file = random_file(base_, "blob.bin", 1 << 20, 42);
  std::string md5 = md5_of(file);
  start();
  for (const char* framing : {"", "Transfer-Encoding: chunked"}) {
    std::vector<std::string> args{"-F", "f=@" + file, url_ + "/upload.php"};
    if (*framing) args.insert(args.begin(), {"-H", framing});
    RunResult r = curl(args);
    EXPECT_EQ(r.out, "0 blob.bin 1048576 " + md5 + "\n") << framing << r.err;
  }
}

// Git's smart HTTP through a small wrapper CGI: clone, push a commit with a
// 5 MiB binary in three ways (a 1 KiB post buffer forces chunked bodies, the
// default, and a buffer big enough for a Content-Length body), clone again.
TEST_F(Git, CloneAndPushThroughGitHttpBackend) {
  std::string repos = base_.mkdir("repos");
  put("git.cgi",
      "#!/bin/sh\nexport GIT_PROJECT_ROOT=" + repos + " GIT_HTTP_EXPORT_ALL=1 REMOTE_USER=tester\nexec " +
          k_git_http_backend + "\n",
      0755);
  RunResult seed =
      sh("git init -q --bare -b main repos/p.git\n"
         "git -C repos/p.git config http.receivepack true\n"
         "git init -q -b main seed && cd seed && echo hello > README && git add README\n"
         "git commit -q -m first && git push -q ../repos/p.git main\n");
  ASSERT_EQ(seed.exit_code, 0) << seed.err;
  start({"--cgi-timeout", "60s"});
  std::string url = url_ + "/git.cgi/p.git";
  RunResult clone = sh("git clone -q " + url + " one\n");
  ASSERT_EQ(clone.exit_code, 0) << clone.err << server_->stderr_text();
  EXPECT_EQ(read_file(base_.path() + "/one/README"), "hello\n");
  int n = 0;
  for (const char* buffer : {"1024", "", "64m"}) {
    ++n;
    std::string name = "blob" + std::to_string(n) + ".bin";
    random_file(base_, "one/" + name, 5 << 20, 1000u + static_cast<std::uint32_t>(n));
    std::string opt = *buffer ? std::string("-c http.postBuffer=") + buffer + " " : "";
    RunResult push = sh("cd one && git add " + name + " && git commit -q -m " + name + "\n" +
                        "GIT_TRACE_CURL_NO_DATA=1 GIT_TRACE_CURL=" + base_.path() + "/trace" + std::to_string(n) +
                        " git " + opt + "push -q origin main\n");
    ASSERT_EQ(push.exit_code, 0) << "postBuffer " << buffer << ": " << push.err << server_->stderr_text();
    std::string trace = read_file(base_.path() + "/trace" + std::to_string(n));
    if (std::string(buffer) == "1024") {
      EXPECT_NE(trace.find("Send header: Transfer-Encoding: chunked"), std::string::npos) << "the push was not chunked";
    } else if (std::string(buffer) == "64m") {
      EXPECT_EQ(trace.find("Send header: Transfer-Encoding: chunked"), std::string::npos) << "the push was chunked";
      EXPECT_NE(trace.find("Send header: Content-Length: "), std::string::npos) << trace;
    }
  }
  RunResult again = sh("git clone -q " + url +
                       " two\n"
                       "test \"$(git -C one rev-parse HEAD^{tree})\" = \"$(git -C two rev-parse HEAD^{tree})\"\n"
                       "cmp one/blob3.bin two/blob3.bin && git -C two fsck --full 2>&1\n");
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_TRUE(server_->alive());
}
