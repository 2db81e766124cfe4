/*
 * check_caps: src/caps.h on libcap (issue 16). Names: every spelling the
 * options accept (libcap's, the same without "cap_", any case, numbers),
 * numbers past the running kernel's count (-ERANGE) and what is no name;
 * caps_plan's decisions, table-driven: what a profile already satisfies
 * needs nothing, bounding entries are dropped only where they are held and
 * CAP_SETPCAP is, no_new_privs stands in for them where it is not, and
 * what cannot be kept is refused with the capability and why; and,
 * against the running kernel, caps_read_own matches /proc/self/status and
 * the count is the kernel's (/proc/sys/kernel/cap_last_cap + 1).
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
	{ "NET_BIND_SERVICE", CAP_NET_BIND_SERVICE },
	{ "0", CAP_CHOWN },
	{ "12", CAP_NET_ADMIN },
	{ "cap_12", -ENOENT },
};

START_TEST(test_known_names)
{
	const char *name = known[_i].name;

	ck_assert_int_eq(caps_from_name(name, strlen(name), caps_count()), known[_i].cap);
}
END_TEST

static const char *const unknown[] = {
	"", "cap_", "CAP_", "net_bind", "net_bind_service_", "chownx", "xchown",
	"cap_cap_chown", " chown", "chown ", "all", "none", "-1", "chown,kill",
};

START_TEST(test_unknown_names)
{
	const char *name = unknown[_i];

	ck_assert_int_eq(caps_from_name(name, strlen(name), caps_count()), -ENOENT);
}
END_TEST

/* Only len bytes count: the caller hands in one item of a comma list. */
START_TEST(test_name_length_counts)
{
	const char *list = "kill,chown";

	ck_assert_int_eq(caps_from_name(list, 4, CAPS_MAX), CAP_KILL);
	ck_assert_int_eq(caps_from_name(list + 5, 5, CAPS_MAX), CAP_CHOWN);
	ck_assert_int_eq(caps_from_name(list, 3, CAPS_MAX), -ENOENT);
	ck_assert_int_eq(caps_from_name(list, strlen(list), CAPS_MAX), -ENOENT);
}
END_TEST

/* A number is a capability when the running kernel has it, whatever
 * libcap's or the headers' names say: the count decides. */
START_TEST(test_numbers_follow_the_kernel)
{
	ck_assert_int_eq(caps_from_name("40", 2, 41), 40);
	ck_assert_int_eq(caps_from_name("41", 2, 41), -ERANGE);
	ck_assert_int_eq(caps_from_name("45", 2, 64), 45);
	ck_assert_int_eq(caps_from_name("cap_chown", 9, 1), CAP_CHOWN);
	ck_assert_int_eq(caps_from_name("kill", 4, CAP_KILL), -ERANGE);
	ck_assert_int_eq(caps_from_name("64", 2, CAPS_MAX), -ENOENT);
}
END_TEST

/* Every number the kernel has gets a name from libcap that parses back
 * to it, with and without "cap_" and in upper case. */
START_TEST(test_every_name_round_trips)
{
	int count = caps_count();

	ck_assert_int_gt(count, CAP_KILL);
	for (int cap = 0; cap < count; cap++) {
		char name[32], upper[32];

		caps_name(cap, name, sizeof(name));
		if (strncmp(name, "cap_", 4) != 0) /* newer than libcap: its number */
			continue;
		ck_assert_int_eq(caps_from_name(name, strlen(name), count), cap);
		ck_assert_int_eq(caps_from_name(name + 4, strlen(name + 4), count), cap);
		for (size_t i = 0; i <= strlen(name); i++)
			upper[i] = (char)toupper((unsigned char)name[i]);
		ck_assert_int_eq(caps_from_name(upper, strlen(upper), count), cap);
	}
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

START_TEST(test_read_own_matches_proc)
{
	struct caps_now now;

	ck_assert_int_eq(caps_read_own(&now), 0);
	ck_assert_uint_eq(now.effective, status_set("CapEff:"));
	ck_assert_uint_eq(now.permitted, status_set("CapPrm:"));
	ck_assert_uint_eq(now.inheritable, status_set("CapInh:"));
	ck_assert_uint_eq(now.bounding, status_set("CapBnd:"));
	ck_assert_uint_eq(now.ambient, status_set("CapAmb:"));
}
END_TEST

START_TEST(test_count_is_the_kernels)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last = -1;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &last), 1);
	fclose(f);
	ck_assert_int_eq(caps_count(), last + 1);
}
END_TEST

/* ---- caps_plan ------------------------------------------------------------ */

#define B(cap) CAPS_BIT(CAP_##cap)
#define FULL ((CAPS_BIT(41) - 1))
/* Kubernetes: drop [ALL], add [NET_BIND_SERVICE, SETUID, SETGID]. */
#define K8S (B(NET_BIND_SERVICE) | B(SETUID) | B(SETGID))

static const struct plan_row {
	const char *name;
	uint64_t permitted, inheritable, bounding, ambient;
	bool ambient_locked;
	uint64_t keep;
	int refused;                 /* -1, or the capability refused */
	enum caps_refusal why;
	uint64_t drop_bound;
	bool no_new_privs;
} plan_rows[] = {
	{ "root, --caps none", FULL, 0, FULL, 0, false, 0, -1, 0, FULL, false },
	{ "root, --caps net_bind_service", FULL, 0, FULL, 0, false, B(NET_BIND_SERVICE), -1, 0,
	  FULL & ~B(NET_BIND_SERVICE), false },
	{ "kubernetes: nothing to drop beyond what CAP_SETPCAP would", K8S, 0, K8S, 0, false,
	  B(NET_BIND_SERVICE), -1, 0, 0, true },
	{ "kubernetes, keeping all three: already true", K8S, 0, K8S, 0, false, K8S, -1, 0, 0,
	  false },
	{ "arbitrary uid, no capabilities, --caps none", 0, 0, FULL, 0, false, 0, -1, 0, 0, true },
	{ "no capabilities, empty bounding set, --caps none: a no-op", 0, 0, 0, 0, false, 0, -1, 0,
	  0, false },
	{ "nested: kill alone everywhere, --caps kill", B(KILL), B(KILL), B(KILL), B(KILL), false,
	  B(KILL), -1, 0, 0, false },
	{ "not held", B(KILL), 0, FULL, 0, false, B(KILL) | B(CHOWN), CAP_CHOWN, CAPS_NOT_HELD, 0,
	  false },
	{ "held but out of the bounding set", B(KILL) | B(CHOWN), 0, B(KILL), 0, false,
	  B(CHOWN), CAP_CHOWN, CAPS_NOT_BOUND, 0, false },
	{ "out of the bounding set but inheritable already", B(CHOWN), B(CHOWN), 0, 0, false,
	  B(CHOWN), -1, 0, 0, false },
	{ "ambient raising locked", FULL, 0, FULL, 0, true, B(CHOWN), CAP_CHOWN,
	  CAPS_AMBIENT_LOCKED, 0, false },
	{ "ambient locked, already ambient", B(CHOWN), B(CHOWN), B(CHOWN), B(CHOWN), true,
	  B(CHOWN), -1, 0, 0, false },
};

START_TEST(test_plan)
{
	const struct plan_row *row = &plan_rows[_i];
	const struct caps_now now = {
		.effective = row->permitted, .permitted = row->permitted,
		.inheritable = row->inheritable, .bounding = row->bounding, .ambient = row->ambient,
		.ambient_locked = row->ambient_locked, .count = 41,
	};
	struct caps_child child;
	enum caps_refusal why = CAPS_NOT_HELD;
	int cap = -1;
	int e = caps_plan(&now, row->keep, &child, &cap, &why);

	if (row->refused >= 0) {
		ck_assert_msg(e == -EPERM, "%s: %d", row->name, e);
		ck_assert_msg(cap == row->refused && why == row->why, "%s: cap %d why %d", row->name,
			      cap, (int)why);
		return;
	}
	ck_assert_msg(e == 0, "%s: %d", row->name, e);
	uint64_t want_drop = (row->permitted & B(SETPCAP)) != 0 ? row->drop_bound : 0;
	ck_assert_msg(child.drop_bound == want_drop, "%s: drop %#" PRIx64, row->name,
		      child.drop_bound);
	ck_assert_msg(child.no_new_privs == row->no_new_privs, "%s: no_new_privs %d", row->name,
		      child.no_new_privs);
	ck_assert_msg(child.keep == row->keep, "%s", row->name);
	ck_assert_uint_eq(child.final[0].permitted, (uint32_t)row->keep);
	ck_assert_uint_eq(child.final[1].inheritable, (uint32_t)(row->keep >> 32));
	ck_assert_uint_eq(child.raise[0].effective, (uint32_t)(row->keep | B(SETPCAP)));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("caps");
	TCase *tc = unit_tcase(s, "names", 5);
	tcase_add_loop_test(tc, test_known_names, 0, N(known));
	tcase_add_loop_test(tc, test_unknown_names, 0, N(unknown));
	tcase_add_test(tc, test_name_length_counts);
	tcase_add_test(tc, test_numbers_follow_the_kernel);
	tcase_add_test(tc, test_every_name_round_trips);

	tc = unit_tcase(s, "plan", 5);
	tcase_add_loop_test(tc, test_plan, 0, N(plan_rows));

	tc = unit_tcase(s, "kernel", 5);
	tcase_add_test(tc, test_read_own_matches_proc);
	tcase_add_test(tc, test_count_is_the_kernels);
	return s;
}
