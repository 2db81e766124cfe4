/*
 * check_docker_reap: zombies and leftovers in a container (issue 4, tests
 * 4 and 6).
 *
 * 4. An app leaves 500 orphans, which re-parent to PID 1: with reaper as
 *    PID 1, `docker exec ps` shows no zombie. The control, the same app
 *    as PID 1 itself, must show the 500, or the check could not fail.
 * 6. --orphans=terminate at container exit: a background helper gets TERM
 *    and takes its time to flush a file into a volume before the container
 *    ends, with the main child's exit code. The control, --orphans=leave,
 *    must lose the flush (reaper leaves, the kernel KILLs the rest of the
 *    namespace). A leftover that ignores TERM is KILLed after --grace.
 * 8. reaper -P as a pod's pause container: other containers join its PID
 *    namespace (`--pid container:NAME`, what Kubernetes'
 *    shareProcessNamespace does), so their orphans re-parent to it, and it
 *    reaps them; a control pause that only sleeps must keep the zombies.
 *    `docker stop` ends it at once with 0.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dockertest.h"
#include "harness.h"

/* ---- 4. zombies --------------------------------------------------------- */

#define ORPHANS 500
#define SETTLE_MS 10000 /* how long ps may take to show the count we want */

START_TEST(test_zombies)
{
	char n[16];
	snprintf(n, sizeof n, "%d", ORPHANS);
	struct docker_cmd with;
	docker_cmd_run(&with, "zombies", "-i", docker_image(), "orphanfactory", "--wait", n, NULL);
	int first;
	int zombies = docker_orphan_zombies(&with, true, ORPHANS, SETTLE_MS, &first);
	ck_assert_msg(zombies == 0, "reaper as PID 1: ps still shows %d zombies (first look: %d)",
		      zombies, first);

	struct docker_cmd bare;
	docker_cmd_run(&bare, "zombies-bare", "-i", "--entrypoint", "/helpers/orphanfactory",
		       docker_image(), "--wait", n, NULL);
	zombies = docker_orphan_zombies(&bare, false, ORPHANS, SETTLE_MS, &first);
	ck_assert_msg(zombies >= ORPHANS, "control: ps shows %d zombies without reaper, want %d",
		      zombies, ORPHANS);
}
END_TEST

/* ---- 6. orphans at container exit ---------------------------------------- */

/* The main child starts a background flusher, waits on a fifo until it is
 * armed, and exits 5. On TERM the flusher spends half a second "flushing",
 * writes the volume's file and exits. */
static char flush_script[] =
	"flusher() {\n"
	"  trap 'sleep 0.5; echo flushed >/data/out; exit 0' TERM\n"
	"  echo armed >/data/out\n"
	"  sleep 1000 &\n"
	"  echo >/tmp/armed\n"
	"  wait\n"
	"}\n"
	"mkfifo /tmp/armed\n"
	"flusher &\n"
	"read x </tmp/armed\n"
	"exit 5\n";

/* Run the flush script under reaper with option orphans, then read the
 * volume's file into file. */
static void run_flush(const char *volume, const char *name, const char *orphans, char *file,
		      size_t size)
{
	char mount[192];
	snprintf(mount, sizeof mount, "%s:/data", volume);
	struct docker_cmd c;
	docker_cmd_run(&c, name, "-v", mount, "--entrypoint", "/sbin/reaper", docker_image(),
		       (char *)orphans, "--", "sh", "-c", flush_script, NULL);
	char out[8192];
	int code = docker_capture(&c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 5, "%s: exit %d, want the main child's 5; output: %s", orphans,
		      code, out);

	char cat_name[64];
	snprintf(cat_name, sizeof cat_name, "%s-cat", name);
	docker_cmd_run(&c, cat_name, "-v", mount, docker_image(), "cat", "/data/out", NULL);
	code = docker_capture(&c, file, size, DOCKER_CMD_MS);
	ck_assert_msg(code == 0, "cat /data/out: exit %d: %s", code, file);
}

START_TEST(test_orphans_flush)
{
	char volume[128];
	docker_object_name("flush", volume, sizeof volume);
	struct docker_cmd create;
	docker_cmd(&create, "volume", "create", "--label", (char *)docker_label(), volume, NULL);
	docker_expect_ok(&create);

	char file[4096];
	run_flush(volume, "flush", "--orphans=terminate", file, sizeof file);
	ck_assert_msg(strcmp(file, "flushed\n") == 0,
		      "--orphans=terminate: the volume holds '%s', want 'flushed'", file);

	run_flush(volume, "flush-leave", "--orphans=leave", file, sizeof file);
	ck_assert_msg(strcmp(file, "armed\n") == 0,
		      "control --orphans=leave: the volume holds '%s', want 'armed'", file);
}
END_TEST

START_TEST(test_orphans_ignore_term)
{
	struct docker_cmd c;
	docker_cmd_run(&c, "ignorer", "--entrypoint", "/sbin/reaper", docker_image(), "--grace",
		       "1s", "--", "jobtree", "--spawn", "double", "--on-term", "ignore", "--exit",
		       "6", NULL);
	char out[8192];
	int code = docker_capture(&c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 6, "exit %d, want the main child's 6; output: %s", code, out);
	ck_assert_msg(text_has_line(out, "gsig double 15"), "the leftover saw no TERM: %s", out);
	ck_assert_msg(!text_has_line(out, "finished double"), "the leftover was not KILLed: %s",
		      out);
}
END_TEST

/* ---- 8. the pause container ------------------------------------------------ */

/* Start a detached pause container, NAME, running argv (after the image,
 * NULL-terminated list) as its entrypoint and command. Not --rm, so its
 * exit code can be read after `docker stop`; the teardown removes it. */
static void start_pause(struct docker_cmd *c, const char *name, const char *entrypoint, ...)
{
	docker_cmd(c, "run", "-d", NULL);
	docker_object_name(name, c->name, sizeof c->name);
	docker_cmd_add(c, "--name", c->name, "--label", (char *)docker_label(), "--entrypoint",
		       (char *)entrypoint, (char *)docker_image(), NULL);
	va_list ap;
	va_start(ap, entrypoint);
	for (char *arg = va_arg(ap, char *); arg != NULL; arg = va_arg(ap, char *))
		docker_cmd_add(c, arg, NULL);
	va_end(ap);
	docker_expect_ok(c);
}

/* Orphans of an app container that shares the PID namespace of pause:
 * the zombie count docker_orphan_zombies settles on. */
static int shared_orphans(const char *pause, const char *name, bool want_zero, int *first)
{
	char pid_mode[160];
	snprintf(pid_mode, sizeof pid_mode, "container:%s", pause);
	char n[16];
	snprintf(n, sizeof n, "%d", ORPHANS);
	struct docker_cmd app;
	docker_cmd_run(&app, name, "-i", "--pid", pid_mode, "--entrypoint", "/helpers/orphanfactory",
		       docker_image(), "--wait", n, NULL);
	return docker_orphan_zombies(&app, want_zero, ORPHANS, SETTLE_MS, first);
}

START_TEST(test_pause)
{
	struct docker_cmd pause;
	start_pause(&pause, "pause", "/sbin/reaper", "-P", NULL);
	int first;
	int zombies = shared_orphans(pause.name, "pause-app", true, &first);
	ck_assert_msg(zombies == 0, "reaper -P: ps still shows %d zombies (first look: %d)", zombies,
		      first);
	struct docker_cmd stop;
	docker_cmd(&stop, "stop", pause.name, NULL);
	long long start = now_ms();
	docker_expect_ok(&stop);
	long long stop_ms = now_ms() - start;
	struct docker_cmd inspect;
	docker_cmd(&inspect, "inspect", "-f", "{{.State.ExitCode}}", pause.name, NULL);
	char out[256];
	int code = docker_capture(&inspect, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 0 && strcmp(out, "0\n") == 0,
		      "reaper -P after docker stop: exit code '%s' (inspect exit %d), want 0", out,
		      code);
	ck_assert_msg(stop_ms < 5000, "docker stop of reaper -P took %lld ms", stop_ms);

	struct docker_cmd sleeper;
	start_pause(&sleeper, "pause-sleep", "/bin/sleep", "1000", NULL);
	zombies = shared_orphans(sleeper.name, "pause-sleep-app", false, &first);
	ck_assert_msg(zombies >= ORPHANS, "control: a sleeping pause shows %d zombies, want %d",
		      zombies, ORPHANS);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = docker_suite("docker reap");
	TCase *tc = docker_tcase("4 zombies", 120);
	tcase_add_test(tc, test_zombies);
	suite_add_tcase(s, tc);
	tc = docker_tcase("6 orphans at exit", 120);
	tcase_add_test(tc, test_orphans_flush);
	tcase_add_test(tc, test_orphans_ignore_term);
	suite_add_tcase(s, tc);
	tc = docker_tcase("8 pause container", 120);
	tcase_add_test(tc, test_pause);
	suite_add_tcase(s, tc);
	return s;
}
