// Ticket keys: periods from the clock, and keys that depend on the secret
// and the period only, so every worker derives the same ones.
#include <gtest/gtest.h>

#include <cstring>

#include "tls_tickets.hpp"

using namespace filehttpd;

TEST(TlsTickets, PeriodTable) {
  struct Row {
    std::time_t t;
    std::uint64_t period;
  };
  const Row rows[] = {{-5, 0},
                      {0, 0},
                      {k_ticket_period - 1, 0},
                      {k_ticket_period, 1},
                      {3 * k_ticket_period + 7, 3},
                      {1'800'000'000, static_cast<std::uint64_t>(1'800'000'000 / k_ticket_period)}};
  for (const Row& r : rows) EXPECT_EQ(ticket_period(r.t), r.period) << r.t;
}

TEST(TlsTickets, KeysDependOnSecretAndPeriodOnly) {
  unsigned char a[32], b[32];
  for (int i = 0; i < 32; ++i) {
    a[i] = static_cast<unsigned char>(i);
    b[i] = static_cast<unsigned char>(i + 1);
  }
  TicketKeys k1 = derive_ticket_keys(a, 100), k2 = derive_ticket_keys(a, 100);
  EXPECT_EQ(std::memcmp(&k1, &k2, sizeof k1), 0) << "the same secret and period give the same keys";
  TicketKeys next = derive_ticket_keys(a, 101);
  EXPECT_NE(std::memcmp(k1.name, next.name, sizeof k1.name), 0);
  EXPECT_NE(std::memcmp(k1.aes_key, next.aes_key, sizeof k1.aes_key), 0);
  EXPECT_NE(std::memcmp(k1.mac_key, next.mac_key, sizeof k1.mac_key), 0);
  TicketKeys other = derive_ticket_keys(b, 100);
  EXPECT_NE(std::memcmp(k1.name, other.name, sizeof k1.name), 0);
  EXPECT_NE(std::memcmp(k1.aes_key, other.aes_key, sizeof k1.aes_key), 0);
  // The three keys of one period differ from each other.
  EXPECT_NE(std::memcmp(k1.aes_key, k1.mac_key, sizeof k1.aes_key), 0);
  EXPECT_NE(std::memcmp(k1.name, k1.aes_key, sizeof k1.name), 0);
}

TEST(TlsTickets, CacheDerivesEachPeriodOnceAndKeepsTheTwoNewest) {
  unsigned char secret[32];
  for (int i = 0; i < 32; ++i) secret[i] = static_cast<unsigned char>(7 * i);
  TicketKeyCache cache(secret);
  auto same = [&](std::uint64_t period) {
    TicketKeys want = derive_ticket_keys(secret, period);
    const TicketKeys& got = cache.get(period);
    return std::memcmp(&want, &got, sizeof want) == 0;
  };
  EXPECT_TRUE(same(100));
  EXPECT_TRUE(same(100));
  EXPECT_EQ(cache.derivations(), 1u) << "a second handshake in the period derives nothing";
  EXPECT_TRUE(same(99));  // a ticket from the previous period
  EXPECT_TRUE(same(100));
  EXPECT_EQ(cache.derivations(), 2u);
  EXPECT_TRUE(same(101));  // the next period replaces the oldest, 99
  EXPECT_TRUE(same(100));
  EXPECT_EQ(cache.derivations(), 3u);
  EXPECT_TRUE(same(99));
  EXPECT_EQ(cache.derivations(), 4u) << "99 was the one dropped";
}
