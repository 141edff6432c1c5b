// Protected paths without I/O: htpasswd parsing, which rule guards a path,
// Basic credentials, the success cache, the failure limiter, crypt_r checks
// and the [[auth]]/[[access]] config tables.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "access_rules.hpp"
#include "auth_cache.hpp"
#include "config.hpp"
#include "config_auth.hpp"
#include "crypt_pool.hpp"
#include "htpasswd.hpp"

using namespace filehttpd;

namespace {

// Made with `openssl passwd -6 -salt abcdefgh secret`.
const std::string k_sha512 =
    "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.";
// bcrypt of "pw" at cost 4 (crypt_gensalt "$2b$", count 4), so the test stays fast.
const std::string k_bcrypt = "$2b$04$abcdefghijklmnopqrstuuyvPXIbu7xe6/CED2DzX8z6Si09MlzlW";

sockaddr_storage v4(const char* text) {
  sockaddr_storage ss{};
  auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
  sin->sin_family = AF_INET;
  inet_pton(AF_INET, text, &sin->sin_addr);
  return ss;
}

sockaddr_storage v6(const char* text) {
  sockaddr_storage ss{};
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  inet_pton(AF_INET6, text, &sin6->sin6_addr);
  return ss;
}

// Writes text to a temp file and returns its path.
std::string temp_file(const std::string& text) {
  char path[] = "/tmp/filehttpd-auth-XXXXXX";
  int fd = mkstemp(path);
  if (fd >= 0) close(fd);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(Htpasswd, Lines) {
  struct Row {
    std::string text;
    const char* error;  // a part of the message; "" for none
    std::size_t users;
  } rows[] = {
      {"alice:" + k_sha512 + "\n", "", 1},
      {"# comment\n\n  \nalice:" + k_sha512 + "\r\nbob:" + k_bcrypt + "\n", "", 2},
      {"alice:" + k_sha512 + ":a comment field\n", "", 1},
      {"carol:$y$j9T$abcdefghijklmnop$0123456789abcdefghijklmnopqrstuvwxyzABCDEF\n", "", 1},
      {"alice\n", "f:1: not a \"user:hash\" line", 0},
      {"\n:" + k_sha512 + "\n", "f:2: empty user name", 0},
      {"alice:$apr1$abc$defghijklmnopqrstuvw\n", "f:1: user 'alice': unsupported hash", 0},
      {"alice:plaintext-password-here\n", "f:1: user 'alice': unsupported hash", 0},
      {"alice:$1$abcdefgh$abcdefghijklmnopqrstuv\n", "f:1: user 'alice': unsupported hash", 0},
      {"alice:" + k_sha512 + "\nalice:" + k_bcrypt + "\n", "f:2: user 'alice' appears twice", 0},
      {"al\x01ice:" + k_sha512 + "\n", "f:1: control character", 0},
      {"alice:$2y$04$abc def\n", "f:1: user 'alice': unsupported hash", 0},
  };
  for (const Row& r : rows) {
    Htpasswd h;
    std::string err = parse_htpasswd(r.text, "f", h);
    if (*r.error) {
      EXPECT_NE(err.find(r.error), std::string::npos) << r.text << " -> " << err;
    } else {
      EXPECT_EQ(err, "") << r.text;
      EXPECT_EQ(h.users.size(), r.users) << r.text;
    }
  }
}

TEST(Htpasswd, UnreadableFileIsNamed) {
  std::shared_ptr<const Htpasswd> h;
  std::string err = load_htpasswd("/nonexistent/htpasswd", h);
  EXPECT_NE(err.find("/nonexistent/htpasswd: cannot read"), std::string::npos) << err;
  EXPECT_EQ(h, nullptr);
}

TEST(AccessRules, WhichRuleGuardsAPath) {
  ProtectionRules rules;
  rules.access.push_back({"/admin/", {}, {}});
  Cidr ten, loop6;
  ASSERT_TRUE(parse_cidr("10.0.0.0/8", ten));
  ASSERT_TRUE(parse_cidr("::1", loop6));
  rules.access[0].allow = {ten, loop6};
  rules.access.push_back({"*.bak", {}, {}});  // nobody
  rules.auth.push_back({"/staging/", "a", "", nullptr});
  rules.auth.push_back({"/staging/inner/", "b", "", nullptr});
  rules.auth.push_back({"*.secret", "c", "", nullptr});
  struct Row {
    const char* path;
    const char* peer;
    bool allowed;
    const char* realm;  // nullptr: open
  } rows[] = {
      {"/admin/x", "10.1.2.3", true, nullptr},
      {"/admin/x", "192.0.2.1", false, nullptr},
      {"/admin", "192.0.2.1", true, nullptr},  // the prefix ends with '/': the redirect to /admin/ is open
      {"/admin/x", "::1", true, nullptr},
      {"/admin/x", "::ffff:10.0.0.1", true, nullptr},
      {"/admin/x", "::2", false, nullptr},
      {"/x.bak", "10.1.2.3", false, nullptr},
      {"/staging/a.html", "192.0.2.1", true, "a"},
      {"/staging/inner/a.html", "192.0.2.1", true, "b"},  // the last matching rule
      {"/staging/inner/a.secret", "192.0.2.1", true, "c"},
      {"/Staging/a.html", "192.0.2.1", true, nullptr},
      {"/stagingx/a.html", "192.0.2.1", true, nullptr},
  };
  for (const Row& r : rows) {
    sockaddr_storage peer = std::string(r.peer).find(':') != std::string::npos ? v6(r.peer) : v4(r.peer);
    EXPECT_EQ(access_allowed(rules, r.path, peer), r.allowed) << r.path << " from " << r.peer;
    const AuthRule* rule = auth_rule_for(rules, r.path);
    if (r.realm) {
      ASSERT_NE(rule, nullptr) << r.path;
      EXPECT_EQ(rule->realm, r.realm) << r.path;
    } else {
      EXPECT_EQ(rule, nullptr) << r.path;
    }
  }
  // Pages the server picks itself: guarded unless the request passed the same rule.
  sockaddr_storage outsider = v4("192.0.2.1");
  EXPECT_TRUE(page_guarded(rules, "/staging/index.html", outsider, nullptr));
  EXPECT_FALSE(page_guarded(rules, "/staging/index.html", outsider, &rules.auth[0]));
  EXPECT_TRUE(page_guarded(rules, "/staging/index.html", outsider, &rules.auth[1]));
  EXPECT_TRUE(page_guarded(rules, "/admin/404.html", outsider, nullptr));
  EXPECT_FALSE(page_guarded(rules, "/errors/404.html", outsider, nullptr));
}

TEST(AccessRules, BasicCredentials) {
  struct Row {
    const char* value;
    bool ok;
    const char* user;
    const char* password;
  } rows[] = {
      {"Basic YWxpY2U6c2VjcmV0", true, "alice", "secret"},
      {"basic YWxpY2U6c2VjcmV0", true, "alice", "secret"},
      {"BASIC   YWxpY2U6c2VjcmV0  ", true, "alice", "secret"},
      {"Basic YWxpY2U6", true, "alice", ""},                     // "alice:"
      {"Basic YWxpY2U6YTpi", true, "alice", "a:b"},              // the password may hold ':'
      {"Basic w6lsw6h2ZTpww6Rzcw==", true, "\xc3\xa9l\xc3\xa8ve", "p\xc3\xa4ss"},  // UTF-8
      {"Basic YWxpY2U=", false, "", ""},                         // "alice": no colon
      {"Basic OnNlY3JldA==", false, "", ""},                     // ":secret": no user
      {"Basic !!!!", false, "", ""},
      {"Basic YWxpY2U6c2VjcmV0=", false, "", ""},                // not a whole quartet
      {"Basic YW=xY2U6", false, "", ""},                         // padding inside
      {"Basic", false, "", ""},
      {"Basic ", false, "", ""},
      {"BasicYWxpY2U6c2VjcmV0", false, "", ""},
      {"Bearer YWxpY2U6c2VjcmV0", false, "", ""},
      {"Digest username=\"alice\"", false, "", ""},
      {"Basic YWxpY2U6c2VjAHJldA==", false, "", ""},             // a NUL in the password
  };
  for (const Row& r : rows) {
    std::string user, password;
    EXPECT_EQ(parse_basic_credentials(r.value, user, password), r.ok) << r.value;
    if (r.ok) {
      EXPECT_EQ(user, r.user) << r.value;
      EXPECT_EQ(password, r.password) << r.value;
    }
  }
  EXPECT_EQ(basic_challenge("staging"), "Basic realm=\"staging\", charset=\"UTF-8\"");
  EXPECT_EQ(basic_challenge("a \"q\" \\"), "Basic realm=\"a \\\"q\\\" \\\\\", charset=\"UTF-8\"");
}

TEST(AuthCache, KeyedExpiringAndBounded) {
  auto t0 = auth_clock::time_point{} + std::chrono::hours(1);
  AuthCache cache("k1", 2, std::chrono::seconds(10));
  AuthCache other("k2", 2, std::chrono::seconds(10));
  auto a = cache.key_for("alice", "secret", k_sha512);
  EXPECT_NE(a, other.key_for("alice", "secret", k_sha512)) << "the key is keyed";
  EXPECT_NE(a, cache.key_for("alice", "secreT", k_sha512));
  EXPECT_NE(a, cache.key_for("alice", "secret", k_bcrypt)) << "a changed hash misses";
  using std::string_view_literals::operator""sv;
  EXPECT_NE(cache.key_for("a", "b\0c"sv, "h"), cache.key_for("a\0b"sv, "c", "h")) << "field bounds are kept";
  EXPECT_NE(cache.key_for("ab", "c", "h"), cache.key_for("a", "bc", "h"));
  EXPECT_NE(cache.key_for("a", "bc", "h"), cache.key_for("a", "b", "ch"));
  EXPECT_EQ(a, cache.key_for("alice", "secret", k_sha512)) << "the same triple, the same key";
  std::string long_key(100, 'x');
  EXPECT_NE(AuthCache(long_key).key_for("a", "b", "h"), AuthCache(long_key + "y").key_for("a", "b", "h"))
      << "a key longer than a block still counts whole";
  EXPECT_FALSE(cache.hit(a, t0));
  cache.store(a, t0);
  EXPECT_TRUE(cache.hit(a, t0 + std::chrono::seconds(9)));
  EXPECT_FALSE(cache.hit(a, t0 + std::chrono::seconds(10))) << "expired";
  EXPECT_EQ(cache.size(), 0u);
  auto b = cache.key_for("bob", "x", k_sha512);
  auto c = cache.key_for("carol", "x", k_sha512);
  cache.store(a, t0);
  cache.store(b, t0 + std::chrono::seconds(1));
  cache.store(c, t0 + std::chrono::seconds(2));  // full: the oldest (a) goes
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.hit(a, t0 + std::chrono::seconds(3)));
  EXPECT_TRUE(cache.hit(b, t0 + std::chrono::seconds(3)));
  EXPECT_TRUE(cache.hit(c, t0 + std::chrono::seconds(3)));
}

TEST(FailureLimiter, WindowAndBound) {
  auto t0 = auth_clock::time_point{} + std::chrono::hours(1);
  FailureLimiter lim(3, std::chrono::seconds(60), 2);
  for (int i = 0; i < 2; ++i) lim.fail("192.0.2.1", t0);
  EXPECT_FALSE(lim.limited("192.0.2.1", t0));
  lim.fail("192.0.2.1", t0 + std::chrono::seconds(1));
  EXPECT_TRUE(lim.limited("192.0.2.1", t0 + std::chrono::seconds(2)));
  EXPECT_FALSE(lim.limited("192.0.2.2", t0 + std::chrono::seconds(2))) << "per address";
  EXPECT_FALSE(lim.limited("192.0.2.1", t0 + std::chrono::seconds(60))) << "forgiven after the window";
  lim.fail("192.0.2.2", t0 + std::chrono::seconds(3));
  lim.fail("192.0.2.3", t0 + std::chrono::seconds(4));  // full: the oldest window (192.0.2.1) goes
  EXPECT_EQ(lim.size(), 2u);
  EXPECT_FALSE(lim.limited("192.0.2.1", t0 + std::chrono::seconds(5)));
  for (int i = 0; i < 3; ++i) lim.fail("192.0.2.3", t0 + std::chrono::seconds(5));
  EXPECT_TRUE(lim.limited("192.0.2.3", t0 + std::chrono::seconds(5)));
}

TEST(CryptPool, VerifiesWithCryptR) {
  EXPECT_TRUE(verify_password("secret", k_sha512));
  EXPECT_FALSE(verify_password("Secret", k_sha512));
  EXPECT_FALSE(verify_password("", k_sha512));
  EXPECT_TRUE(verify_password("pw", k_bcrypt));
  EXPECT_FALSE(verify_password("pw ", k_bcrypt));
  EXPECT_FALSE(verify_password("pw", "$6$bad"));
  CryptPool pool;
  ASSERT_GE(pool.fd(), 0);
  ASSERT_TRUE(pool.submit(1, "secret", k_sha512));
  ASSERT_TRUE(pool.submit(2, "nope", k_sha512));
  ASSERT_TRUE(pool.submit(3, "pw", k_bcrypt));
  std::vector<CryptPool::Done> done;
  for (int i = 0; i < 500 && done.size() < 3; ++i) {
    usleep(10'000);
    for (const CryptPool::Done& d : pool.take_done()) done.push_back(d);
  }
  ASSERT_EQ(done.size(), 3u);
  for (const CryptPool::Done& d : done) EXPECT_EQ(d.ok, d.id != 2) << d.id;
}

TEST(ConfigAuth, TablesAndErrors) {
  std::string users = temp_file("alice:" + k_sha512 + "\n");
  std::string bad_users = temp_file("# users\nalice:" + k_sha512 + "\nbob:$apr1$x$yyyyyyyyyyyyyyyyyyyyyy\n");
  struct Row {
    std::string text;
    std::string error;  // a part of the message; "" for none
  } rows[] = {
      {"[[auth]]\npath = \"/staging/\"\nrealm = \"s\"\nusers = \"" + users + "\"\n", ""},
      {"[[access]]\npath = \"/admin/\"\nallow = [\"10.0.0.0/8\", \"::1\"]\n", ""},
      {"[[access]]\npath = \"/closed/\"\nallow = []\n", ""},
      {"[[auth]]\npath = \"/staging/\"\nusers = \"" + bad_users + "\"\n",
       ":3:9: auth[1].users: " + bad_users + ":3: user 'bob': unsupported hash"},
      {"[[auth]]\npath = \"/s/\"\nusers = \"/nonexistent/htpasswd\"\n",
       ":3:9: auth[1].users: /nonexistent/htpasswd: cannot read"},
      {"[[auth]]\npath = \"staging\"\nusers = \"" + users + "\"\n", ":2:8: auth[1].path must start with '/'"},
      {"[[auth]]\npath = \"/s/\"\n", ":1:1: auth[1] needs users"},
      {"[[auth]]\nusers = \"" + users + "\"\n", "auth[1] needs a path"},
      {"[[auth]]\npath = \"/s/\"\nusers = \"" + users + "\"\nrealm = \"a\\nb\"\n", ":4:9: auth[1].realm must be"},
      {"[[auth]]\npath = \"/s/\"\nusers = \"" + users + "\"\nuser = \"x\"\n", ":4:1: unknown key 'auth[1].user'"},
      {"[[access]]\npath = \"/a/\"\nallow = [\"10.0.0.0/33\"]\n", ":3:10: access[1].allow entries must be"},
      {"[[access]]\npath = \"/a/\"\n", ":1:1: access[1] needs allow"},
      {"[[access]]\npath = \"/a/\"\ndeny = []\n", ":3:1: unknown key 'access[1].deny'"},
      {"access = 1\n", ":1:10: access must be [[access]] tables"},
  };
  for (const Row& r : rows) {
    std::string path = temp_file(r.text);
    Config cfg;
    std::string err = load_config_file(path, cfg);
    std::remove(path.c_str());
    if (!r.error.empty()) {
      EXPECT_NE(err.find(r.error), std::string::npos) << r.text << " -> " << err;
    } else {
      EXPECT_EQ(err, "") << r.text;
      EXPECT_FALSE(cfg.protection.empty());
    }
  }
  Config cfg;
  std::string path = temp_file("listen = [\"127.0.0.1:8080\"]\n[[auth]]\npath = \"/s/\"\nrealm = \"r\"\nusers = \"" +
                               users + "\"\n[[access]]\npath = \"/a/\"\nallow = [\"10.0.0.0/8\"]\n");
  ASSERT_EQ(load_config_file(path, cfg), "");
  std::remove(path.c_str());
  EXPECT_EQ(describe_protection(cfg),
            "access /a/ allow 10.0.0.0/8\nauth /s/ realm \"r\" users " + users + " (1 users)\n");
  ASSERT_EQ(protection_warnings(cfg).size(), 1u);
  EXPECT_NE(protection_warnings(cfg)[0].find("[[auth]] /s/ is served on plain HTTP"), std::string::npos);
  cfg.tls.redirect_http = true;
  EXPECT_TRUE(protection_warnings(cfg).empty());
  std::remove(users.c_str());
  std::remove(bad_users.c_str());
}
