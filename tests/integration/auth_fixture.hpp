#pragma once
// The protected-path tests' fixture: a server from a config file with an
// htpasswd file beside the root, hashes made with libxcrypt (crypt_gensalt_rn
// and crypt_r, as htpasswd -B or mkpasswd would), and Basic credentials.
#include <crypt.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <string>

#include "site_fixture.hpp"

namespace auth_support {

using namespace testing_support;

// Returns the crypt(3) hash of password in the scheme of prefix ("$2b$",
// "$6$", "$y$") at cost (0: the scheme's default), with a random salt.
inline std::string make_hash(const char* prefix, unsigned long cost, const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn(prefix, cost, nullptr, 0, salt, sizeof salt)) return "<no salt>";
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_r(password.c_str(), salt, data.get());
  return out && out[0] != '*' ? out : "<no hash>";
}

// Returns an "Authorization: Basic ...\r\n" line for user and password.
inline std::string basic(const std::string& user, const std::string& password) {
  std::string plain = user + ":" + password;
  std::string b64(4 * ((plain.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                          reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  b64.resize(static_cast<std::size_t>(n));
  return "Authorization: Basic " + b64 + "\r\n";
}

class AuthServerTest : public SiteServerTest {
 protected:
  // Writes the htpasswd file (beside the root, never served) and returns its path.
  std::string write_users(const std::string& lines) {
    users_ = base_.write("htpasswd", lines);
    return users_;
  }
  // An [[auth]] table for path over the htpasswd file.
  std::string auth_rule(const std::string& path, const std::string& realm = "staging") {
    return "[[auth]]\npath = \"" + path + "\"\nrealm = \"" + realm + "\"\nusers = \"" + users_ + "\"\n";
  }
  std::string users_;
};

}  // namespace auth_support
