#include "rss.h"

#include <assert.h>
#include <string.h>

const uint8_t rss_default_key[RSS_KEY_BYTES] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const char *const rss_names[RSS_HT_COUNT] = {
    "none", "ipv4", "tcp_ipv4", "udp_ipv4", "ipv6", "tcp_ipv6", "udp_ipv6",
};

uint32_t rss_toeplitz(const uint8_t key[RSS_KEY_BYTES], const uint8_t *input, size_t len)
{
    assert(len <= RSS_KEY_BYTES - 4 && "rss_toeplitz: input longer than key allows");
    /* window = the 32 key bits aligned with the current input bit; next = the key bits after it */
    uint32_t window = ((uint32_t)key[0] << 24) | ((uint32_t)key[1] << 16) |
                      ((uint32_t)key[2] << 8) | key[3];
    uint32_t result = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t next = key[i + 4];
        for (int b = 7; b >= 0; b--) {
            if (input[i] & (1u << b))
                result ^= window;
            window = (window << 1) | ((next >> b) & 1u);
        }
    }
    return result;
}

const char *rss_hash_type_name(int type)
{
    if (type < 0 || type >= RSS_HT_COUNT)
        return NULL;
    return rss_names[type];
}

int rss_hash_type_from_name(const char *name)
{
    for (int i = 0; i < RSS_HT_COUNT; i++)
        if (strcmp(name, rss_names[i]) == 0)
            return i;
    return -1;
}
