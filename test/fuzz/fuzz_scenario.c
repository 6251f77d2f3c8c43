/* Scenario files: the fuzz bytes as an INI file read by cli_scenario_load and finished with
 * a trace given, each line also tried as --set. Every error is one line; a scenario that is
 * accepted must pass the model's own range check (ns_config_check). */
#include "fuzz_util.h"

#include <string.h>

#include "cli.h"

static void fz_finish(cli_scenario *sc)
{
    char err[1024] = "";
    if (cli_scenario_finish(sc, "fuzz.pcap", err, sizeof err) != CLI_OK) {
        FZ_CHECK(fz_one_line(err), "finish message '%s'", err);
        return;
    }
    const ns_config *c = cli_scenario_config_const(sc);
    FZ_CHECK(ns_config_check(c, err, sizeof err) == 0, "accepted scenario fails the model's "
             "check: %s", err);
    for (size_t i = 0; i < cli_scenario_warning_count(sc); i++)
        FZ_CHECK(fz_one_line(cli_scenario_warning(sc, i)), "warning '%s'",
                 cli_scenario_warning(sc, i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return 0;
    char err[1024] = "";
    cli_scenario *sc = cli_scenario_new();
    FZ_CHECK(sc != NULL, "out of memory");
    if (cli_scenario_load(sc, fz_file(data, size), err, sizeof err) == CLI_OK)
        fz_finish(sc);
    else
        FZ_CHECK(fz_one_line(err), "load message '%s'", err);
    cli_scenario_free(sc);

    /* the same lines as --set SECTION.KEY=VALUE, "[section]" lines giving the section */
    char *text = malloc(size + 1);
    FZ_CHECK(text != NULL, "out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    sc = cli_scenario_new();
    FZ_CHECK(sc != NULL, "out of memory");
    char section[64] = "nic";
    int ok = 1;
    for (char *line = text, *next; line && ok; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] == '[') {
            char *close = strchr(line, ']');
            if (close && (size_t)(close - line - 1) < sizeof section) {
                memcpy(section, line + 1, (size_t)(close - line - 1));
                section[close - line - 1] = '\0';
            }
            continue;
        }
        if (!strchr(line, '='))
            continue;
        char assign[1024];
        if (strchr(line, '.') && strchr(line, '.') < strchr(line, '='))
            snprintf(assign, sizeof assign, "%s", line);
        else
            snprintf(assign, sizeof assign, "%s.%s", section, line);
        if (cli_scenario_set(sc, assign, err, sizeof err) != CLI_OK) {
            FZ_CHECK(fz_one_line(err), "--set message '%s'", err);
            ok = 0;
        }
    }
    if (ok)
        fz_finish(sc);
    cli_scenario_free(sc);
    free(text);
    return 0;
}
