/* Software Toeplitz hash per Microsoft "RSS Hashing Functions".
 * Reference model for the RTL and the software receive path. */
#ifndef NICSIM_RSS_H
#define NICSIM_RSS_H
#include <stddef.h>
#include <stdint.h>

#include "nic_hw.h"

#define RSS_KEY_BYTES 40
#define RSS_TABLE_MAX 128

/* NDIS 6.0 hash types: the NIC's codes (NIC_HT_*, rtl/nic_hw.h), under the names the software
 * path uses. */
enum rss_hash_type {
    RSS_HT_NONE = NIC_HT_NONE,
    RSS_HT_IPV4 = NIC_HT_IPV4,
    RSS_HT_TCP_IPV4 = NIC_HT_TCP_IPV4,
    RSS_HT_UDP_IPV4 = NIC_HT_UDP_IPV4,
    RSS_HT_IPV6 = NIC_HT_IPV6,
    RSS_HT_TCP_IPV6 = NIC_HT_TCP_IPV6,
    RSS_HT_UDP_IPV6 = NIC_HT_UDP_IPV6,
    RSS_HT_COUNT = NIC_HT_COUNT
};

/* Enable-mask bits (bit n-1 enables hash type n): the CSR encoding. */
#define RSS_HT_BIT(t) (1u << ((t) - 1))
#define RSS_HT_DEFAULT_MASK (RSS_HT_BIT(RSS_HT_IPV4) | RSS_HT_BIT(RSS_HT_TCP_IPV4) | \
                             RSS_HT_BIT(RSS_HT_IPV6) | RSS_HT_BIT(RSS_HT_TCP_IPV6))

/* The key from Microsoft's "Verifying the RSS Hash Calculation". */
extern const uint8_t rss_default_key[RSS_KEY_BYTES];

/* Toeplitz over `len` input bytes (network order, MSB of input[0] first).
 * len must be <= RSS_KEY_BYTES - 4. */
uint32_t rss_toeplitz(const uint8_t key[RSS_KEY_BYTES], const uint8_t *input, size_t len);

/* Name of a hash type ("none", "ipv4", "tcp_ipv4", ...); NULL if out of range. */
const char *rss_hash_type_name(int type);
/* Hash type from its name; -1 if unknown. */
int rss_hash_type_from_name(const char *name);

#endif
