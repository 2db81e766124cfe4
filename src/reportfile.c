/*
 * reportfile: the --report-file summary, text or JSON.
 *
 * Owns: the JSON keys (the rows below, in the order they are written) and
 * their escaping; the report file's directory descriptor. Never: an
 * allocation (the renderer writes through a stack buffer), a partial file
 * under PATH (a temporary file is renamed over it), or any effect on the
 * exit code. The text format is report.c's wording, line for line.
 */
#include "reportfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "errmsg.h"
#include "log.h"
#include "reap.h"
#include "reaper.h"
#include "report.h"
#include "sysio.h"
#include "tell.h"

/* ---- output ---------------------------------------------------------------- */

static void out_flush(struct reportfile_out *o)
{
	size_t done = 0;

	while (o->err == 0 && done < o->len) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			o->err = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	o->len = 0;
}

static void out_put(struct reportfile_out *o, const char *text, size_t len)
{
	while (len > 0 && o->err == 0) {
		if (o->len == o->size) {
			if (o->fd < 0) {
				o->err = -ENOSPC;
				return;
			}
			out_flush(o);
			continue;
		}
		size_t n = o->size - o->len < len ? o->size - o->len : len;
		memcpy(o->buf + o->len, text, n);
		o->len += n;
		text += n;
		len -= n;
	}
}

static void out_str(struct reportfile_out *o, const char *text)
{
	out_put(o, text, strlen(text));
}

/* ---- JSON values ----------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_length(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static void json_string(struct reportfile_out *o, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	out_put(o, "\"", 1);
	while (*p != '\0') {
		size_t plain = 0;
		while (p[plain] >= 0x20 && p[plain] < 0x80 && p[plain] != '"' && p[plain] != '\\')
			plain++;
		out_put(o, (const char *)p, plain);
		p += plain;
		if (*p == '\0')
			break;
		char esc[8];
		size_t len = utf8_length(p);
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			out_put(o, esc, 2);
		} else if (*p == '\n') {
			out_put(o, "\\n", 2);
		} else if (*p == '\t') {
			out_put(o, "\\t", 2);
		} else if (*p == '\r') {
			out_put(o, "\\r", 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			out_put(o, esc, 6);
		} else if (len == 0) {
			out_put(o, "\\ufffd", 6);
			len = 1;
		} else {
			out_put(o, (const char *)p, len);
		}
		p += len == 0 ? 1 : len;
	}
	out_put(o, "\"", 1);
}

static void json_int(struct reportfile_out *o, int64_t value)
{
	char text[24];

	if (value < 0) {
		out_str(o, "null");
		return;
	}
	snprintf(text, sizeof(text), "%lld", (long long)value);
	out_str(o, text);
}

/* {"TERM": 2, "USR1": 1}: the non-zero counters, in signal order. */
static void json_counts(struct reportfile_out *o, const unsigned *counts)
{
	char name[SIGNAME_MAX], text[16];
	bool first = true;

	out_put(o, "{", 1);
	for (int signo = 1; counts != NULL && signo < NSIG; signo++) {
		if (counts[signo] == 0)
			continue;
		out_str(o, first ? "" : ", ");
		json_string(o, signal_name(signo, name));
		snprintf(text, sizeof(text), ": %u", counts[signo]);
		out_str(o, text);
		first = false;
	}
	out_put(o, "}", 1);
}

static void json_argv(struct reportfile_out *o, char *const *argv)
{
	out_put(o, "[", 1);
	for (size_t i = 0; argv != NULL && argv[i] != NULL; i++) {
		out_str(o, i > 0 ? ", " : "");
		json_string(o, argv[i]);
	}
	out_put(o, "]", 1);
}

/* ---- the keys --------------------------------------------------------------- */

enum json_kind {
	JSON_INT,    /* int64_t; below 0: null */
	JSON_STRING, /* const char *; NULL: null */
	JSON_BOOL,   /* bool */
	JSON_COUNTS, /* const unsigned *: NSIG counters, by signal name */
	JSON_ARGV,   /* char *const *: an array of strings */
};

struct json_key {
	const char *name;
	enum json_kind kind;
	size_t offset; /* of the value in struct reportfile_facts */
};

#define KEY(name, kind, field) { name, kind, offsetof(struct reportfile_facts, field) }

/* The object, in order. Stable: keys are added, never renamed or removed
 * (doc/reaper.1, REPORT FILE). */
static const struct json_key keys[] = {
	KEY("reaper_version", JSON_STRING, version),
	KEY("command", JSON_ARGV, command),
	KEY("runtime_ms", JSON_INT, runtime_ms),
	KEY("signals_received", JSON_COUNTS, received),
	KEY("signals_forwarded", JSON_COUNTS, forwarded),
	KEY("child_pid", JSON_INT, child_pid),
	KEY("child_ended", JSON_STRING, child_ended),
	KEY("child_exit_code", JSON_INT, child_exit_code),
	KEY("child_signal", JSON_STRING, child_signal),
	KEY("child_core_dumped", JSON_BOOL, child_core_dumped),
	KEY("first_stop_ms", JSON_INT, first_stop_ms),
	KEY("child_end_after_stop_ms", JSON_INT, child_end_after_stop_ms),
	KEY("kill_after_ms", JSON_INT, kill_after_ms),
	KEY("processes_reaped", JSON_INT, processes_reaped),
	KEY("leftovers_sent_term", JSON_INT, leftovers_sent_term),
	KEY("killed_by_escalation", JSON_INT, killed_by_escalation),
	KEY("exit_code", JSON_INT, exit_code),
	KEY("reason", JSON_STRING, reason),
	KEY("reason_text", JSON_STRING, reason_text),
	KEY("runs", JSON_INT, runs),
	KEY("stop_delay_ms", JSON_INT, stop_delay_ms),
	KEY("held_signal", JSON_STRING, held_signal),
	KEY("held_ms", JSON_INT, held_ms),
};

void reportfile_render_json(const struct reportfile_facts *f, struct reportfile_out *out)
{
	const size_t count = sizeof(keys) / sizeof(keys[0]);

	out_str(out, "{\n");
	for (size_t i = 0; i < count; i++) {
		const void *at = (const char *)f + keys[i].offset;
		out_str(out, "  ");
		json_string(out, keys[i].name);
		out_str(out, ": ");
		switch (keys[i].kind) {
		case JSON_INT:
			json_int(out, *(const int64_t *)at);
			break;
		case JSON_STRING: {
			const char *text = *(const char *const *)at;
			if (text == NULL)
				out_str(out, "null");
			else
				json_string(out, text);
			break;
		}
		case JSON_BOOL:
			out_str(out, *(const bool *)at ? "true" : "false");
			break;
		case JSON_COUNTS:
			json_counts(out, *(const unsigned *const *)at);
			break;
		case JSON_ARGV:
			json_argv(out, *(char *const *const *)at);
			break;
		}
		out_str(out, i + 1 < count ? ",\n" : "\n");
	}
	out_str(out, "}\n");
}

/* ---- facts ------------------------------------------------------------------ */

static int64_t ms_between(uint64_t from_ns, uint64_t to_ns)
{
	return from_ns == 0 || to_ns < from_ns ? -1 : (int64_t)((to_ns - from_ns) / 1000000u);
}

void reportfile_gather(const struct reaper *r, const struct reap_ending *e, uint64_t now_ns,
		       struct reportfile_facts *f)
{
	static const char *const reasons[] = {
		[REAP_PAUSED] = "paused", [REAP_TIMED_OUT] = "timed_out",
		[REAP_EXPECTED] = "expected", [REAP_KILLED] = "killed", [REAP_EXITED] = "exited",
	};
	const struct config *cfg = r->cfg;
	const struct stats *s = &r->stats;
	bool child = !cfg->pause && r->job.child_pid > 0;
	bool ended = child && r->job.child_reaped;
	int status = r->job.child_status;

	*f = (struct reportfile_facts){
		.version = REAPER_VERSION,
		.command = cfg->pause ? NULL : cfg->argv,
		.runtime_ms = ms_between(r->start_ns, now_ns),
		.received = s->received,
		.forwarded = s->forwarded,
		.child_pid = child ? (int64_t)r->job.child_pid : -1,
		.child_ended = !ended ? NULL : WIFSIGNALED(status) ? "killed" : "exited",
		.child_exit_code = ended && WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		.child_core_dumped = ended && WIFSIGNALED(status) && WCOREDUMP(status),
		.first_stop_ms = ms_between(r->start_ns, s->first_stop_ns),
		.child_end_after_stop_ms =
			ended && s->child_end_ns != 0 ? ms_between(s->first_stop_ns, s->child_end_ns) : -1,
		.kill_after_ms = cfg->kill_after_set ? (int64_t)cfg->kill_after_ms : -1,
		.processes_reaped = s->reaped,
		.leftovers_sent_term = s->terminated,
		.killed_by_escalation = s->killed,
		.exit_code = e->code,
		.reason = reasons[e->reason],
		.runs = s->runs,
		.stop_delay_ms = cfg->stop_delay_ms != 0 ? (int64_t)cfg->stop_delay_ms : -1,
		.held_ms = s->held_signo != 0 ? (int64_t)s->held_ms : -1,
	};
	if (s->held_signo != 0)
		f->held_signal = signal_name(s->held_signo, f->held_signal_name);
	if (ended && WIFSIGNALED(status))
		f->child_signal = signal_name(WTERMSIG(status), f->child_signal_name);
	f->reason_text = tell_reason(e, f->reason_words, sizeof(f->reason_words));
}

/* ---- the file --------------------------------------------------------------- */

/* PATH's directory into dir ("." for a bare name); its last component,
 * or NULL when it has none ("dir/"). */
static const char *split_path(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		snprintf(dir, size, ".");
		return path;
	}
	size_t len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= size)
		return NULL;
	memcpy(dir, path, len);
	dir[len] = '\0';
	return slash[1] != '\0' ? slash + 1 : NULL;
}

/* ".NAME.<hex>.tmp" beside PATH: hidden, and unique per run. */
static void temp_name(const char *base, char *out, size_t size)
{
	snprintf(out, size, ".%.200s.%llx.tmp", base, (unsigned long long)clock_now_ns());
}

int reportfile_open(struct reaper *r, char *err, size_t err_size)
{
	const char *path = r->cfg->report_file;
	char dir[PATH_MAX], tmp[256];
	struct stat st;

	if (path == NULL)
		return 0;
	const char *base = split_path(path, dir, sizeof(dir));
	if (base == NULL || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return errmsg_set(err, err_size, "--report-file: '%s' does not name a file", path);
	int dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return errmsg_set(err, err_size, "--report-file: cannot open the directory '%s': %m",
				  dir);
	if (fstatat(dir_fd, base, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
		sysio_close(dir_fd);
		return errmsg_set(err, err_size, "--report-file: '%s' is a directory", path);
	}
	temp_name(base, tmp, sizeof(tmp));
	int fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 || unlinkat(dir_fd, tmp, 0) < 0) {
		int rc = fd < 0 ? errmsg_set(err, err_size,
					     "--report-file: cannot create a file in '%s': %m", dir)
				: errmsg_set(err, err_size, "--report-file: cannot remove '%s/%s': %m",
					     dir, tmp);
		sysio_close(fd);
		sysio_close(dir_fd);
		return rc;
	}
	sysio_close(fd); /* empty, nothing written, already unlinked */
	r->report_dir_fd = dir_fd;
	return 0;
}

/* report.c's lines into the file, one per line. */
static void emit_line(void *ctx, const char *line)
{
	out_str(ctx, line);
	out_put(ctx, "\n", 1);
}

void reportfile_write(const struct reaper *r, const struct reap_ending *e, const char *why)
{
	const char *path = r->cfg->report_file;
	char dir[PATH_MAX], tmp[256], buf[4096];
	struct reportfile_facts facts;

	if (path == NULL || r->report_dir_fd < 0)
		return;
	const char *base = split_path(path, dir, sizeof(dir));
	temp_name(base, tmp, sizeof(tmp));
	int fd = openat(r->report_dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		log_msg(LOG_ERROR, "--report-file: cannot create '%s/%s': %m", dir, tmp);
		return;
	}
	struct reportfile_out out = {.buf = buf, .size = sizeof(buf), .fd = fd};
	if (r->cfg->report_format == REPORT_JSON) {
		reportfile_gather(r, e, clock_now_ns(), &facts);
		reportfile_render_json(&facts, &out);
	} else {
		report_render(r, e->code, why, emit_line, &out);
	}
	out_flush(&out);
	int err = out.err;
	/* On the disk before the rename: after a crash PATH is the old report
	 * or the whole new one, never an empty file under the new name. */
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	if (err == 0 && renameat(r->report_dir_fd, tmp, r->report_dir_fd, base) < 0)
		err = -errno;
	if (err == 0)
		return;
	log_err(LOG_ERROR, err, "--report-file: cannot write '%s': %m", path);
	(void)unlinkat(r->report_dir_fd, tmp, 0); /* nothing more to do if this fails too */
}
