#pragma once
// Session-ticket keys every worker shares and that rotate without any
// message between processes: one random secret, made once in the supervisor
// and inherited across fork (and kept across reloads), from which each
// process derives the same keys for each period of k_ticket_period. A ticket
// is sealed with the current period's keys and accepted under the previous
// period's too (then renewed).
#include <cstdint>
#include <ctime>

typedef struct ssl_ctx_st SSL_CTX;

namespace filehttpd {

// How long one set of ticket keys seals new tickets.
inline constexpr std::time_t k_ticket_period = 3600;

// Returns the period number of time t: t / k_ticket_period (0 before the epoch).
std::uint64_t ticket_period(std::time_t t);

// The keys of one period.
struct TicketKeys {
  unsigned char name[16];     // sent in the ticket, tells the period
  unsigned char aes_key[32];  // AES-256-CBC
  unsigned char mac_key[32];  // HMAC-SHA256
};

// Returns the keys of period derived from secret (32 bytes); the same
// secret and period give the same keys in every process.
TicketKeys derive_ticket_keys(const unsigned char* secret, std::uint64_t period);

// The keys of the two most recent periods asked for, each derived once: a
// handshake needs this period's keys, and a ticket from the previous period
// needs that one's.
class TicketKeyCache {
 public:
  // Derives from secret (32 bytes), which must outlive the cache.
  explicit TicketKeyCache(const unsigned char* secret) : secret_(secret) {}
  // Returns the keys of period, deriving them only on a miss (which replaces
  // the older of the two). Valid until the next get().
  const TicketKeys& get(std::uint64_t period);
  // Returns how many times keys were derived.
  std::uint64_t derivations() const { return derivations_; }

 private:
  struct Slot {
    std::uint64_t period = 0;
    bool set = false;
    TicketKeys keys{};
  };
  const unsigned char* secret_;
  Slot slots_[2];
  std::uint64_t derivations_ = 0;
};

// Makes the process's ticket secret, and fetches the ticket cipher, if it has
// not yet. Returns false when the random generator or the fetch fails.
bool make_ticket_secret();

// Has ctx seal and open tickets with the shared keys (make_ticket_secret() first).
void use_shared_ticket_keys(SSL_CTX* ctx);

}  // namespace filehttpd
