#include "compress_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "compress_cache.hpp"

namespace filehttpd {

std::string prepare_compress_dir(Config& cfg, const Credentials& creds, std::string& made) {
  CompressConfig& cc = cfg.compress;
  if (cfg.profile != Profile::http || cc.codings.empty()) return "";
  if (cc.cache_dir.empty()) {
    if (made.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/filehttpd-compress.XXXXXX";
      if (!mkdtemp(templ.data()))
        return "cannot make compress.cache_dir under " + templ.substr(0, templ.rfind('/')) + ": " +
               std::strerror(errno);
      made = templ;
    }
    cc.cache_dir = made;
  } else if (mkdir(cc.cache_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return "cannot make compress.cache_dir '" + cc.cache_dir + "': " + std::strerror(errno);
  }
  struct stat st {};
  if (lstat(cc.cache_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return "cannot use compress.cache_dir '" + cc.cache_dir + "': not a directory";
  if (creds.drop && (st.st_uid != creds.uid) && chown(cc.cache_dir.c_str(), creds.uid, creds.gid) != 0)
    return "cannot give compress.cache_dir '" + cc.cache_dir + "' to the workers' user: " + std::strerror(errno);
  if (!creds.drop && access(cc.cache_dir.c_str(), R_OK | W_OK | X_OK) != 0)
    return "cannot use compress.cache_dir '" + cc.cache_dir + "': " + std::strerror(errno);
  // Sites hold copies of the top level's settings, made before the directory was known.
  for (SiteConfig& site : cfg.sites) {
    if (!site.cfg || !site.cfg->compress.cache_dir.empty()) continue;
    auto own = std::make_shared<Config>(*site.cfg);
    own->compress.cache_dir = cc.cache_dir;
    site.cfg = std::move(own);
  }
  return "";
}

void remove_compress_dir(const std::string& made) {
  if (made.empty()) return;
  if (DIR* d = opendir(made.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string_view name(e->d_name);
      bool ours = is_compress_entry(name) || name == ".lock" ||
                  (name.ends_with(".tmp") && is_compress_entry(name.substr(0, name.size() - 4)));
      if (ours) unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
  }
  rmdir(made.c_str());
}

}  // namespace filehttpd
