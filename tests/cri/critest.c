/*
 * critest: the commands that drive the CRI suite's containerd (crictl,
 * ctr, runc) and the states its tests wait for. See critest.h for the
 * API; crid.c starts containerd and cleans up.
 *
 * Owns the run's one struct cri_run (crirun.h). Never blocks without a
 * deadline: every command is killed, its whole process group, when its
 * time is up, and every wait fails the test when its time is up.
 */
#define _GNU_SOURCE
#include "crirun.h"

#include "cmdrun.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CRICTL_TIMEOUT "20s"

static struct cri_run run;

struct cri_run *cri_run(void)
{
	return &run;
}

const char *cri_dir(void)
{
	return run.dir;
}

const char *cri_cgroup_parent(void)
{
	return run.cgroup_parent;
}

void cri_poll_interval(void)
{
	(void)poll(NULL, 0, 20);
}

int cri_capture(char *const argv[], struct cri_out *o, int timeout_ms)
{
	o->code = cmd_capture(argv, o->out, sizeof o->out, o->err, sizeof o->err, timeout_ms);
	return o->code;
}

/* argv = the fixed words, then the NULL-terminated list ap; false if it
 * does not fit. */
static bool build_cmd(char **argv, size_t size, char *const *fixed, va_list ap)
{
	size_t n = 0;
	for (; fixed[n] != NULL; n++)
		argv[n] = fixed[n];
	for (char *arg = va_arg(ap, char *); arg != NULL; arg = va_arg(ap, char *)) {
		if (n + 1 >= size)
			return false;
		argv[n++] = arg;
	}
	argv[n] = NULL;
	return true;
}

static int run_checked(struct cri_out *o, char *const *fixed, va_list ap)
{
	char *argv[64];
	ck_assert_msg(build_cmd(argv, 64, fixed, ap), "%s: command line too long", fixed[0]);
	size_t n = 0;
	while (fixed[n] != NULL)
		n++;
	int code = cri_capture(argv, o, CRI_CMD_MS);
	ck_assert_msg(code >= 0, "%s %s: %s", fixed[0], argv[n] != NULL ? argv[n] : "", o->err);
	return code;
}

#define CRICTL_FIXED                                                                     \
	{ run.prog.crictl, "--config", run.crictl_conf, "--runtime-endpoint", run.endpoint,          \
	  "--image-endpoint", run.endpoint, "--timeout", CRICTL_TIMEOUT, NULL }
#define CRICTL_NFIXED 9 /* words in CRICTL_FIXED */
size_t cri_crictl_words(char **argv)
{
	char *fixed[] = CRICTL_FIXED;
	for (size_t i = 0; i < CRICTL_NFIXED; i++)
		argv[i] = fixed[i];
	return CRICTL_NFIXED;
}

#define CTR_FIXED { run.prog.ctr, "--address", run.sock, "--namespace", "k8s.io", NULL }
#define RUNC_FIXED { run.prog.runc, "--root", run.runc_root, NULL }

int crictl(struct cri_out *o, ...)
{
	char *fixed[] = CRICTL_FIXED;
	va_list ap;
	va_start(ap, o);
	int code = run_checked(o, fixed, ap);
	va_end(ap);
	return code;
}

int ctr(struct cri_out *o, ...)
{
	char *fixed[] = CTR_FIXED;
	va_list ap;
	va_start(ap, o);
	int code = run_checked(o, fixed, ap);
	va_end(ap);
	return code;
}

int runc(struct cri_out *o, ...)
{
	char *fixed[] = RUNC_FIXED;
	va_list ap;
	va_start(ap, o);
	int code = run_checked(o, fixed, ap);
	va_end(ap);
	return code;
}

const char *crictl_ok(struct cri_out *o, ...)
{
	char *fixed[] = CRICTL_FIXED;
	va_list ap;
	va_start(ap, o);
	char *argv[64];
	bool fits = build_cmd(argv, 64, fixed, ap);
	va_end(ap);
	ck_assert_msg(fits, "crictl: command line too long");
	const char *verb = argv[CRICTL_NFIXED] != NULL ? argv[CRICTL_NFIXED] : "";
	const char *arg = verb[0] != '\0' && argv[CRICTL_NFIXED + 1] != NULL ? argv[CRICTL_NFIXED + 1] : "";
	int code = cri_capture(argv, o, CRI_CMD_MS);
	ck_assert_msg(code == 0, "crictl %s %s: exit %d: %s%s", verb, arg, code, o->out, o->err);
	o->out[strcspn(o->out, "\n")] = '\0';
	return o->out;
}

/* ---- what the tests wait for ----------------------------------------------- */

void cri_read_file(const char *path, char *buf, size_t size)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size_t len = 0;
	while (len < size - 1) {
		ssize_t got = read(fd, buf + len, size - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	buf[len] = '\0';
	(void)close(fd); /* read-only */
}

/* Does text, a CRI log ("TIME STREAM TAG TEXT" lines), hold a line whose
 * TEXT starts with want? */
static bool has_log_text(const char *text, const char *want)
{
	size_t wlen = strlen(want);
	for (const char *line = text; *line != '\0';) {
		size_t len = strcspn(line, "\n");
		const char *field = line;
		for (int i = 0; i < 3 && field != NULL; i++) {
			field = memchr(field, ' ', (size_t)(line + len - field));
			field = field != NULL ? field + 1 : NULL;
		}
		if (field != NULL && (size_t)(line + len - field) >= wlen &&
		    strncmp(field, want, wlen) == 0)
			return true;
		line += len;
		line += *line == '\n';
	}
	return false;
}

void cri_await_line(const char *path, const char *want, int timeout_ms)
{
	static char text[65536];
	long long deadline = cmd_now_ms() + timeout_ms;
	for (;;) {
		cri_read_file(path, text, sizeof text);
		if (has_log_text(text, want))
			return;
		ck_assert_msg(cmd_now_ms() < deadline, "no line \"%s...\" in %s after %d ms: %s",
			      want, path, timeout_ms, text);
		cri_poll_interval();
	}
}

int cri_mounts_under(char *text, const char *dir, char **found, int max)
{
	int n = 0;
	size_t dlen = strlen(dir);
	char *save;
	for (char *line = strtok_r(text, "\n", &save); line != NULL && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": the fifth field. */
		char *field = line;
		for (int i = 0; i < 4 && field != NULL; i++) {
			field = strchr(field, ' ');
			field = field != NULL ? field + 1 : NULL;
		}
		if (field == NULL || strncmp(field, dir, dlen) != 0 || field[dlen] != '/')
			continue;
		field[strcspn(field, " ")] = '\0';
		found[n++] = field;
	}
	return n;
}

int cri_leftover_mounts(char *buf, size_t size)
{
	static char info[1 << 18];
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)run.containerd_pid);
	cri_read_file(path, info, sizeof info);
	ck_assert_msg(info[0] != '\0', "cannot read %s", path);
	char *found[64];
	int n = cri_mounts_under(info, run.dir, found, 64);
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, size - used, "%s%s", i > 0 ? " " : "", found[i]);
	}
	return n;
}

int cri_await_task_exit(const char *id, int timeout_ms)
{
	/* containerd's debug log, one line per exit the CRI plugin handles:
	 * "received exit event &TaskExit{ContainerID:ID,...,ExitStatus:N,". */
	static char text[1 << 20];
	char key[160];
	snprintf(key, sizeof key, "received exit event &TaskExit{ContainerID:%s,", id);
	long long deadline = cmd_now_ms() + timeout_ms;
	for (;;) {
		cri_read_file(run.containerd_log, text, sizeof text);
		const char *at = strstr(text, key);
		const char *status = at != NULL ? strstr(at, "ExitStatus:") : NULL;
		if (status != NULL) {
			char *end;
			long v = strtol(status + strlen("ExitStatus:"), &end, 10);
			ck_assert_msg(*end == ',' && v >= 0 && v <= 255, "odd exit event: %.200s",
				      at);
			return (int)v;
		}
		ck_assert_msg(cmd_now_ms() < deadline,
			      "containerd's log has no exit of %s after %d ms", id, timeout_ms);
		cri_poll_interval();
	}
}

/* The image id the CRI plugin gives ref, into buf ("" if none). */
static void image_id(const char *ref, char *buf, size_t size)
{
	struct cri_out o;
	buf[0] = '\0';
	if (crictl(&o, "inspecti", "-o", "go-template", "--template", "{{.status.id}}", ref,
		   NULL) == 0)
		snprintf(buf, size, "%.*s", (int)strcspn(o.out, "\n"), o.out);
}

void cri_use_sandbox(const char *image)
{
	struct cri_out o;
	ck_assert_msg(ctr(&o, "images", "tag", "--force", image, CRI_IMAGE_SANDBOX, NULL) == 0,
		      "ctr images tag %s %s: %s%s", image, CRI_IMAGE_SANDBOX, o.out, o.err);
	char want[128], have[128];
	image_id(image, want, sizeof want);
	ck_assert_msg(want[0] != '\0', "the CRI plugin does not know %s", image);
	long long deadline = cmd_now_ms() + CRI_WAIT_MS;
	for (;;) {
		image_id(CRI_IMAGE_SANDBOX, have, sizeof have);
		if (strcmp(have, want) == 0)
			return;
		ck_assert_msg(cmd_now_ms() < deadline, "%s is %s, not %s (%s), after %d ms",
			      CRI_IMAGE_SANDBOX, have, image, want, CRI_WAIT_MS);
		cri_poll_interval();
	}
}
