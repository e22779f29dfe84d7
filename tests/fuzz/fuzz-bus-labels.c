/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz bus_read_labels() and bus_enter_variant() (src/sysrecd/bus-util.c),
 * which read every label map and typed option a client sends. The input is
 * turned into an sd-bus message the way a client could build it:
 *   byte 0: shape: 0 a{ss}; 1 v(a{ss}); 2 v(s); 3 v(a{sv}); 4 v(as)
 *   byte 1: the --max-labels limit (1..64)
 *   rest:   strings separated by NUL, used as keys and values in turn
 * (strings sd-bus refuses, e.g. invalid UTF-8, are left out: a client's
 * library refuses them, and the bus drops a client that sends them anyway). The message is sealed and read back as the
 * daemon does. Checks: success returns at most max pairs of valid, distinct
 * keys with valid values; failure is a named error or a -errno.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "bus-util.h"
#include "names.h"

#define CHECK(x)                                                                                   \
        do {                                                                                       \
                if (!(x))                                                                          \
                        abort();                                                                   \
        } while (0)

static sd_bus *bus;

static sd_bus *get_bus(void)
{
        int sv[2];

        if (bus)
                return bus;
        /* A bus that never completes authentication is enough to build
         * messages; nothing is ever sent. */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || sd_bus_new(&bus) < 0 ||
            sd_bus_set_fd(bus, sv[0], sv[0]) < 0 || sd_bus_start(bus) < 0)
                abort();
        return bus;
}

static const char *next(const uint8_t **p, const uint8_t *end)
{
        const char *s = (const char *)*p;
        const uint8_t *z;

        if (*p >= end)
                return NULL;
        z = memchr(*p, 0, (size_t)(end - *p));
        if (!z)
                return NULL; /* the last string needs its NUL */
        *p = z + 1;
        return s;
}

/* Would sd-bus take this string? A failed append poisons a message, so try
 * on a scratch one: a client's library refuses such strings before sending. */
static bool string_ok(const char *s)
{
        sd_bus_message *m = NULL;
        bool ok;

        CHECK(sd_bus_message_new_method_call(get_bus(), &m, "org.sysrec1", "/", "org.sysrec1.X", "Y") >= 0);
        ok = sd_bus_message_append(m, "s", s) >= 0;
        sd_bus_message_unref(m);
        return ok;
}

static void append_pairs(sd_bus_message *m, const char *sig, const uint8_t **p, const uint8_t *end)
{
        const char *k, *v;

        CHECK(sd_bus_message_open_container(m, 'a', sig) >= 0);
        while ((k = next(p, end)) && (v = next(p, end))) {
                if (!string_ok(k) || !string_ok(v))
                        continue;
                if (strcmp(sig, "{ss}") == 0)
                        CHECK(sd_bus_message_append(m, "{ss}", k, v) >= 0);
                else
                        CHECK(sd_bus_message_append(m, "{sv}", k, "s", v) >= 0);
        }
        CHECK(sd_bus_message_close_container(m) >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        sd_bus_message *m = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const uint8_t *p, *end = data + size;
        char **labels = NULL;
        unsigned shape, max;
        const char *s;
        int r;

        if (size < 2 || size > 65536)
                return 0;
        shape = data[0] % 5;
        max = 1 + data[1] % 64;
        p = data + 2;
        CHECK(sd_bus_message_new_method_call(get_bus(), &m, "org.sysrec1", "/org/sysrec1",
                                             "org.sysrec1.Manager", "RegisterWorkload") >= 0);
        switch (shape) {
        case 0:
                append_pairs(m, "{ss}", &p, end);
                break;
        case 1:
                CHECK(sd_bus_message_open_container(m, 'v', "a{ss}") >= 0);
                append_pairs(m, "{ss}", &p, end);
                CHECK(sd_bus_message_close_container(m) >= 0);
                break;
        case 2:
                s = next(&p, end);
                CHECK(sd_bus_message_append(m, "v", "s", s && string_ok(s) ? s : "") >= 0);
                break;
        case 3:
                CHECK(sd_bus_message_open_container(m, 'v', "a{sv}") >= 0);
                append_pairs(m, "{sv}", &p, end);
                CHECK(sd_bus_message_close_container(m) >= 0);
                break;
        default:
                CHECK(sd_bus_message_open_container(m, 'v', "as") >= 0);
                CHECK(sd_bus_message_open_container(m, 'a', "s") >= 0);
                while ((s = next(&p, end)))
                        if (string_ok(s))
                                CHECK(sd_bus_message_append(m, "s", s) >= 0);
                CHECK(sd_bus_message_close_container(m) >= 0);
                CHECK(sd_bus_message_close_container(m) >= 0);
                break;
        }
        CHECK(sd_bus_message_seal(m, 1, 0) >= 0);
        CHECK(sd_bus_message_rewind(m, true) >= 0);

        r = 0;
        if (shape != 0)
                r = bus_enter_variant(m, "target 'labels'", "a{ss}", &error);
        if (r >= 0)
                r = bus_read_labels(m, "target 'labels'", max, &labels, &error);
        if (r >= 0) {
                size_t n = labels_count(labels);

                CHECK(shape <= 1);
                CHECK(n <= max);
                for (size_t i = 0; i < n; i++) {
                        CHECK(label_key_is_valid(labels[2 * i]));
                        CHECK(label_value_is_valid(labels[2 * i + 1]));
                        for (size_t j = 0; j < i; j++)
                                CHECK(strcmp(labels[2 * i], labels[2 * j]) != 0);
                }
        } else {
                CHECK(!sd_bus_error_is_set(&error) ||
                      sd_bus_error_has_names(&error, SYSREC_ERROR_INVALID_ARGUMENT,
                                             SYSREC_ERROR_LIMIT_EXCEEDED));
                CHECK(shape >= 2 || sd_bus_error_is_set(&error));
        }
        for (char **i = labels; i && *i; i++)
                free(*i);
        free(labels);
        sd_bus_error_free(&error);
        sd_bus_message_unref(m);
        return 0;
}
