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
