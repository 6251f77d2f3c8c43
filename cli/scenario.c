/* Scenario files: INI read with inih, every key checked, errors with FILE:LINE. */
#include "cli.h"
#include "cli_util.h"

#include "rss.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Where a value came from. Lines are 1-based; "later" means a higher line, and every
 * --set comes after the whole file. */
enum { ORIGIN_NONE = 0, ORIGIN_FILE = 1, ORIGIN_SET = 2 };
typedef struct sc_origin {
    int kind;
    int line;  /* ORIGIN_FILE only */
} sc_origin;

/* Every known key, in documentation order. */
enum sc_key {
    K_SC_NAME, K_SC_DESCRIPTION, K_SC_TRACE, K_SC_HOST,
    K_NIC_DATA_WIDTH, K_NIC_CLOCK_MHZ, K_NIC_LINK_GBPS, K_NIC_MTU, K_NIC_OVERSIZE,
    K_NIC_RSS_KEY, K_NIC_RSS_QUEUES, K_NIC_TABLE, K_NIC_HASH_TYPES, K_NIC_RX_FIFO,
    K_NIC_QUANTUM, K_NIC_IRQ_FRAMES, K_NIC_IRQ_US,
    K_PCIE_LINK, K_PCIE_LANES, K_PCIE_MAX_PAYLOAD, K_PCIE_MAX_READ_REQUEST,
    K_PCIE_READ_LATENCY, K_PCIE_READ_TAGS, K_PCIE_POSTED_BUFFER,
    K_HOST_CPUS, K_HOST_CPU_MHZ, K_HOST_MEMORY_MB, K_HOST_MEM_GBPS, K_HOST_COST_PROFILE,
    K_HOST_FIREWALL, K_HOST_IPSEC, K_HOST_IP_NAT, K_HOST_THIRD_PARTY_FIREWALL, K_HOST_NDIS51_IM,
    K_HOST_BRIDGING,
    K_DRV_RX_RING, K_DRV_RX_BUF, K_DRV_TX_RING, K_DRV_DPC_BUDGET,
    K_TCPIP_RSS, K_TCPIP_CHIMNEY, K_TCPIP_TCPA, K_TCPIP_MIN_DMA, K_TCPIP_DMA_SYNC, K_TCPIP_CSUM,
    K_TCPIP_ACK_FREQUENCY, K_TCPIP_DELACK_TICKS, K_TCPIP_WINDOW_SIZE,
    K_TCPIP_EXCL_DST, K_TCPIP_EXCL_SRC, K_TCPIP_INCL_DST, K_TCPIP_INCL_SRC,
    K_APP_RECV_BUFFER, K_APP_POSTED_BUFFERS, K_APP_CYCLES_PER_BYTE, K_APP_CONSUME_MBPS,
    K_APP_COMPLETE_ON_PUSH,
    K_CHIMNEY_POLICY, K_CHIMNEY_AUTO_MIN_BYTES, K_CHIMNEY_AUTO_MAX_RTT, K_CHIMNEY_AUTO_MIN_LINK,
    K_CHIMNEY_PATH_RTT, K_CHIMNEY_POST_BYTES, K_CHIMNEY_POSTED,
    K_NETDMA_CHANNELS, K_NETDMA_CHECK, K_NETDMA_CLOCK_MHZ, K_NETDMA_RING, K_NETDMA_INTR_DELAY,
    K_NETDMA_DEBUG_BREAK,
    K_REPLAY_TIMING, K_REPLAY_MULTIPLIER, K_REPLAY_MBPS, K_REPLAY_PPS, K_REPLAY_LOOP,
    K_REPLAY_FIX_CHECKSUMS,
    K_REPLAY_LIMIT,
    K_REPLAY_DURATION,
    K_REPLAY_FILTER,
    K_COUNT
};

struct cli_scenario {
    ns_config cfg;
    char *file;           /* scenario path as given */
    char *dir;            /* its directory with a trailing '/', "" for the current one */
    char *name;           /* scenario.name, or the file's stem */
    char *description;
    char *trace;          /* scenario.trace, resolved against dir (file) or cwd (--set) */
    char *trace_used;     /* after finish: --trace or trace */
    char *table_text;     /* nic.indirection_table as written, for later messages */
    double profile_app_byte; /* app_byte of the cost profile in use */
    sc_origin given[K_COUNT];
    sc_origin cur;        /* origin of the value being applied */
    char **warn;
    size_t nwarn, capwarn;
    int loaded;
    int finished;
};

typedef int (*sc_parse_fn)(cli_scenario *sc, const char *v, char *why, size_t whylen);

/* How a key's value is read. A plain key (every kind but SK_FN) is a number or a flag that is
 * checked by its kind's rule and stored as it is into a field of the scenario; SK_FN keys
 * have a handler of their own. */
typedef enum sc_kind {
    SK_FN,       /* parse() */
    SK_UINT,     /* an integer in lo..hi */
    SK_POW2,     /* a power of two in lo..hi */
    SK_POSITIVE, /* a number in min..max (min > 0) */
    SK_RATE,     /* 0 (off), or a number in min..max (min > 0): sets a fixed rate */
    SK_NONNEG,   /* a number in 0..max; note (if any) says what 0 means */
    SK_BOOL,     /* 0/1, true/false, yes/no or on/off */
} sc_kind;

/* Where a plain key stores its value: a field of cli_scenario and the field's type. */
typedef enum sc_ftype { SF_INT, SF_U32, SF_DOUBLE } sc_ftype;

typedef struct sc_field {
    size_t off;
    sc_ftype type;
} sc_field;

/* The field m of cli_scenario (e.g. cfg.pcie.read_tags), with the type it is declared with. */
#define SC_FIELD(m)                                                                      \
    {offsetof(cli_scenario, m),                                                          \
     _Generic(((cli_scenario *)0)->m, int: SF_INT, uint32_t: SF_U32, double: SF_DOUBLE)}

typedef struct sc_key_desc {
    const char *section;
    const char *name;
    sc_kind kind;
    sc_parse_fn parse;  /* SK_FN */
    uint64_t lo, hi;    /* SK_UINT, SK_POW2 */
    double min, max;    /* SK_POSITIVE, SK_RATE (min); SK_POSITIVE, SK_RATE, SK_NONNEG (max) */
    const char *unit;   /* of min and max in messages ("MHz"), or NULL */
    const char *note;   /* SK_NONNEG */
    sc_field field;     /* plain keys */
} sc_key_desc;

static const char *const sc_sections[] = {"scenario", "nic", "pcie", "host", "driver", "tcpip",
                                          "app", "chimney", "netdma", "replay", "events"};
#define SC_SECTION_LIST                                                                      \
    "[scenario], [nic], [pcie], [host], [driver], [tcpip], [app], [chimney], [netdma], [replay] " \
    "or [events]"

/* ---- helpers ---- */

static int sc_warn(cli_scenario *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int sc_warn(cli_scenario *sc, const char *fmt, ...)
{
    if (sc->nwarn == sc->capwarn) {
        size_t cap = sc->capwarn ? sc->capwarn * 2 : 8;
        char **w = realloc(sc->warn, cap * sizeof *w);
        if (!w)
            return CLI_ENOMEM;
        sc->warn = w;
        sc->capwarn = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = cli_vasprintf(fmt, ap);
    va_end(ap);
    if (!s)
        return CLI_ENOMEM;
    sc->warn[sc->nwarn++] = s;
    return CLI_OK;
}

/* "FILE:LINE" or "--set". */
static void sc_where(const cli_scenario *sc, sc_origin o, char *buf, size_t len)
{
    if (o.kind == ORIGIN_FILE)
        snprintf(buf, len, "%s:%d", sc->file ? sc->file : "?", o.line);
    else
        snprintf(buf, len, "--set");
}

/* The value as quoted in messages: long ones are cut. */
static void sc_quote(const char *v, char *buf, size_t len)
{
    const size_t max = 48;
    if (strlen(v) <= max)
        snprintf(buf, len, "%s", v);
    else
        snprintf(buf, len, "%.*s...", (int)max, v);
}

static int sc_later(sc_origin a, sc_origin b)
{
    if (a.kind != b.kind)
        return a.kind > b.kind;
    return a.line > b.line;
}

static int sc_replace_str(char **dst, const char *v, char *why, size_t whylen)
{
    char *s = cli_strdup(v);
    if (!s) {
        cli_msg(why, whylen, "out of memory");
        return CLI_ENOMEM;
    }
    free(*dst);
    *dst = s;
    return CLI_OK;
}

static char *sc_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Relative paths in a file are relative to the file's directory; in --set, to the current
 * one. Returns a heap string or NULL if out of memory. */
static char *sc_resolve_path(const cli_scenario *sc, const char *v)
{
    if (sc->cur.kind == ORIGIN_FILE && v[0] != '/' && sc->dir && *sc->dir)
        return cli_asprintf("%s%s", sc->dir, v);
    return cli_strdup(v);
}

/* The next item of the comma-separated list at *p, cut out in place and trimmed; empty items
 * count. *p moves past the item's comma, and is NULL after the last item. */
static char *sc_next_item(char **p)
{
    char *item = *p;
    char *comma = strchr(item, ',');
    if (comma) {
        *comma = '\0';
        *p = comma + 1;
    } else {
        *p = NULL;
    }
    return sc_trim(item);
}

/* ---- plain keys ---- */

/* A range bound as written in messages: integers in full (10000000), others by %g (0.001). */
static void sc_fmt_bound(double v, char *buf, size_t len)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%g", v);
}

/* A number by the rule of kind SK_POSITIVE, SK_RATE or SK_NONNEG, in min..max (the ranges keep
 * every later conversion to integer time exact: docs/scenarios.md). */
static int sc_number(const char *v, sc_kind kind, double min, double max, const char *unit,
                     const char *note, double *out, char *why, size_t whylen)
{
    double d;
    if (cli_parse_double(v, &d, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    if (kind == SK_NONNEG)
        min = 0;
    int ok = (d >= min && d <= max) || (kind == SK_RATE && d == 0);
    if (!ok) {
        char lo[32], hi[32], u[40];
        sc_fmt_bound(min, lo, sizeof lo);
        sc_fmt_bound(max, hi, sizeof hi);
        snprintf(u, sizeof u, "%s%s", unit ? " " : "", unit ? unit : "");
        if (kind == SK_RATE)
            cli_msg(why, whylen, "out of range (expected 0 for off, or %s..%s%s)", lo, hi, u);
        else
            cli_msg(why, whylen, "out of range (expected %s..%s%s)%s", lo, hi, u,
                    note ? note : "");
        return CLI_EUSAGE;
    }
    *out = d + 0.0; /* -0 reads as 0 */
    return CLI_OK;
}

/* A plain key's value: checked by its kind's rule and stored into its field. Every plain
 * value fits a double exactly (the integers are at most 2^32 - 1). */
static int sc_parse_plain(cli_scenario *sc, const sc_key_desc *d, const char *v, char *why,
                          size_t whylen)
{
    double val;
    if (d->kind == SK_UINT || d->kind == SK_POW2) {
        uint64_t x;
        if (cli_parse_uint(v, d->lo, d->hi, &x, why, whylen) != CLI_OK)
            return CLI_EUSAGE;
        if (d->kind == SK_POW2 && (x & (x - 1)) != 0) {
            cli_msg(why, whylen, "not a power of two (expected %llu, %llu, ..., %llu)",
                    (unsigned long long)d->lo, (unsigned long long)(d->lo * 2),
                    (unsigned long long)d->hi);
            return CLI_EUSAGE;
        }
        val = (double)x;
    } else if (d->kind == SK_BOOL) {
        int b;
        if (cli_parse_bool(v, &b, why, whylen) != CLI_OK)
            return CLI_EUSAGE;
        val = b;
    } else if (sc_number(v, d->kind, d->min, d->max, d->unit, d->note, &val, why, whylen) !=
               CLI_OK) {
        return CLI_EUSAGE;
    }
    void *p = (char *)sc + d->field.off;
    switch (d->field.type) {
    case SF_INT:
        *(int *)p = (int)val;
        break;
    case SF_U32:
        *(uint32_t *)p = (uint32_t)val;
        break;
    case SF_DOUBLE:
        *(double *)p = val;
        break;
    }
    return CLI_OK;
}

/* ---- [scenario] ---- */

static int k_name(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    return sc_replace_str(&sc->name, v, why, whylen);
}

static int k_description(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    return sc_replace_str(&sc->description, v, why, whylen);
}

static int k_trace(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    if (!*v) {
        cli_msg(why, whylen, "empty path");
        return CLI_EUSAGE;
    }
    char *path = sc_resolve_path(sc, v);
    if (!path) {
        cli_msg(why, whylen, "out of memory");
        return CLI_ENOMEM;
    }
    free(sc->trace);
    sc->trace = path;
    return CLI_OK;
}

static int k_host(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    if (strcasecmp(v, "auto") == 0) {
        sc->cfg.host_mode = NS_HOST_AUTO;
        sc->cfg.host_count = 0;
        return CLI_OK;
    }
    if (strcasecmp(v, "any") == 0) {
        sc->cfg.host_mode = NS_HOST_ANY;
        sc->cfg.host_count = 0;
        return CLI_OK;
    }
    char *copy = cli_strdup(v);
    if (!copy) {
        cli_msg(why, whylen, "out of memory");
        return CLI_ENOMEM;
    }
    int rc = CLI_OK;
    ns_addr hosts[NS_MAX_HOSTS];
    int n = 0;
    for (char *p = copy; p;) {
        char *item = sc_next_item(&p);
        if (!*item) {
            cli_msg(why, whylen, "empty address in the list");
            rc = CLI_EUSAGE;
            goto out;
        }
        if (strcasecmp(item, "auto") == 0 || strcasecmp(item, "any") == 0) {
            cli_msg(why, whylen, "'%s' cannot be combined with addresses", item);
            rc = CLI_EUSAGE;
            goto out;
        }
        if (n == NS_MAX_HOSTS) {
            cli_msg(why, whylen, "at most %d addresses", NS_MAX_HOSTS);
            rc = CLI_EUSAGE;
            goto out;
        }
        memset(&hosts[n], 0, sizeof hosts[n]);
        /* ADDR, IPv4:PORT or [IPv6]:PORT */
        char *addr = item, *port = NULL;
        if (item[0] == '[') {
            char *close = strchr(item, ']');
            if (close && close[1] == ':') { /* brackets only around an address with a port */
                *close = '\0';
                addr = item + 1;
                port = close + 2;
            }
        } else {
            char *colon = strchr(item, ':');
            if (colon && !strchr(colon + 1, ':')) {
                *colon = '\0';
                port = colon + 1;
            }
        }
        if (inet_pton(AF_INET, addr, hosts[n].a) == 1) {
            hosts[n].family = 4;
        } else if (inet_pton(AF_INET6, addr, hosts[n].a) == 1) {
            hosts[n].family = 6;
        } else {
            cli_msg(why, whylen, "'%s' is not an IPv4 or IPv6 address (expected auto, any "
                    "or a comma-separated list of addresses, each optionally with a port: "
                    "127.0.0.1:5201, [::1]:5201)", addr);
            rc = CLI_EUSAGE;
            goto out;
        }
        if (port) {
            char *end = NULL;
            unsigned long pv = strtoul(port, &end, 10);
            if (!*port || *end || pv < 1 || pv > 65535 || port[0] == '-' || port[0] == '+') {
                cli_msg(why, whylen, "'%s' is not a port (1..65535)", port);
                rc = CLI_EUSAGE;
                goto out;
            }
            hosts[n].port = (uint16_t)pv;
        }
        n++;
    }
    sc->cfg.host_mode = NS_HOST_LIST;
    sc->cfg.host_count = n;
    memcpy(sc->cfg.hosts, hosts, (size_t)n * sizeof hosts[0]);
out:
    free(copy);
    return rc;
}

/* ---- [nic] ---- */

static int k_data_width(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    uint64_t w;
    if (cli_parse_uint(v, 0, 1u << 20, &w, why, whylen) != CLI_OK) {
        cli_msg(why, whylen, "expected 64 or 512");
        return CLI_EUSAGE;
    }
    if (w == 128 || w == 256) {
        cli_msg(why, whylen, "only 64 and 512 are built into nicsim");
        return CLI_EUSAGE;
    }
    if (w != 64 && w != 512) {
        cli_msg(why, whylen, "expected 64 or 512");
        return CLI_EUSAGE;
    }
    sc->cfg.data_width = (int)w;
    return CLI_OK;
}

static int k_oversize(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    if (strcmp(v, "resegment") == 0)
        sc->cfg.resegment = 1;
    else if (strcmp(v, "drop") == 0)
        sc->cfg.resegment = 0;
    else {
        cli_msg(why, whylen, "expected resegment or drop");
        return CLI_EUSAGE;
    }
    return CLI_OK;
}

static int sc_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int k_rss_key(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    const char *p = v;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    uint8_t key[RSS_KEY_BYTES];
    int ndig = 0;
    for (; *p; p++) {
        if (*p == ':')
            continue;
        int h = sc_hexval(*p);
        if (h < 0) {
            if (isspace((unsigned char)*p))
                cli_msg(why, whylen, "spaces are not allowed inside the key (':' may separate bytes)");
            else if (isprint((unsigned char)*p))
                cli_msg(why, whylen, "'%c' is not a hex digit", *p);
            else
                cli_msg(why, whylen, "byte 0x%02x is not a hex digit", (unsigned char)*p);
            return CLI_EUSAGE;
        }
        if (ndig < 2 * RSS_KEY_BYTES) {
            if (ndig % 2 == 0)
                key[ndig / 2] = (uint8_t)(h << 4);
            else
                key[ndig / 2] |= (uint8_t)h;
        }
        ndig++;
    }
    if (ndig != 2 * RSS_KEY_BYTES) {
        cli_msg(why, whylen, "expected %d hex digits (%d bytes), got %d", 2 * RSS_KEY_BYTES,
                RSS_KEY_BYTES, ndig);
        return CLI_EUSAGE;
    }
    memcpy(sc->cfg.rss_key, key, sizeof key);
    return CLI_OK;
}

static int k_table(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    char *copy = cli_strdup(v);
    if (!copy) {
        cli_msg(why, whylen, "out of memory");
        return CLI_ENOMEM;
    }
    int rc = CLI_OK;
    uint8_t table[NS_TABLE_MAX];
    int n = 0;
    for (char *p = copy; p;) {
        char *item = sc_next_item(&p);
        if (n == NS_TABLE_MAX) {
            cli_msg(why, whylen, "more than %d entries", NS_TABLE_MAX);
            rc = CLI_EUSAGE;
            goto out;
        }
        uint64_t q;
        char sub[96];
        if (cli_parse_uint(item, 0, NS_MAX_QUEUES - 1, &q, sub, sizeof sub) != CLI_OK) {
            cli_msg(why, whylen, "entry %d ('%s'): %s", n, item, sub);
            rc = CLI_EUSAGE;
            goto out;
        }
        table[n++] = (uint8_t)q;
    }
    if ((n & (n - 1)) != 0) {
        cli_msg(why, whylen, "%d entries; the count must be a power of two (1, 2, 4, ..., %d)",
                n, NS_TABLE_MAX);
        rc = CLI_EUSAGE;
        goto out;
    }
    if (sc_replace_str(&sc->table_text, v, why, whylen) != CLI_OK) {
        rc = CLI_ENOMEM;
        goto out;
    }
    memcpy(sc->cfg.table, table, (size_t)n);
    sc->cfg.table_size = n;
    sc->cfg.table_given = 1;
out:
    free(copy);
    return rc;
}

static int k_hash_types(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    char *copy = cli_strdup(v);
    if (!copy) {
        cli_msg(why, whylen, "out of memory");
        return CLI_ENOMEM;
    }
    int rc = CLI_OK;
    uint32_t mask = 0;
    int items = 0, none = 0;
    for (char *p = copy; p;) {
        char *item = sc_next_item(&p);
        size_t len = strlen(item);
        if (!*item) {
            cli_msg(why, whylen, "empty name in the list");
            rc = CLI_EUSAGE;
            goto out;
        }
        int t = rss_hash_type_from_name(item);
        if (len > 3 && strcmp(item + len - 3, "_ex") == 0) {
            cli_msg(why, whylen, "'%s' is not supported (no _ex hash types)", item);
            rc = CLI_EUSAGE;
            goto out;
        }
        if (t < 0) {
            cli_msg(why, whylen, "unknown hash type '%s' (expected ipv4, tcp_ipv4, udp_ipv4, "
                    "ipv6, tcp_ipv6, udp_ipv6, or none alone)", item);
            rc = CLI_EUSAGE;
            goto out;
        }
        if (t == RSS_HT_NONE)
            none = 1;
        else
            mask |= RSS_HT_BIT(t);
        items++;
    }
    if (none && items > 1) {
        cli_msg(why, whylen, "'none' cannot be combined with hash types");
        rc = CLI_EUSAGE;
        goto out;
    }
    sc->cfg.rss_hash_types = mask;
out:
    free(copy);
    return rc;
}

/* ---- [pcie] ---- */

static int k_pcie_link(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    int link = pcie_link_from_name(v);
    if (link < 0) {
        cli_msg(why, whylen, "expected gen1, gen2, gen3, pci-x or pci");
        return CLI_EUSAGE;
    }
    sc->cfg.pcie.link = link;
    return CLI_OK;
}

static int k_pcie_lanes(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    uint64_t x;
    if (cli_parse_uint(v, 0, 1u << 20, &x, why, whylen) != CLI_OK ||
        !(x == 1 || x == 2 || x == 4 || x == 8 || x == 16)) {
        cli_msg(why, whylen, "expected 1, 2, 4, 8 or 16");
        return CLI_EUSAGE;
    }
    sc->cfg.pcie.lanes = (int)x;
    return CLI_OK;
}

/* ---- [host] ---- */

/* cost_profile = NAME | PATH: a built-in profile by name, otherwise a profile file, which
 * is read (and checked) now so that a bad one stops before the run. */
static int k_cost_profile(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    char names[128] = "";
    const char *const *bn = hs_cost_builtin_names();
    for (size_t i = 0; bn[i]; i++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", bn[i]);
    }
    if (!*v) {
        cli_msg(why, whylen, "empty value (expected a built-in profile: %s; or a profile file)",
                names);
        return CLI_EUSAGE;
    }
    /* hs_cost holds every key's source note: keep it off the stack */
    hs_cost *cost = malloc(sizeof *cost);
    if (!cost) {
        cli_msg(why, whylen, "out of memory");
        return CLI_ENOMEM;
    }
    int rc = CLI_OK;
    char *path = NULL;
    char herr[256] = "";
    for (size_t i = 0; bn[i]; i++) {
        if (strcmp(v, bn[i]) == 0) {
            if (hs_cost_builtin(cost, v, herr, sizeof herr) != HS_OK) {
                cli_msg(why, whylen, "%s", herr);
                rc = CLI_EUSAGE;
                goto out;
            }
            snprintf(sc->cfg.cost_profile, sizeof sc->cfg.cost_profile, "%s", v);
            sc->profile_app_byte = cost->v[HS_C_APP_BYTE];
            goto out;
        }
    }
    path = sc_resolve_path(sc, v);
    if (!path) {
        cli_msg(why, whylen, "out of memory");
        rc = CLI_ENOMEM;
        goto out;
    }
    if (strlen(path) >= sizeof sc->cfg.cost_profile) {
        cli_msg(why, whylen, "path longer than %zu bytes", sizeof sc->cfg.cost_profile - 1);
        rc = CLI_EUSAGE;
        goto out;
    }
    if (access(path, R_OK) != 0) {
        cli_msg(why, whylen, "cannot read profile file '%s': %s (built-in profiles: %s)", path,
                strerror(errno), names);
        rc = CLI_EUSAGE;
        goto out;
    }
    if (hs_cost_load(cost, path, herr, sizeof herr) != HS_OK) {
        cli_msg(why, whylen, "bad profile: %s", herr);
        rc = CLI_EUSAGE;
        goto out;
    }
    snprintf(sc->cfg.cost_profile, sizeof sc->cfg.cost_profile, "%s", path);
    sc->profile_app_byte = cost->v[HS_C_APP_BYTE];
out:
    free(path);
    free(cost);
    return rc;
}

/* ---- [driver] ---- */

static int k_rx_buf(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    uint64_t x;
    if (cli_parse_uint(v, 256, 65536, &x, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    if (x % 64 != 0) {
        cli_msg(why, whylen, "not a multiple of 64 (buffers are cache-line sized)");
        return CLI_EUSAGE;
    }
    sc->cfg.rx_buf_bytes = (uint32_t)x;
    return CLI_OK;
}

/* ---- [tcpip] ---- */

/* TcpDelAckTicks: the delayed-ACK timer in 100 ms ticks; 0 arms it for "now". */
#define SC_DELACK_TICK_NS 100000000ull
static int k_delack_ticks(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    uint64_t x;
    if (cli_parse_uint(v, 0, 6, &x, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    sc->cfg.stack.delack_ns = x * SC_DELACK_TICK_NS;
    return CLI_OK;
}

/* ---- NetDMA: [tcpip] registry values, [netdma] ---- */

/* A registry DWORD with a documented range (KB 912222): a number outside it is not an error;
 * as on Windows, the default is used instead, with a warning. Not a number: an error. */
static int k_dword_range(cli_scenario *sc, const char *v, const char *name, uint64_t lo,
                         uint64_t hi, uint32_t dflt, uint32_t *out, char *why, size_t whylen)
{
    uint64_t x;
    if (cli_parse_uint(v, 0, UINT32_MAX, &x, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    if (x < lo || x > hi) {
        char where[512];
        sc_where(sc, sc->cur, where, sizeof where);
        int rc = sc_warn(sc, "%s: tcpip.%s: %llu is out of range (%llu..%llu); the default %u is "
                         "used, as Windows does", where, name, (unsigned long long)x,
                         (unsigned long long)lo, (unsigned long long)hi, (unsigned)dflt);
        if (rc != CLI_OK) {
            cli_msg(why, whylen, "out of memory");
            return rc;
        }
        x = dflt;
    }
    *out = (uint32_t)x;
    return CLI_OK;
}
static int k_min_dma(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    return k_dword_range(sc, v, "MinPacketSizeToDma", HS_MIN_DMA_MIN, HS_MIN_DMA_MAX, 256,
                         &sc->cfg.stack.min_dma_bytes, why, whylen);
}
static int k_dma_sync(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    return k_dword_range(sc, v, "DmaSyncCompletionHighThreshold", 0, HS_DMA_SYNC_MAX, 0,
                         &sc->cfg.stack.dma_sync_threshold, why, whylen);
}

/* [netdma] debug_break: none | early_complete | early_return | early_access */
static int k_netdma_break(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    for (int b = 0; b < HS_NDB_COUNT; b++)
        if (strcmp(v, hs_netdma_break_name(b)) == 0) {
            sc->cfg.stack.netdma_break = b;
            return CLI_OK;
        }
    cli_msg(why, whylen, "expected none, early_complete, early_return or early_access");
    return CLI_EUSAGE;
}

/* ---- TCP Chimney: [host] switches, [tcpip] port lists, [chimney] ---- */

/* bridging/routing turns IP NAT and the IPsec policy agent on (KB 912222); turning it off
 * again leaves both as they are. */
static int k_bridging(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    int b;
    if (cli_parse_bool(v, &b, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    sc->cfg.stack.bridging = b;
    if (b)
        sc->cfg.stack.ip_nat = sc->cfg.stack.ipsec = 1;
    return CLI_OK;
}

typedef struct sc_port_warn {
    cli_scenario *sc;
    int rc;
} sc_port_warn;

static void sc_port_warn_fn(void *user, const char *msg)
{
    sc_port_warn *w = user;
    char where[512];
    sc_where(w->sc, w->sc->cur, where, sizeof where);
    if (w->rc == CLI_OK)
        w->rc = sc_warn(w->sc, "%s: tcpip.%s", where, msg);
}

/* Offload{Exclude,Include}{Destination,Source}Ports: REG_MULTI_SZ semantics (hs_port_list_parse). */
static int k_ports(cli_scenario *sc, const char *v, const char *name, uint16_t *list, int *n,
                   char *why, size_t whylen)
{
    sc_port_warn w = {sc, CLI_OK};
    *n = hs_port_list_parse(v, name, list, sc_port_warn_fn, &w);
    if (w.rc != CLI_OK)
        cli_msg(why, whylen, "out of memory");
    return w.rc;
}
static int k_excl_dst(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    hs_config *h = &sc->cfg.stack;
    return k_ports(sc, v, "OffloadExcludeDestinationPorts", h->offload_exclude_dst, &h->n_exclude_dst, why, whylen);
}
static int k_excl_src(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    hs_config *h = &sc->cfg.stack;
    return k_ports(sc, v, "OffloadExcludeSourcePorts", h->offload_exclude_src, &h->n_exclude_src, why, whylen);
}
static int k_incl_dst(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    hs_config *h = &sc->cfg.stack;
    return k_ports(sc, v, "OffloadIncludeDestinationPorts", h->offload_include_dst, &h->n_include_dst, why, whylen);
}
static int k_incl_src(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    hs_config *h = &sc->cfg.stack;
    return k_ports(sc, v, "OffloadIncludeSourcePorts", h->offload_include_src, &h->n_include_src, why, whylen);
}

static int k_chimney_policy(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    if (strcmp(v, "always") == 0)
        sc->cfg.stack.chimney_policy = HS_CHIMNEY_ALWAYS;
    else if (strcmp(v, "automatic") == 0)
        sc->cfg.stack.chimney_policy = HS_CHIMNEY_AUTOMATIC;
    else {
        cli_msg(why, whylen, "expected always or automatic");
        return CLI_EUSAGE;
    }
    return CLI_OK;
}

static int k_auto_min_bytes(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    uint64_t x;
    if (cli_parse_uint(v, 0, 1ull << 40, &x, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    sc->cfg.stack.auto_min_bytes = x;
    return CLI_OK;
}

/* A number lo..hi times scale, into *out (rounded). */
static int sc_scaled(const char *v, double lo, double hi, double scale, const char *unit,
                     uint64_t *out, char *why, size_t whylen)
{
    double d;
    if (cli_parse_double(v, &d, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    if (!(d >= lo && d <= hi)) {
        cli_msg(why, whylen, "out of range (expected %g..%g %s)", lo, hi, unit);
        return CLI_EUSAGE;
    }
    *out = (uint64_t)llround(d * scale);
    return CLI_OK;
}
static int k_auto_max_rtt(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    return sc_scaled(v, 0, 100000, 1e6, "ms", &sc->cfg.stack.auto_max_rtt_ns, why, whylen);
}
static int k_path_rtt(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    return sc_scaled(v, 0, 100000, 1e6, "ms", &sc->cfg.stack.path_rtt_ns, why, whylen);
}
static int k_auto_min_link(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    return sc_scaled(v, 0, 10000, 1e9, "Gb/s", &sc->cfg.stack.auto_min_link_bps, why, whylen);
}


/* ---- [app] ---- */

/* Per connection: recv_buffer_bytes x posted_buffers may not exceed this (hs_create). */
#define SC_APP_MAX_POSTED_BYTES (1ull << 31)

/* Megabits per second to bytes per second. */
#define SC_MBPS_TO_BYTES_PER_S (1e6 / 8.0)

/* consume_mbps: 0 (at once), or 1 kb/s .. 10 Tb/s (hs_create's HS_APP_RATE_MIN..MAX). */
#define SC_CONSUME_MBPS_MIN (HS_APP_RATE_MIN / SC_MBPS_TO_BYTES_PER_S)
#define SC_CONSUME_MBPS_MAX (HS_APP_RATE_MAX / SC_MBPS_TO_BYTES_PER_S)

static int k_consume_mbps(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    double d;
    if (cli_parse_double(v, &d, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    if (!(d == 0 || (d >= SC_CONSUME_MBPS_MIN && d <= SC_CONSUME_MBPS_MAX))) {
        char lo[32], hi[32];
        sc_fmt_bound(SC_CONSUME_MBPS_MIN, lo, sizeof lo);
        sc_fmt_bound(SC_CONSUME_MBPS_MAX, hi, sizeof hi);
        cli_msg(why, whylen, "out of range (expected 0 for at once, or %s..%s Mb/s)", lo, hi);
        return CLI_EUSAGE;
    }
    double rate = d * SC_MBPS_TO_BYTES_PER_S;
    if (d > 0) /* the product may round just outside the bytes/s range */
        rate = rate < HS_APP_RATE_MIN ? HS_APP_RATE_MIN : rate > HS_APP_RATE_MAX ? HS_APP_RATE_MAX
                                                                                  : rate;
    sc->cfg.stack.app_rate_bytes_per_s = rate;
    return CLI_OK;
}

/* ---- [replay] ---- */

static int k_timing(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    if (strcmp(v, "recorded") == 0)
        sc->cfg.timing = NS_TIMING_RECORDED;
    else if (strcmp(v, "topspeed") == 0)
        sc->cfg.timing = NS_TIMING_TOPSPEED;
    else {
        cli_msg(why, whylen, "expected recorded or topspeed");
        return CLI_EUSAGE;
    }
    return CLI_OK;
}

static int k_fix_checksums(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    if (strcmp(v, "auto") == 0)
        sc->cfg.fix_checksums = NS_FIX_CSUM_AUTO;
    else if (strcmp(v, "off") == 0)
        sc->cfg.fix_checksums = NS_FIX_CSUM_OFF;
    else {
        cli_msg(why, whylen, "expected auto or off");
        return CLI_EUSAGE;
    }
    return CLI_OK;
}

/* [replay] limit: frames to feed, 0 for all. */
static int k_replay_limit(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    uint64_t x;
    if (cli_parse_uint(v, 0, UINT64_MAX, &x, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    sc->cfg.replay_limit = x;
    return CLI_OK;
}

/* [replay] duration: TIME of simulated time, or 0 for no limit. */
static int k_replay_duration(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    if (strcmp(v, "0") == 0) {
        sc->cfg.replay_duration_ps = 0;
        return CLI_OK;
    }
    uint64_t ps;
    if (cli_parse_time(v, &ps, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    sc->cfg.replay_duration_ps = ps;
    return CLI_OK;
}

/* [replay] filter: a BPF expression (tcpdump syntax), its syntax checked here so that a bad
 * one is an error before the run; "" for none. */
static int k_replay_filter(cli_scenario *sc, const char *v, char *why, size_t whylen)
{
    if (strlen(v) >= sizeof sc->cfg.replay_filter) {
        cli_msg(why, whylen, "longer than %d characters", (int)sizeof sc->cfg.replay_filter - 1);
        return CLI_EUSAGE;
    }
    if (*v && cli_filter_check(v, why, whylen) != CLI_OK)
        return CLI_EUSAGE;
    snprintf(sc->cfg.replay_filter, sizeof sc->cfg.replay_filter, "%s", v);
    return CLI_OK;
}

/* Every key: its rule and field, or its handler. */
static const sc_key_desc sc_keys[K_COUNT] = {
    [K_SC_NAME] = {"scenario", "name", SK_FN, .parse = k_name},
    [K_SC_DESCRIPTION] = {"scenario", "description", SK_FN, .parse = k_description},
    [K_SC_TRACE] = {"scenario", "trace", SK_FN, .parse = k_trace},
    [K_SC_HOST] = {"scenario", "host", SK_FN, .parse = k_host},

    [K_NIC_DATA_WIDTH] = {"nic", "data_width", SK_FN, .parse = k_data_width},
    [K_NIC_CLOCK_MHZ] = {"nic", "clock_mhz", SK_POSITIVE, .min = NS_CLOCK_MHZ_MIN,
                         .max = NS_CLOCK_MHZ_MAX, .unit = "MHz", .field = SC_FIELD(cfg.clock_mhz)},
    [K_NIC_LINK_GBPS] = {"nic", "link_gbps", SK_POSITIVE, .min = NS_LINK_GBPS_MIN,
                         .max = NS_LINK_GBPS_MAX, .unit = "Gb/s", .field = SC_FIELD(cfg.link_gbps)},
    [K_NIC_MTU] = {"nic", "mtu", SK_UINT, .lo = 576, .hi = 9000, .field = SC_FIELD(cfg.mtu)},
    [K_NIC_OVERSIZE] = {"nic", "oversize", SK_FN, .parse = k_oversize},
    [K_NIC_RSS_KEY] = {"nic", "rss_key", SK_FN, .parse = k_rss_key},
    [K_NIC_RSS_QUEUES] = {"nic", "rss_queues", SK_UINT, .lo = 1, .hi = NS_MAX_QUEUES,
                          .field = SC_FIELD(cfg.rss_queues)},
    [K_NIC_TABLE] = {"nic", "indirection_table", SK_FN, .parse = k_table},
    [K_NIC_HASH_TYPES] = {"nic", "rss_hash_types", SK_FN, .parse = k_hash_types},
    [K_NIC_RX_FIFO] = {"nic", "rx_fifo_bytes", SK_UINT, .lo = 64, .hi = 1u << 30,
                       .field = SC_FIELD(cfg.rx_fifo_bytes)},
    [K_NIC_QUANTUM] = {"nic", "quantum_cycles", SK_UINT, .lo = 1, .hi = 1000000,
                       .field = SC_FIELD(cfg.quantum_cycles)},
    [K_NIC_IRQ_FRAMES] = {"nic", "irq_moderation_frames", SK_UINT, .lo = 1, .hi = 65535,
                          .field = SC_FIELD(cfg.irq_moderation_frames)},
    [K_NIC_IRQ_US] = {"nic", "irq_moderation_us", SK_NONNEG, .max = NS_IRQ_US_MAX, .unit = "us",
                      .note = " (0: no time threshold)",
                      .field = SC_FIELD(cfg.irq_moderation_us)},

    [K_PCIE_LINK] = {"pcie", "link", SK_FN, .parse = k_pcie_link},
    [K_PCIE_LANES] = {"pcie", "lanes", SK_FN, .parse = k_pcie_lanes},
    [K_PCIE_MAX_PAYLOAD] = {"pcie", "max_payload", SK_POW2, .lo = 128, .hi = 4096,
                            .field = SC_FIELD(cfg.pcie.max_payload)},
    [K_PCIE_MAX_READ_REQUEST] = {"pcie", "max_read_request", SK_POW2, .lo = 128, .hi = 4096,
                                 .field = SC_FIELD(cfg.pcie.max_read_request)},
    [K_PCIE_READ_LATENCY] = {"pcie", "read_latency_ns", SK_UINT, .lo = 1, .hi = 100000,
                             .field = SC_FIELD(cfg.pcie.read_latency_ns)},
    [K_PCIE_READ_TAGS] = {"pcie", "read_tags", SK_UINT, .lo = 1, .hi = 256,
                          .field = SC_FIELD(cfg.pcie.read_tags)},
    [K_PCIE_POSTED_BUFFER] = {"pcie", "posted_buffer", SK_UINT, .lo = 64, .hi = 1048576,
                              .field = SC_FIELD(cfg.pcie.posted_buffer)},

    [K_HOST_CPUS] = {"host", "cpus", SK_UINT, .lo = 1, .hi = NS_MAX_CPUS,
                     .field = SC_FIELD(cfg.cpus)},
    [K_HOST_CPU_MHZ] = {"host", "cpu_mhz", SK_POSITIVE, .min = NS_CPU_MHZ_MIN,
                        .max = NS_CPU_MHZ_MAX, .unit = "MHz",
                        .field = SC_FIELD(cfg.cpu_mhz)},
    [K_HOST_MEMORY_MB] = {"host", "memory_mb", SK_UINT, .lo = 16, .hi = 65536,
                          .field = SC_FIELD(cfg.memory_mb)},
    [K_HOST_MEM_GBPS] = {"host", "mem_gbps", SK_POSITIVE, .min = NS_MEM_GBPS_MIN,
                         .max = NS_MEM_GBPS_MAX, .unit = "GB/s", .field = SC_FIELD(cfg.mem_gbps)},
    [K_HOST_COST_PROFILE] = {"host", "cost_profile", SK_FN, .parse = k_cost_profile},
    /* host features that rule TCP Chimney out (KB 912222) */
    [K_HOST_FIREWALL] = {"host", "windows_firewall", SK_BOOL, .field = SC_FIELD(cfg.stack.windows_firewall)},
    [K_HOST_IPSEC] = {"host", "ipsec", SK_BOOL, .field = SC_FIELD(cfg.stack.ipsec)},
    [K_HOST_IP_NAT] = {"host", "ip_nat", SK_BOOL, .field = SC_FIELD(cfg.stack.ip_nat)},
    [K_HOST_THIRD_PARTY_FIREWALL] = {"host", "third_party_firewall", SK_BOOL,
                                     .field = SC_FIELD(cfg.stack.third_party_firewall)},
    [K_HOST_NDIS51_IM] = {"host", "ndis51_im_driver", SK_BOOL, .field = SC_FIELD(cfg.stack.ndis51_im_driver)},
    [K_HOST_BRIDGING] = {"host", "bridging", SK_FN, .parse = k_bridging},

    [K_DRV_RX_RING] = {"driver", "rx_ring_entries", SK_POW2, .lo = 8, .hi = 32768,
                       .field = SC_FIELD(cfg.rx_ring_entries)},
    [K_DRV_RX_BUF] = {"driver", "rx_buf_bytes", SK_FN, .parse = k_rx_buf},
    [K_DRV_TX_RING] = {"driver", "tx_ring_entries", SK_POW2, .lo = 8, .hi = 32768,
                       .field = SC_FIELD(cfg.tx_ring_entries)},
    [K_DRV_DPC_BUDGET] = {"driver", "dpc_budget", SK_UINT, .lo = 1, .hi = 65536,
                          .field = SC_FIELD(cfg.dpc_budget)},

    [K_TCPIP_RSS] = {"tcpip", "EnableRSS", SK_BOOL, .field = SC_FIELD(cfg.rss_enable)},
    [K_TCPIP_CHIMNEY] = {"tcpip", "EnableTCPChimney", SK_BOOL, .field = SC_FIELD(cfg.stack.chimney)},
    [K_TCPIP_TCPA] = {"tcpip", "EnableTCPA", SK_BOOL, .field = SC_FIELD(cfg.stack.netdma)},
    [K_TCPIP_MIN_DMA] = {"tcpip", "MinPacketSizeToDma", SK_FN, .parse = k_min_dma},
    [K_TCPIP_DMA_SYNC] = {"tcpip", "DmaSyncCompletionHighThreshold", SK_FN, .parse = k_dma_sync},
    [K_TCPIP_CSUM] = {"tcpip", "EnableChecksumOffload", SK_BOOL,
                      .field = SC_FIELD(cfg.csum_offload)},
    /* TcpAckFrequency: ACK every Nth full-size segment */
    [K_TCPIP_ACK_FREQUENCY] = {"tcpip", "TcpAckFrequency", SK_UINT, .lo = 1, .hi = 255,
                               .field = SC_FIELD(cfg.stack.ack_every)},
    [K_TCPIP_DELACK_TICKS] = {"tcpip", "TcpDelAckTicks", SK_FN, .parse = k_delack_ticks},
    /* TcpWindowSize: the advertised receive window (no window scaling) */
    [K_TCPIP_WINDOW_SIZE] = {"tcpip", "TcpWindowSize", SK_UINT, .lo = 1, .hi = 65535,
                             .field = SC_FIELD(cfg.stack.rcv_window_bytes)},
    [K_TCPIP_EXCL_DST] = {"tcpip", "OffloadExcludeDestinationPorts", SK_FN, .parse = k_excl_dst},
    [K_TCPIP_EXCL_SRC] = {"tcpip", "OffloadExcludeSourcePorts", SK_FN, .parse = k_excl_src},
    [K_TCPIP_INCL_DST] = {"tcpip", "OffloadIncludeDestinationPorts", SK_FN, .parse = k_incl_dst},
    [K_TCPIP_INCL_SRC] = {"tcpip", "OffloadIncludeSourcePorts", SK_FN, .parse = k_incl_src},

    [K_CHIMNEY_POLICY] = {"chimney", "policy", SK_FN, .parse = k_chimney_policy},
    [K_CHIMNEY_AUTO_MIN_BYTES] = {"chimney", "auto_min_bytes", SK_FN, .parse = k_auto_min_bytes},
    [K_CHIMNEY_AUTO_MAX_RTT] = {"chimney", "auto_max_rtt_ms", SK_FN, .parse = k_auto_max_rtt},
    [K_CHIMNEY_AUTO_MIN_LINK] = {"chimney", "auto_min_link_gbps", SK_FN, .parse = k_auto_min_link},
    [K_CHIMNEY_PATH_RTT] = {"chimney", "path_rtt_ms", SK_FN, .parse = k_path_rtt},
    [K_CHIMNEY_POST_BYTES] = {"chimney", "post_buffer_bytes", SK_UINT, .lo = 0, .hi = 1u << 30,
                              .field = SC_FIELD(cfg.stack.toe_buffer_bytes)},
    [K_CHIMNEY_POSTED] = {"chimney", "posted_buffers", SK_UINT, .lo = 0, .hi = NIC_TOE_BUFS,
                          .field = SC_FIELD(cfg.stack.toe_posted_buffers)},

    [K_NETDMA_CHANNELS] = {"netdma", "channels", SK_UINT, .lo = 1, .hi = NS_NETDMA_CHANNELS,
                           .field = SC_FIELD(cfg.netdma_channels)},
    [K_NETDMA_CHECK] = {"netdma", "check", SK_BOOL, .field = SC_FIELD(cfg.netdma_check)},
    [K_NETDMA_CLOCK_MHZ] = {"netdma", "clock_mhz", SK_POSITIVE, .min = NS_NETDMA_MHZ_MIN,
                            .max = NS_NETDMA_MHZ_MAX, .unit = "MHz",
                            .field = SC_FIELD(cfg.netdma_clock_mhz)},
    [K_NETDMA_RING] = {"netdma", "ring", SK_POW2, .lo = 16, .hi = 32768,
                       .field = SC_FIELD(cfg.netdma_ring)},
    [K_NETDMA_INTR_DELAY] = {"netdma", "intr_delay_us", SK_NONNEG, .max = 100000, .unit = "us",
                             .note = " (0: an interrupt per flagged copy)",
                             .field = SC_FIELD(cfg.netdma_intr_delay_us)},
    [K_NETDMA_DEBUG_BREAK] = {"netdma", "debug_break", SK_FN, .parse = k_netdma_break},

    [K_APP_RECV_BUFFER] = {"app", "recv_buffer_bytes", SK_UINT, .lo = 1, .hi = 1u << 30,
                           .field = SC_FIELD(cfg.stack.recv_buffer_bytes)},
    [K_APP_POSTED_BUFFERS] = {"app", "posted_buffers", SK_UINT, .lo = 1, .hi = 1024,
                              .field = SC_FIELD(cfg.stack.posted_buffers)},
    [K_APP_CYCLES_PER_BYTE] = {"app", "cycles_per_byte", SK_NONNEG, .max = HS_COST_BYTE_MAX,
                               .unit = "cycles per byte",
                               .field = SC_FIELD(cfg.stack.app_cycles_per_byte)},
    [K_APP_CONSUME_MBPS] = {"app", "consume_mbps", SK_FN, .parse = k_consume_mbps},
    [K_APP_COMPLETE_ON_PUSH] = {"app", "complete_on_push", SK_BOOL,
                                .field = SC_FIELD(cfg.stack.complete_on_push)},

    [K_REPLAY_TIMING] = {"replay", "timing", SK_FN, .parse = k_timing},
    [K_REPLAY_MULTIPLIER] = {"replay", "multiplier", SK_POSITIVE, .min = NS_MULTIPLIER_MIN,
                             .max = NS_MULTIPLIER_MAX,
                             .field = SC_FIELD(cfg.multiplier)},
    /* mbps and pps: > 0 sets a fixed rate, 0 turns it off again (e.g. with --set) */
    [K_REPLAY_MBPS] = {"replay", "mbps", SK_RATE, .min = NS_MBPS_MIN, .max = NS_MBPS_MAX,
                       .unit = "Mb/s", .field = SC_FIELD(cfg.mbps)},
    [K_REPLAY_PPS] = {"replay", "pps", SK_RATE, .min = NS_PPS_MIN, .max = NS_PPS_MAX,
                      .unit = "frames/s", .field = SC_FIELD(cfg.pps)},
    [K_REPLAY_LOOP] = {"replay", "loop", SK_UINT, .lo = 1, .hi = UINT32_MAX,
                       .field = SC_FIELD(cfg.loop)},
    [K_REPLAY_FIX_CHECKSUMS] = {"replay", "fix_checksums", SK_FN, .parse = k_fix_checksums},
    [K_REPLAY_LIMIT] = {"replay", "limit", SK_FN, .parse = k_replay_limit},
    [K_REPLAY_DURATION] = {"replay", "duration", SK_FN, .parse = k_replay_duration},
    [K_REPLAY_FILTER] = {"replay", "filter", SK_FN, .parse = k_replay_filter},
};

static int sc_section_known(const char *s)
{
    for (size_t i = 0; i < sizeof sc_sections / sizeof sc_sections[0]; i++)
        if (strcmp(s, sc_sections[i]) == 0)
            return 1;
    return 0;
}

/* Edit distance between a and b, case-insensitive: insertions, deletions, substitutions and
 * swaps of two neighbouring characters (rss_queeus -> rss_queues is 1). Long names (beyond
 * 63 characters) count as far apart. */
static int sc_edit_distance(const char *a, const char *b)
{
    enum { N = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= N || lb >= N)
        return N;
    int d[N][N];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

/* " (did you mean 'S.K'?)" for a key that differs only in case or section, else for the
 * closest known key by edit distance (a typo: at most a third of the name's length, 1 for
 * short names; the same section preferred on a tie). */
static void sc_suggest(const char *section, const char *name, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int k = 0; k < K_COUNT; k++) {
        if (strcasecmp(sc_keys[k].name, name) == 0 &&
            (strcasecmp(sc_keys[k].section, section) == 0 ||
             strcmp(sc_keys[k].name, name) == 0)) {
            snprintf(buf, len, " (did you mean '%s.%s'?)", sc_keys[k].section, sc_keys[k].name);
            return;
        }
    }
    int limit = (int)strlen(name) / 3;
    if (limit < 1)
        limit = 1;
    if (limit > 3)
        limit = 3;
    int best = -1, best_d = limit + 1, best_same = 0;
    for (int k = 0; k < K_COUNT; k++) {
        int dist = sc_edit_distance(name, sc_keys[k].name);
        int same = strcasecmp(sc_keys[k].section, section) == 0;
        if (dist < best_d || (dist == best_d && same && !best_same)) {
            best = k;
            best_d = dist;
            best_same = same;
        }
    }
    if (best >= 0)
        snprintf(buf, len, " (did you mean '%s.%s'?)", sc_keys[best].section, sc_keys[best].name);
}

/* One SECTION.KEY=VALUE from a file line or --set. */
/* [events]: "TIME = ACTION", kept in time order (equal times in the order given). */
static int sc_event(cli_scenario *sc, const char *name, const char *value, const char *where,
                    char *err, size_t errlen)
{
    char why[256];
    uint64_t ps;
    if (cli_parse_time(name, &ps, why, sizeof why) != CLI_OK) {
        cli_msg(err, errlen, "%s: events: '%s' is not a time (%s)", where, name, why);
        return CLI_EUSAGE;
    }
    int kind;
    for (kind = 0; kind < NS_EV_COUNT; kind++)
        if (strcmp(value, ns_event_name(kind)) == 0)
            break;
    if (kind == NS_EV_COUNT) {
        cli_msg(err, errlen, "%s: events: unknown action '%s' (expected 'netsh int ip set chimney "
                "ENABLED', 'netsh int ip set chimney DISABLED', 'firewall on', 'firewall off', "
                "'link down' or 'link up')", where, value);
        return CLI_EUSAGE;
    }
    ns_config *c = &sc->cfg;
    if (c->nevents >= NS_MAX_EVENTS) {
        cli_msg(err, errlen, "%s: events: more than %d events", where, NS_MAX_EVENTS);
        return CLI_EUSAGE;
    }
    int i = c->nevents++;
    while (i > 0 && c->events[i - 1].at_ps > ps) {
        c->events[i] = c->events[i - 1];
        i--;
    }
    c->events[i].at_ps = ps;
    c->events[i].kind = kind;
    return CLI_OK;
}

static int sc_apply(cli_scenario *sc, const char *section, const char *name, const char *value,
                    sc_origin at, char *err, size_t errlen)
{
    char where[512];
    sc_where(sc, at, where, sizeof where);
    if (strcmp(section, "events") == 0)
        return sc_event(sc, name, value, where, err, errlen);
    if (at.kind == ORIGIN_FILE && !*section) {
        cli_msg(err, errlen, "%s: key '%s' is outside any section (" SC_SECTION_LIST ")", where,
                name);
        return CLI_EUSAGE;
    }
    int k;
    for (k = 0; k < K_COUNT; k++)
        if (strcmp(sc_keys[k].section, section) == 0 && strcmp(sc_keys[k].name, name) == 0)
            break;
    if (k == K_COUNT) {
        char hint[160];
        sc_suggest(section, name, hint, sizeof hint);
        cli_msg(err, errlen, "%s: unknown key '%s.%s'%s", where, section, name, hint);
        return CLI_EUSAGE;
    }
    const sc_key_desc *d = &sc_keys[k];

    char why[512] = "";
    sc->cur = at;
    int rc = d->kind == SK_FN ? d->parse(sc, value, why, sizeof why)
                              : sc_parse_plain(sc, d, value, why, sizeof why);
    if (rc != CLI_OK) {
        char q[64];
        sc_quote(value, q, sizeof q);
        cli_msg(err, errlen, "%s: %s.%s: %s ('%s')", where, d->section, d->name, why, q);
        return rc;
    }

    sc_origin prev = sc->given[k];
    if (prev.kind == ORIGIN_FILE && at.kind == ORIGIN_FILE) {
        rc = sc_warn(sc, "%s: %s.%s is also set on line %d; the later value (line %d) wins",
                     where, d->section, d->name, prev.line, at.line);
    } else if (prev.kind == ORIGIN_SET && at.kind == ORIGIN_SET) {
        rc = sc_warn(sc, "--set: %s.%s is given more than once; the last one wins",
                     d->section, d->name);
    }
    if (rc != CLI_OK)
        goto nomem;
    sc->given[k] = at;

    return CLI_OK;
nomem:
    cli_msg(err, errlen, "out of memory");
    return CLI_ENOMEM;
}

/* ---- reading the file ---- */

typedef struct sc_parse {
    cli_scenario *sc;
    FILE *f;
    char *line;
    size_t cap;
    int lineno;
    const char *long_value;  /* value of a line too long for inih's buffer */
    int rc;                  /* first error */
    char *err;
    size_t errlen;
} sc_parse;

static void sc_parse_fail(sc_parse *pp, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sc_parse_fail(sc_parse *pp, int rc, const char *fmt, ...)
{
    if (pp->rc != CLI_OK)
        return;
    pp->rc = rc;
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_msg(pp->err, pp->errlen, "%s:%d: %s", pp->sc->file, pp->lineno, msg);
}

/* Position of the first '=' or ':' before any inline comment (" ;"), as inih splits. */
static char *sc_find_separator(char *s)
{
    int was_space = 0;
    for (char *p = s; *p; p++) {
        if (*p == '=' || *p == ':')
            return p;
        if (*p == ';' && was_space)
            return NULL;
        was_space = isspace((unsigned char)*p);
    }
    return NULL;
}

/* inih's reader. Hands inih one line at a time so the line number is always known,
 * without leading blanks (inih would take an indented line as the continuation of the
 * previous value), checks section headers and syntax itself, and passes a line too long
 * for inih's fixed buffer as "name=\001" with the value kept in pp->long_value.
 * Returns NULL (end) after the first error. */
static char *sc_reader(char *str, int num, void *stream)
{
    sc_parse *pp = stream;
    pp->long_value = NULL;
    if (pp->rc != CLI_OK)
        return NULL;
    errno = 0;
    ssize_t n = getline(&pp->line, &pp->cap, pp->f);
    if (n < 0)
        return NULL;
    pp->lineno++;
    char *s = pp->line;
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    if (strlen(s) != (size_t)n) {
        sc_parse_fail(pp, CLI_EUSAGE, "NUL byte in line (not a text file?)");
        return NULL;
    }
    if (pp->lineno == 1 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
        (unsigned char)s[2] == 0xbf)
        s += 3; /* UTF-8 byte order mark */
    while (*s == ' ' || *s == '\t')
        s++;

    if (*s == '\0' || *s == ';' || *s == '#') {
        snprintf(str, (size_t)num, "\n");
        return str;
    }
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close) {
            sc_parse_fail(pp, CLI_EUSAGE, "missing ']' in section header");
            return NULL;
        }
        char *rest = close + 1;
        while (*rest == ' ' || *rest == '\t')
            rest++;
        if (*rest && *rest != ';' && *rest != '#') {
            sc_parse_fail(pp, CLI_EUSAGE, "unexpected text after the section header");
            return NULL;
        }
        *close = '\0';
        char *sec = sc_trim(s + 1);
        if (!sc_section_known(sec)) {
            char q[64];
            sc_quote(sec, q, sizeof q);
            sc_parse_fail(pp, CLI_EUSAGE, "unknown section '[%s]' (expected " SC_SECTION_LIST ")",
                          q);
            return NULL;
        }
        snprintf(str, (size_t)num, "[%s]\n", sec);
        return str;
    }
    char *sep = sc_find_separator(s);
    if (!sep) {
        sc_parse_fail(pp, CLI_EUSAGE, "expected 'key = value', '[section]' or a comment");
        return NULL;
    }
    size_t len = strlen(s);
    if (len + 2 <= (size_t)num) {
        snprintf(str, (size_t)num, "%s\n", s);
        return str;
    }
    /* too long for inih's buffer: keep the value here, hand inih a placeholder */
    size_t namelen = (size_t)(sep - s);
    if (namelen + 3 > (size_t)num) {
        sc_parse_fail(pp, CLI_EUSAGE, "key name too long");
        return NULL;
    }
    char *val = sep + 1;
    int was_space = 0;
    for (char *p = val; *p; p++) {
        if (*p == ';' && was_space) {
            *p = '\0';
            break;
        }
        was_space = isspace((unsigned char)*p);
    }
    pp->long_value = sc_trim(val);
    snprintf(str, (size_t)num, "%.*s=\001\n", (int)namelen, s);
    return str;
}

static int sc_handler(void *user, const char *section, const char *name, const char *value)
{
    sc_parse *pp = user;
    if (pp->rc != CLI_OK)
        return 0;
    if (pp->long_value && strcmp(value, "\001") == 0)
        value = pp->long_value;
    sc_origin at = {ORIGIN_FILE, pp->lineno};
    int rc = sc_apply(pp->sc, section, name, value, at, pp->err, pp->errlen);
    if (rc != CLI_OK) {
        pp->rc = rc;
        return 0;
    }
    return 1;
}

/* ---- public ---- */

cli_scenario *cli_scenario_new(void)
{
    cli_scenario *sc = calloc(1, sizeof *sc);
    if (!sc)
        return NULL;
    ns_config_defaults(&sc->cfg);
    hs_cost *cost = malloc(sizeof *cost);
    if (!cost || hs_cost_builtin(cost, sc->cfg.cost_profile, NULL, 0) != HS_OK) {
        free(cost);
        free(sc);
        return NULL;
    }
    sc->profile_app_byte = cost->v[HS_C_APP_BYTE];
    free(cost);
    sc->description = cli_strdup("");
    sc->dir = cli_strdup("");
    if (!sc->description || !sc->dir) {
        cli_scenario_free(sc);
        return NULL;
    }
    return sc;
}

void cli_scenario_free(cli_scenario *sc)
{
    if (!sc)
        return;
    free(sc->file);
    free(sc->dir);
    free(sc->name);
    free(sc->description);
    free(sc->trace);
    free(sc->trace_used);
    free(sc->table_text);
    for (size_t i = 0; i < sc->nwarn; i++)
        free(sc->warn[i]);
    free(sc->warn);
    free(sc);
}

/* dir ("a/b/") and stem ("quick") of "a/b/quick.ini". */
static int sc_split_path(cli_scenario *sc, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = cli_asprintf("%.*s", (int)(base - path), path);
    size_t blen = strlen(base);
    if (blen > 4 && strcmp(base + blen - 4, ".ini") == 0)
        blen -= 4;
    char *stem = cli_asprintf("%.*s", (int)blen, base);
    if (!dir || !stem) {
        free(dir);
        free(stem);
        return CLI_ENOMEM;
    }
    free(sc->dir);
    sc->dir = dir;
    if (!sc->name)
        sc->name = stem;
    else
        free(stem);
    return CLI_OK;
}

int cli_scenario_load(cli_scenario *sc, const char *path, char *err, size_t errlen)
{
    int rc = CLI_OK;
    sc_parse pp = {0};
    FILE *f = NULL;
    if (sc->loaded || sc->finished) {
        cli_msg(err, errlen, "%s: a scenario file was already loaded", path);
        return CLI_EUSAGE;
    }
    sc->file = cli_strdup(path);
    if (!sc->file || sc_split_path(sc, path) != CLI_OK) {
        cli_msg(err, errlen, "out of memory");
        return CLI_ENOMEM;
    }
    sc->loaded = 1;
    f = fopen(path, "r");
    if (!f) {
        cli_msg(err, errlen, "cannot open scenario '%s': %s", path, strerror(errno));
        rc = CLI_EUSAGE;
        goto out;
    }
    pp.sc = sc;
    pp.f = f;
    pp.rc = CLI_OK;
    pp.err = err;
    pp.errlen = errlen;
    int ini_rc = ini_parse_stream(sc_reader, &pp, sc_handler, &pp);
    if (pp.rc != CLI_OK) {
        rc = pp.rc;
        goto out;
    }
    if (ferror(f)) {
        cli_msg(err, errlen, "cannot read scenario '%s': %s", path, strerror(errno ? errno : EIO));
        rc = CLI_EUSAGE;
        goto out;
    }
    if (ini_rc > 0) {
        cli_msg(err, errlen, "%s:%d: cannot parse this line", path, ini_rc);
        rc = CLI_EUSAGE;
        goto out;
    }
    if (ini_rc < 0) {
        cli_msg(err, errlen, "cannot read scenario '%s'", path);
        rc = ini_rc == -2 ? CLI_ENOMEM : CLI_EUSAGE;
        goto out;
    }
out:
    free(pp.line);
    if (f)
        fclose(f);
    return rc;
}

int cli_scenario_set(cli_scenario *sc, const char *assignment, char *err, size_t errlen)
{
    if (sc->finished) {
        cli_msg(err, errlen, "--set: the scenario is already finished");
        return CLI_EUSAGE;
    }
    const char *eq = strchr(assignment, '=');
    const char *dot = strchr(assignment, '.');
    if (!eq || !dot || dot > eq || dot == assignment || dot + 1 == eq) {
        char q[64];
        sc_quote(assignment, q, sizeof q);
        cli_msg(err, errlen, "--set: expected SECTION.KEY=VALUE ('%s')", q);
        return CLI_EUSAGE;
    }
    char *copy = cli_strdup(assignment);
    if (!copy) {
        cli_msg(err, errlen, "out of memory");
        return CLI_ENOMEM;
    }
    size_t di = (size_t)(dot - assignment), ei = (size_t)(eq - assignment);
    copy[di] = '\0';
    copy[ei] = '\0';
    char *section = sc_trim(copy);
    char *name = sc_trim(copy + di + 1);
    char *value = sc_trim(copy + ei + 1);
    sc_origin at = {ORIGIN_SET, 0};
    int rc = sc_apply(sc, section, name, value, at, err, errlen);
    free(copy);
    return rc;
}

/* Where the latest of the given keys was set; "--set" or the file if none was given. */
static void sc_where_latest(const cli_scenario *sc, const int *keys, size_t n, char *buf,
                            size_t len)
{
    sc_origin o = {ORIGIN_NONE, 0};
    for (size_t i = 0; i < n; i++)
        if (sc->given[keys[i]].kind && (o.kind == ORIGIN_NONE || sc_later(sc->given[keys[i]], o)))
            o = sc->given[keys[i]];
    if (o.kind == ORIGIN_NONE && sc->file)
        snprintf(buf, len, "%s", sc->file);
    else
        sc_where(sc, o, buf, len);
}

/* The bus settings as a whole (pcie_config_check); its messages start with the key. */
static int sc_check_pcie(const cli_scenario *sc, char *err, size_t errlen)
{
    char why[256] = "", where[512];
    if (pcie_config_check(&sc->cfg.pcie, why, sizeof why) == 0)
        return CLI_OK;
    int k = -1;
    for (int i = K_PCIE_LINK; i <= K_PCIE_POSTED_BUFFER; i++) {
        size_t n = strlen(sc_keys[i].name);
        if (strncmp(why, "pcie.", 5) == 0 && strncmp(why + 5, sc_keys[i].name, n) == 0 &&
            why[5 + n] == ':')
            k = i;
    }
    if (k >= 0 && sc->given[k].kind) {
        sc_where(sc, sc->given[k], where, sizeof where);
    } else {
        const int all[] = {K_PCIE_LINK, K_PCIE_LANES, K_PCIE_MAX_PAYLOAD, K_PCIE_MAX_READ_REQUEST,
                           K_PCIE_READ_LATENCY, K_PCIE_READ_TAGS, K_PCIE_POSTED_BUFFER};
        sc_where_latest(sc, all, sizeof all / sizeof all[0], where, sizeof where);
    }
    cli_msg(err, errlen, "%s: %s", where, why);
    return CLI_EUSAGE;
}

/* Host memory must hold what the driver allocates (ns_mem_required: rings, buffers, TX bounce
 * buffers, linearization buffers). */
static int sc_check_memory(const cli_scenario *sc, char *err, size_t errlen)
{
    const ns_config *c = &sc->cfg;
    uint64_t rxq = c->rss_enable ? (uint64_t)c->rss_queues : 1;
    uint64_t need = ns_mem_required(c);
    uint64_t have = (uint64_t)c->memory_mb << 20;
    if (need <= have)
        return CLI_OK;
    char where[512];
    if (sc->given[K_HOST_MEMORY_MB].kind) {
        sc_where(sc, sc->given[K_HOST_MEMORY_MB], where, sizeof where);
    } else {
        const int ks[] = {K_NIC_RSS_QUEUES, K_TCPIP_RSS, K_DRV_RX_RING, K_DRV_RX_BUF,
                          K_DRV_TX_RING};
        sc_where_latest(sc, ks, sizeof ks / sizeof ks[0], where, sizeof where);
    }
    uint64_t need_mb = (need + (1u << 20) - 1) >> 20;
    cli_msg(err, errlen, "%s: host.memory_mb: %u MiB%s cannot hold the driver's rings: they need "
            "%.2f MiB (%llu RX queue%s x %u x %u-byte buffers, %u TX buffers, "
            "descriptors and completions%s); set host.memory_mb to %llu or more",
            where, (unsigned)c->memory_mb, sc->given[K_HOST_MEMORY_MB].kind ? "" : " (default)",
            (double)need / (1 << 20), (unsigned long long)rxq, rxq == 1 ? "" : "s",
            (unsigned)c->rx_ring_entries, (unsigned)c->rx_buf_bytes,
            (unsigned)c->tx_ring_entries,
            ns_netdma_wanted(c) ? "; NetDMA: spare receive buffers and the copy engine's rings" : "",
            (unsigned long long)need_mb);
    return CLI_EUSAGE;
}

/* nic.rss_queues against the NIC's RX queues, and the indirection table against it. */
static int sc_check_queues(const cli_scenario *sc, char *err, size_t errlen)
{
    const ns_config *c = &sc->cfg;
    char where[512];
    if (c->rss_queues > NS_NIC_RX_QUEUES) {
        sc_where(sc, sc->given[K_NIC_RSS_QUEUES], where, sizeof where);
        cli_msg(err, errlen, "%s: nic.rss_queues: %d exceeds the %d RX queues the NIC is built "
                "with (expected 1..%d)", where, c->rss_queues, NS_NIC_RX_QUEUES,
                NS_NIC_RX_QUEUES);
        return CLI_EUSAGE;
    }
    if (!c->table_given)
        return CLI_OK;
    for (int i = 0; i < c->table_size; i++) {
        if (c->table[i] >= c->rss_queues) {
            char q[64];
            sc_where(sc, sc->given[K_NIC_TABLE], where, sizeof where);
            sc_quote(sc->table_text ? sc->table_text : "", q, sizeof q);
            cli_msg(err, errlen, "%s: nic.indirection_table: entry %d is queue %d but "
                    "nic.rss_queues is %d (queues 0..%d) ('%s')", where, i, c->table[i],
                    c->rss_queues, c->rss_queues - 1, q);
            return CLI_EUSAGE;
        }
    }
    return CLI_OK;
}

/* replay.mbps and replay.pps: one fixed rate at most. */
static int sc_check_rates(const cli_scenario *sc, char *err, size_t errlen)
{
    const ns_config *c = &sc->cfg;
    if (!(c->mbps > 0 && c->pps > 0))
        return CLI_OK;
    char where[512], where2[512];
    int pps_later = sc_later(sc->given[K_REPLAY_PPS], sc->given[K_REPLAY_MBPS]);
    sc_origin late = sc->given[pps_later ? K_REPLAY_PPS : K_REPLAY_MBPS];
    sc_origin early = sc->given[pps_later ? K_REPLAY_MBPS : K_REPLAY_PPS];
    sc_where(sc, late, where, sizeof where);
    sc_where(sc, early, where2, sizeof where2);
    cli_msg(err, errlen, "%s: replay.%s cannot be combined with replay.%s (set at %s); "
            "give one fixed rate", where, pps_later ? "pps" : "mbps",
            pps_later ? "mbps" : "pps", where2);
    return CLI_EUSAGE;
}

/* app.recv_buffer_bytes x app.posted_buffers: at most SC_APP_MAX_POSTED_BYTES. */
static int sc_check_posted(const cli_scenario *sc, char *err, size_t errlen)
{
    const ns_config *c = &sc->cfg;
    uint64_t posted = (uint64_t)c->stack.recv_buffer_bytes * c->stack.posted_buffers;
    if (posted <= SC_APP_MAX_POSTED_BYTES)
        return CLI_OK;
    char where[512];
    const int ks[] = {K_APP_RECV_BUFFER, K_APP_POSTED_BUFFERS};
    sc_where_latest(sc, ks, 2, where, sizeof where);
    cli_msg(err, errlen, "%s: app.recv_buffer_bytes x app.posted_buffers: %u x %u = %llu "
            "bytes per connection exceeds 2 GiB (2147483648)", where,
            (unsigned)c->stack.recv_buffer_bytes, (unsigned)c->stack.posted_buffers,
            (unsigned long long)posted);
    return CLI_EUSAGE;
}

/* Warnings for values that a later choice makes meaningless: replay.timing and
 * replay.multiplier with a fixed rate, replay.multiplier with topspeed, pcie.lanes with a
 * parallel bus. */
static int sc_warn_no_effect(cli_scenario *sc)
{
    const ns_config *c = &sc->cfg;
    char where[512];
    int rc;
    const char *rate = c->mbps > 0 ? "mbps" : c->pps > 0 ? "pps" : NULL;
    if (rate) {
        const int ks[] = {K_REPLAY_TIMING, K_REPLAY_MULTIPLIER};
        for (size_t i = 0; i < 2; i++) {
            if (sc->given[ks[i]].kind == ORIGIN_NONE)
                continue;
            sc_where(sc, sc->given[ks[i]], where, sizeof where);
            rc = sc_warn(sc, "%s: replay.%s has no effect: replay.%s sets a fixed rate", where,
                         sc_keys[ks[i]].name, rate);
            if (rc != CLI_OK)
                return rc;
        }
    } else if (c->timing == NS_TIMING_TOPSPEED && sc->given[K_REPLAY_MULTIPLIER].kind) {
        sc_where(sc, sc->given[K_REPLAY_MULTIPLIER], where, sizeof where);
        rc = sc_warn(sc, "%s: replay.multiplier has no effect with replay.timing = topspeed",
                     where);
        if (rc != CLI_OK)
            return rc;
    }

    if (sc->given[K_PCIE_LANES].kind && (c->pcie.link == PCIE_PCI || c->pcie.link == PCIE_PCIX)) {
        sc_where(sc, sc->given[K_PCIE_LANES], where, sizeof where);
        rc = sc_warn(sc, "%s: pcie.lanes has no effect with pcie.link = %s (a parallel bus, "
                     "not PCIe lanes)", where, pcie_link_name(c->pcie.link));
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

/* A warning when the line rate exceeds the datapath (after ns_config_finalize(), which fills
 * the width's clock and link rate). */
static int sc_warn_datapath(cli_scenario *sc)
{
    const ns_config *c = &sc->cfg;
    double datapath_gbps = c->data_width * c->clock_mhz / 1000.0;
    if (c->link_gbps <= datapath_gbps)
        return CLI_OK;
    char where[512];
    sc_origin o = sc->given[K_NIC_LINK_GBPS].kind ? sc->given[K_NIC_LINK_GBPS]
                                                  : sc->given[K_NIC_CLOCK_MHZ];
    sc_where(sc, o, where, sizeof where);
    return sc_warn(sc, "%s: nic.link_gbps %g exceeds the datapath (%d bits x %g MHz = %g Gb/s);"
                   " the receive FIFO will overflow at line rate", where, c->link_gbps,
                   c->data_width, c->clock_mhz, datapath_gbps);
}

int cli_scenario_finish(cli_scenario *sc, const char *trace_override, char *err, size_t errlen)
{
    int rc;
    if (sc->finished) {
        cli_msg(err, errlen, "scenario already finished");
        return CLI_EUSAGE;
    }
    ns_config *c = &sc->cfg;

    if ((rc = sc_check_queues(sc, err, errlen)) != CLI_OK ||
        (rc = sc_check_rates(sc, err, errlen)) != CLI_OK ||
        (rc = sc_check_pcie(sc, err, errlen)) != CLI_OK ||
        (rc = sc_check_memory(sc, err, errlen)) != CLI_OK ||
        (rc = sc_check_posted(sc, err, errlen)) != CLI_OK)
        return rc;

    const char *trace = trace_override && *trace_override ? trace_override : sc->trace;
    if (!trace) {
        cli_msg(err, errlen, "no trace: give --trace FILE or 'trace = FILE' in the [scenario] "
                "section of %s", sc->file ? sc->file : "the scenario");
        return CLI_EUSAGE;
    }
    sc->trace_used = cli_strdup(trace);
    if (!sc->trace_used)
        goto nomem;

    if (sc_warn_no_effect(sc) != CLI_OK)
        goto nomem;
    ns_config_finalize(c);
    if (sc_warn_datapath(sc) != CLI_OK)
        goto nomem;

    c->trace_path = sc->trace_used;
    sc->finished = 1;
    return CLI_OK;
nomem:
    cli_msg(err, errlen, "out of memory");
    return CLI_ENOMEM;
}

/* ---- keys and their values ---- */

int cli_scenario_key_count(void)
{
    return K_COUNT;
}

const char *cli_scenario_key_section(int i)
{
    return i >= 0 && i < K_COUNT ? sc_keys[i].section : NULL;
}

const char *cli_scenario_key_name(int i)
{
    return i >= 0 && i < K_COUNT ? sc_keys[i].name : NULL;
}

/* A plain key's field as text. */
static void sc_plain_value(const cli_scenario *sc, const sc_key_desc *d, char *buf, size_t len)
{
    const void *p = (const char *)sc + d->field.off;
    switch (d->field.type) {
    case SF_INT:
        snprintf(buf, len, "%d", *(const int *)p);
        break;
    case SF_U32:
        snprintf(buf, len, "%u", (unsigned)*(const uint32_t *)p);
        break;
    case SF_DOUBLE:
        snprintf(buf, len, "%.15g", *(const double *)p);
        break;
    }
}

/* Appends "ITEM" or ", ITEM" to buf. */
static void sc_append_item(char *buf, size_t len, const char *item)
{
    size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, "%s%s", used ? ", " : "", item);
}

int cli_scenario_key_value(const cli_scenario *sc, int i, char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    if (i < 0 || i >= K_COUNT)
        return -1;
    const ns_config *c = &sc->cfg;
    const sc_key_desc *d = &sc_keys[i];
    char item[16];
    switch (i) {
    case K_SC_NAME:
        if (!sc->name)
            return 0;
        snprintf(buf, len, "%s", sc->name);
        return 1;
    case K_SC_DESCRIPTION:
        snprintf(buf, len, "%s", sc->description ? sc->description : "");
        return 1;
    case K_SC_TRACE:
        if (!sc->trace)
            return 0;
        snprintf(buf, len, "%s", sc->trace);
        return 1;
    case K_SC_HOST:
        cli_host_text(c, buf, len);
        return 1;
    case K_NIC_DATA_WIDTH:
        snprintf(buf, len, "%d", c->data_width);
        return 1;
    case K_NIC_CLOCK_MHZ:
    case K_NIC_LINK_GBPS:
        /* 0 until ns_config_finalize() picks the data width's value */
        if ((i == K_NIC_CLOCK_MHZ ? c->clock_mhz : c->link_gbps) <= 0)
            return 0;
        break;
    case K_NIC_OVERSIZE:
        snprintf(buf, len, "%s", c->resegment ? "resegment" : "drop");
        return 1;
    case K_NIC_RSS_KEY:
        for (size_t b = 0; b < sizeof c->rss_key && 2 * b + 2 < len; b++)
            snprintf(buf + 2 * b, 3, "%02x", c->rss_key[b]);
        return 1;
    case K_NIC_TABLE:
        if (!c->table_given)
            return 0;
        for (int e = 0; e < c->table_size && e < NS_TABLE_MAX; e++) {
            snprintf(item, sizeof item, "%d", c->table[e]);
            sc_append_item(buf, len, item);
        }
        return 1;
    case K_NIC_HASH_TYPES:
        for (int t = 1; t < RSS_HT_COUNT; t++)
            if (c->rss_hash_types & RSS_HT_BIT(t))
                sc_append_item(buf, len, rss_hash_type_name(t));
        if (!buf[0])
            snprintf(buf, len, "none");
        return 1;
    case K_PCIE_LINK:
        snprintf(buf, len, "%s", pcie_link_name(c->pcie.link));
        return 1;
    case K_PCIE_LANES:
        snprintf(buf, len, "%d", c->pcie.lanes);
        return 1;
    case K_HOST_CPU_MHZ:
        /* 0: the cost profile's clock, chosen by the model */
        if (c->cpu_mhz <= 0)
            return 0;
        break;
    case K_HOST_COST_PROFILE:
        snprintf(buf, len, "%s", c->cost_profile);
        return 1;
    case K_DRV_RX_BUF:
        snprintf(buf, len, "%u", (unsigned)c->rx_buf_bytes);
        return 1;
    case K_HOST_BRIDGING:
        snprintf(buf, len, "%d", c->stack.bridging);
        return 1;
    case K_TCPIP_EXCL_DST:
    case K_TCPIP_EXCL_SRC:
    case K_TCPIP_INCL_DST:
    case K_TCPIP_INCL_SRC: {
        const uint16_t *l = i == K_TCPIP_EXCL_DST   ? c->stack.offload_exclude_dst
                            : i == K_TCPIP_EXCL_SRC ? c->stack.offload_exclude_src
                            : i == K_TCPIP_INCL_DST ? c->stack.offload_include_dst
                                                    : c->stack.offload_include_src;
        int n = i == K_TCPIP_EXCL_DST   ? c->stack.n_exclude_dst
                : i == K_TCPIP_EXCL_SRC ? c->stack.n_exclude_src
                : i == K_TCPIP_INCL_DST ? c->stack.n_include_dst
                                        : c->stack.n_include_src;
        for (int e = 0; e < n; e++) {
            snprintf(item, sizeof item, "%u", (unsigned)l[e]);
            sc_append_item(buf, len, item);
        }
        return 1;
    }
    case K_TCPIP_MIN_DMA:
        snprintf(buf, len, "%u", (unsigned)c->stack.min_dma_bytes);
        return 1;
    case K_TCPIP_DMA_SYNC:
        snprintf(buf, len, "%u", (unsigned)c->stack.dma_sync_threshold);
        return 1;
    case K_NETDMA_DEBUG_BREAK:
        snprintf(buf, len, "%s", hs_netdma_break_name(c->stack.netdma_break));
        return 1;
    case K_CHIMNEY_POLICY:
        snprintf(buf, len, "%s", c->stack.chimney_policy == HS_CHIMNEY_AUTOMATIC ? "automatic" : "always");
        return 1;
    case K_CHIMNEY_AUTO_MIN_BYTES:
        snprintf(buf, len, "%llu", (unsigned long long)c->stack.auto_min_bytes);
        return 1;
    case K_CHIMNEY_AUTO_MAX_RTT:
        snprintf(buf, len, "%.15g", (double)c->stack.auto_max_rtt_ns / 1e6);
        return 1;
    case K_CHIMNEY_PATH_RTT:
        snprintf(buf, len, "%.15g", (double)c->stack.path_rtt_ns / 1e6);
        return 1;
    case K_CHIMNEY_AUTO_MIN_LINK:
        snprintf(buf, len, "%.15g", (double)c->stack.auto_min_link_bps / 1e9);
        return 1;
    case K_TCPIP_DELACK_TICKS:
        snprintf(buf, len, "%llu", (unsigned long long)(c->stack.delack_ns / SC_DELACK_TICK_NS));
        return 1;
    case K_APP_CYCLES_PER_BYTE:
        /* < 0: the cost profile's app_byte */
        if (c->stack.app_cycles_per_byte < 0)
            return 0;
        break;
    case K_APP_CONSUME_MBPS:
        snprintf(buf, len, "%.15g", c->stack.app_rate_bytes_per_s / SC_MBPS_TO_BYTES_PER_S);
        return 1;
    case K_REPLAY_TIMING:
        snprintf(buf, len, "%s", c->timing == NS_TIMING_TOPSPEED ? "topspeed" : "recorded");
        return 1;
    case K_REPLAY_FIX_CHECKSUMS:
        snprintf(buf, len, "%s", c->fix_checksums == NS_FIX_CSUM_OFF ? "off" : "auto");
        return 1;
    case K_REPLAY_LIMIT:
        snprintf(buf, len, "%llu", (unsigned long long)c->replay_limit);
        return 1;
    case K_REPLAY_DURATION:
        if (c->replay_duration_ps)
            snprintf(buf, len, "%llups", (unsigned long long)c->replay_duration_ps);
        else
            snprintf(buf, len, "0");
        return 1;
    case K_REPLAY_FILTER:
        snprintf(buf, len, "%s", c->replay_filter);
        return 1;
    default:
        break;
    }
    /* every SK_FN key has its case above */
    if (d->kind == SK_FN)
        return 0;
    sc_plain_value(sc, d, buf, len);
    return 1;
}

ns_config *cli_scenario_config(cli_scenario *sc)
{
    return &sc->cfg;
}

const ns_config *cli_scenario_config_const(const cli_scenario *sc)
{
    return &sc->cfg;
}

const char *cli_scenario_name(const cli_scenario *sc)
{
    return sc->name ? sc->name : "";
}

const char *cli_scenario_description(const cli_scenario *sc)
{
    return sc->description ? sc->description : "";
}

const char *cli_scenario_file(const cli_scenario *sc)
{
    return sc->file;
}

const char *cli_scenario_trace(const cli_scenario *sc)
{
    return sc->trace_used;
}

double cli_scenario_app_cycles_per_byte(const cli_scenario *sc)
{
    double v = sc->cfg.stack.app_cycles_per_byte;
    return v >= 0 ? v : sc->profile_app_byte;
}

size_t cli_scenario_warning_count(const cli_scenario *sc)
{
    return sc->nwarn;
}

const char *cli_scenario_warning(const cli_scenario *sc, size_t i)
{
    return i < sc->nwarn ? sc->warn[i] : NULL;
}
