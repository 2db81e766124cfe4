/*
 * check_docker_privs: -u/--user and --caps inside a container (issue 4,
 * test 7), where they replace gosu or su-exec beside the init.
 *
 * The container starts as root with Docker's default capabilities; reaper
 * (the static build, no NSS) resolves names from the image's /etc/passwd
 * and /etc/group, and the app, tests/helpers/showprivs, reports the ids,
 * groups and capability sets the kernel gives it. --caps net_bind_service
 * must let the unprivileged app bind port 80 and --caps none must not:
 * each container gets net.ipv4.ip_unprivileged_port_start=1024, since
 * Docker 20.10 and later open every port to every user in a container.
 * Reaper itself, PID 1, keeps only CAP_KILL. Unknown names are exit 125
 * with reaper's one line, and the command never runs.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dockertest.h"

/* Run script under `reaper OPTS -- sh -c SCRIPT` in a container; out gets
 * all it said. Returns the exit code. */
static int run_privs(const char *name, const char *const opts[], const char *script, char *out,
		     size_t size)
{
	struct docker_cmd c;
	docker_cmd_run(&c, name, "--sysctl", "net.ipv4.ip_unprivileged_port_start=1024",
		       "--entrypoint", "/sbin/reaper", docker_image(), NULL);
	for (int i = 0; opts[i] != NULL; i++)
		docker_cmd_add(&c, (char *)opts[i], NULL);
	docker_cmd_add(&c, "--", "sh", "-c", (char *)script, NULL);
	return docker_capture(&c, out, size, DOCKER_CMD_MS);
}

static void assert_value(const char *out, const char *key, const char *want, const char *how)
{
	char value[256];
	ck_assert_msg(text_value(out, key, value, sizeof value), "%s: no '%s' line in: %s", how,
		      key, out);
	ck_assert_msg(strcmp(value, want) == 0, "%s: %s is '%s', want '%s'; all: %s", how, key,
		      value, want, out);
}

START_TEST(test_user_name)
{
	/* app (1000) is also in audio (29) and video (44) in /etc/group. */
	static char out[16384];
	const char *const opts[] = { "-u", "app", NULL };
	int code = run_privs("user", opts, "showprivs", out, sizeof out);
	ck_assert_msg(code == 0, "-u app: exit %d: %s", code, out);
	assert_value(out, "uid", "1000 1000 1000 1000", "-u app");
	assert_value(out, "gid", "1000 1000 1000 1000", "-u app");
	assert_value(out, "groups", "29 44 1000", "-u app");
	assert_value(out, "capeff", "0000000000000000", "-u app");
	assert_value(out, "capprm", "0000000000000000", "-u app");
}
END_TEST

START_TEST(test_user_group)
{
	static char out[16384];
	const char *const opts[] = { "--user", "app:video", NULL };
	int code = run_privs("user-group", opts, "showprivs", out, sizeof out);
	ck_assert_msg(code == 0, "--user app:video: exit %d: %s", code, out);
	assert_value(out, "uid", "1000 1000 1000 1000", "--user app:video");
	assert_value(out, "gid", "44 44 44 44", "--user app:video");
}
END_TEST

START_TEST(test_user_numeric)
{
	/* Ids with no entry in /etc/passwd: no supplementary groups at all. */
	static char out[16384];
	const char *const opts[] = { "-u", "4242:4243", NULL };
	int code = run_privs("user-numeric", opts, "showprivs", out, sizeof out);
	ck_assert_msg(code == 0, "-u 4242:4243: exit %d: %s", code, out);
	assert_value(out, "uid", "4242 4242 4242 4242", "-u 4242:4243");
	assert_value(out, "gid", "4243 4243 4243 4243", "-u 4242:4243");
	ck_assert_msg(text_has_line(out, "groups"), "-u 4242:4243: groups left: %s", out);
}
END_TEST

/* reaper run with "option value" (in the container named after tag) exits
 * 125 with a reaper line naming value, and the command never runs. */
static void expect_rejected(const char *tag, const char *option, const char *value)
{
	static char out[16384];
	const char *const opts[] = { option, value, NULL };
	int code = run_privs(tag, opts, "echo ran", out, sizeof out);
	ck_assert_msg(code == 125, "%s %s: exit %d, want 125: %s", option, value, code, out);
	ck_assert_msg(strstr(out, "reaper:") != NULL && strstr(out, value) != NULL,
		      "%s %s: no reaper line naming it: %s", option, value, out);
	ck_assert_msg(!text_has_line(out, "ran"), "%s %s: the command ran: %s", option, value,
		      out);
}

START_TEST(test_user_unknown)
{
	expect_rejected("user-unknown", "-u", "nosuchuser");
}
END_TEST

START_TEST(test_caps_bind)
{
	static char out[16384];
	const char *const opts[] = { "-u", "app", "--caps", "net_bind_service", NULL };
	int code = run_privs("caps", opts, "showprivs; grep CapEff /proc/1/status; bindport 80",
			     out, sizeof out);
	ck_assert_msg(code == 0, "--caps net_bind_service: exit %d: %s", code, out);
	const char *bit = "0000000000000400"; /* CAP_NET_BIND_SERVICE is 10 */
	const char *how = "-u app --caps net_bind_service";
	assert_value(out, "uid", "1000 1000 1000 1000", how);
	assert_value(out, "capeff", bit, how);
	assert_value(out, "capprm", bit, how);
	assert_value(out, "capinh", bit, how);
	assert_value(out, "capamb", bit, how);
	assert_value(out, "capbnd", bit, how);
	assert_value(out, "port_start", "1024", how);
	ck_assert_msg(text_has_line(out, "bound"), "%s: could not bind port 80: %s", how, out);
	/* Reaper, PID 1, has dropped all but CAP_KILL (5). */
	ck_assert_msg(strstr(out, "CapEff:\t0000000000000020") != NULL,
		      "PID 1 (reaper) keeps more than CAP_KILL: %s", out);
}
END_TEST

START_TEST(test_caps_none)
{
	/* The control: the same bind, without the capability, must fail. */
	static char out[16384];
	const char *const opts[] = { "-u", "app", "--caps", "none", NULL };
	int code = run_privs("caps-none", opts, "showprivs; bindport 80", out, sizeof out);
	ck_assert_msg(code == 1, "--caps none: bindport exit %d, want 1: %s", code, out);
	assert_value(out, "capeff", "0000000000000000", "--caps none");
	assert_value(out, "capbnd", "0000000000000000", "--caps none");
	ck_assert_msg(text_has_line(out, "bind: EACCES"), "--caps none: %s", out);
}
END_TEST

START_TEST(test_caps_unknown)
{
	expect_rejected("caps-unknown", "--caps", "no_such_cap");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = docker_suite("docker privs");
	TCase *tc = docker_tcase("7 user", 120);
	tcase_add_test(tc, test_user_name);
	tcase_add_test(tc, test_user_group);
	tcase_add_test(tc, test_user_numeric);
	tcase_add_test(tc, test_user_unknown);
	suite_add_tcase(s, tc);
	tc = docker_tcase("7 caps", 120);
	tcase_add_test(tc, test_caps_bind);
	tcase_add_test(tc, test_caps_none);
	tcase_add_test(tc, test_caps_unknown);
	suite_add_tcase(s, tc);
	return s;
}
