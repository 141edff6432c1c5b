// The -t note on kernel TLS, from the kernel's list of TCP ULPs and whether
// the tls module is installed.
#include "tls_transport.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

TEST(KtlsNote, SaysWhetherTheKernelCanEncrypt) {
  const std::string yes = "kernel TLS: available; file bodies go out with SSL_sendfile where the cipher allows";
  const std::string no =
      "kernel TLS: not available (no tls in /proc/sys/net/ipv4/tcp_available_ulp); OpenSSL encrypts file bodies";
  EXPECT_EQ(ktls_note("mptcp\n", false), no);
  EXPECT_EQ(ktls_note("", false), no);
  EXPECT_EQ(ktls_note("mptcp tls\n", false), yes);
  EXPECT_EQ(ktls_note("tls", false), yes);
  EXPECT_EQ(ktls_note("mptcp\n", true), yes) << "an installed module loads on first use";
  EXPECT_EQ(ktls_note("tlsx espintcp\n", false), no) << "whole words only";
}
