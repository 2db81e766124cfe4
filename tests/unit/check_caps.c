/*
 * check_caps: src/caps.h. Every name in the table against the kernel
 * header's number, in each spelling the options accept; names that are
 * not ours (prefixes, numbers, the bare "cap_"); the bounds of caps_name;
 * and, against the running kernel, the two answers apply_caps relies on:
 * caps_get reads our sets as /proc/self/status shows them, and dropping a
 * capability past the kernel's last one is EINVAL (where its loop stops).
 */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "unit_util.h"

static const struct {
	const char *name;
	int cap;
} known[] = {
	{ "chown", CAP_CHOWN },
	{ "CAP_CHOWN", CAP_CHOWN },
	{ "cap_chown", CAP_CHOWN },
	{ "Net_Bind_Service", CAP_NET_BIND_SERVICE },
	{ "cAp_KiLl", CAP_KILL },
	{ "setpcap", CAP_SETPCAP },
	{ "sys_admin", CAP_SYS_ADMIN },
	{ "checkpoint_restore", CAP_CHECKPOINT_RESTORE },
	{ "mac_override", CAP_MAC_OVERRIDE },
};

START_TEST(test_known_names)
{
	const char *name = known[_i].name;

	ck_assert_int_eq(caps_from_name(name, strlen(name)), known[_i].cap);
}
END_TEST

static const char *const unknown[] = {
	"", "cap_", "CAP_", "net_bind", "net_bind_service_", "chownx", "xchown",
	"cap_cap_chown", "0", "12", "cap_12", " chown", "chown ", "all",
};

START_TEST(test_unknown_names)
{
	const char *name = unknown[_i];

	ck_assert_int_eq(caps_from_name(name, strlen(name)), -1);
}
END_TEST

/* Only len bytes count: the caller hands in one item of a comma list. */
START_TEST(test_name_length_counts)
{
	const char *list = "kill,chown";

	ck_assert_int_eq(caps_from_name(list, 4), CAP_KILL);
	ck_assert_int_eq(caps_from_name(list + 5, 5), CAP_CHOWN);
	ck_assert_int_eq(caps_from_name(list, 3), -1);
	ck_assert_int_eq(caps_from_name(list, strlen(list)), -1);
}
END_TEST

/* Every number up to the header's last has a name, which parses back to
 * it with and without "cap_" and in upper case. */
START_TEST(test_every_name_round_trips)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		const char *name = caps_name(cap);
		char upper[64];

		ck_assert_msg(name != NULL, "capability %d has no name", cap);
		ck_assert_msg(strncmp(name, "cap_", 4) == 0, "%s", name);
		ck_assert_int_eq(caps_from_name(name, strlen(name)), cap);
		ck_assert_int_eq(caps_from_name(name + 4, strlen(name + 4)), cap);
		ck_assert_uint_lt(strlen(name), sizeof(upper));
		for (size_t i = 0; name[i] != '\0'; i++)
			upper[i] = (char)toupper((unsigned char)name[i]);
		upper[strlen(name)] = '\0';
		ck_assert_int_eq(caps_from_name(upper, strlen(upper)), cap);
	}
	ck_assert_ptr_null(caps_name(-1));
	ck_assert_ptr_null(caps_name(CAP_LAST_CAP + 1));
	ck_assert_ptr_null(caps_name(CAPS_MAX));
}
END_TEST

/* The hex value of "Field:" in /proc/self/status. */
static uint64_t status_set(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t value = 0;
	int found = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			found = sscanf(line + strlen(field), "%" SCNx64, &value);
	fclose(f);
	ck_assert_int_eq(found, 1);
	return value;
}

START_TEST(test_get_matches_proc)
{
	struct caps_sets sets;

	ck_assert_int_eq(caps_get(&sets), 0);
	ck_assert_uint_eq(sets.effective, status_set("CapEff:"));
	ck_assert_uint_eq(sets.permitted, status_set("CapPrm:"));
	ck_assert_uint_eq(sets.inheritable, status_set("CapInh:"));
	/* setting what we hold changes nothing and is always allowed */
	ck_assert_int_eq(caps_set(&sets), 0);
	ck_assert_uint_eq(status_set("CapPrm:"), sets.permitted);
}
END_TEST

START_TEST(test_drop_past_last_is_einval)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last = -1;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &last), 1);
	fclose(f);
	ck_assert_int_lt(last, CAPS_MAX - 1);
	errno = 0;
	ck_assert_int_eq(caps_drop_bound(last + 1), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("caps");
	TCase *tc = unit_tcase(s, "names", 5);
	tcase_add_loop_test(tc, test_known_names, 0, N(known));
	tcase_add_loop_test(tc, test_unknown_names, 0, N(unknown));
	tcase_add_test(tc, test_name_length_counts);
	tcase_add_test(tc, test_every_name_round_trips);

	tc = unit_tcase(s, "kernel", 5);
	tcase_add_test(tc, test_get_matches_proc);
	tcase_add_test(tc, test_drop_past_last_is_einval);
	return s;
}
