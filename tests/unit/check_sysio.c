/*
 * check_sysio: the primitives of src/sysio.h. The decimal formatter over
 * a table (0, one and two digits, the widest values, buffers exactly big
 * enough and one byte short); the EINTR wrappers over a pipe and a child
 * while another process interrupts them with a signal, again and again,
 * whose handler does not ask for SA_RESTART (so a bare read or waitpid
 * would return EINTR on the first one).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2 */
#endif
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sysio.h"
#include "unit_util.h"

static const struct {
	uint64_t v;
	size_t size;
	const char *want; /* "" with len 0: does not fit */
} formats[] = {
	{ 0, 2, "0" },
	{ 9, 2, "9" },
	{ 10, 3, "10" },
	{ 10, 2, "" },                       /* one byte short for the NUL */
	{ 12345, 6, "12345" },
	{ 4194304, 16, "4194304" },           /* pid_max */
	{ UINT32_MAX, 11, "4294967295" },
	{ UINT64_MAX, SYSIO_UINT_MAX_LEN, "18446744073709551615" },
	{ UINT64_MAX, SYSIO_UINT_MAX_LEN - 1, "" },
	{ 0, 1, "" },                         /* room for the NUL only */
};

START_TEST(test_format)
{
	char out[32];

	memset(out, 'x', sizeof(out));
	size_t len = sysio_format_uint(out, formats[_i].size, formats[_i].v);
	ck_assert_str_eq(out, formats[_i].want);
	ck_assert_uint_eq(len, strlen(formats[_i].want));
	/* Nothing written past size. */
	for (size_t i = formats[_i].size; i < sizeof(out); i++)
		ck_assert_int_eq(out[i], 'x');
}
END_TEST

START_TEST(test_format_size_zero)
{
	char out = 'x';

	ck_assert_uint_eq(sysio_format_uint(&out, 0, 7), 0);
	ck_assert_int_eq(out, 'x');
}
END_TEST

/* ---- EINTR -------------------------------------------------------------- */

#define INTERRUPTIONS 100

static int ack_fd = -1;

/* Each delivery is acknowledged with a byte, so the sender sends the next
 * signal only after this one has interrupted (or preceded) our call. */
static void on_usr1(int signo)
{
	int saved_errno = errno;

	(void)signo;
	(void)!write(ack_fd, "a", 1);
	errno = saved_errno;
}

/* Fork a process that signals us INTERRUPTIONS times, one after the
 * other, then writes "ok" to data_fd (when >= 0) and exits 0. */
static pid_t start_interrupter(int data_fd)
{
	int ack[2];
	struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART */
	pid_t parent = getpid();

	ck_assert_int_eq(pipe2(ack, O_CLOEXEC), 0);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	ack_fd = ack[1];
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c;
		for (int i = 0; i < INTERRUPTIONS; i++)
			if (kill(parent, SIGUSR1) < 0 || read(ack[0], &c, 1) != 1)
				_exit(1);
		if (data_fd >= 0 && write(data_fd, "ok", 2) != 2)
			_exit(1);
		_exit(0);
	}
	(void)close(ack[0]);
	return pid;
}

START_TEST(test_read_retries_eintr)
{
	int data[2];
	char buf[8];

	ck_assert_int_eq(pipe2(data, O_CLOEXEC), 0);
	pid_t pid = start_interrupter(data[1]);
	ssize_t n = sysio_read(data[0], buf, sizeof(buf));
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(memcmp(buf, "ok", 2), 0);
	int status;
	ck_assert_int_eq(sysio_waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
}
END_TEST

START_TEST(test_waitpid_retries_eintr)
{
	int status;
	pid_t pid = start_interrupter(-1);

	ck_assert_int_eq(sysio_waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(sysio_waitpid(-1, &status, WNOHANG), -ECHILD);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

/* The other answers of sysio_read: end of file, nothing yet, no such fd. */
START_TEST(test_read_results)
{
	int fds[2];
	char buf[4];

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(sysio_read(fds[0], buf, sizeof(buf)), -EAGAIN);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	ck_assert_int_eq(sysio_read(fds[0], buf, sizeof(buf)), 1);
	(void)close(fds[1]);
	ck_assert_int_eq(sysio_read(fds[0], buf, sizeof(buf)), 0);
	(void)close(fds[0]);
	ck_assert_int_eq(sysio_read(fds[0], buf, sizeof(buf)), -EBADF);
}
END_TEST

START_TEST(test_close_keeps_errno)
{
	int fds[2];

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	errno = ENOSPC;
	sysio_close(fds[0]);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(fcntl(fds[0], F_GETFD), -1); /* closed */
	errno = EPERM;
	sysio_close(fds[0]); /* EBADF, kept to ourselves */
	ck_assert_int_eq(errno, EPERM);
	sysio_close(-1);     /* not open: nothing to do */
	ck_assert_int_eq(errno, EPERM);
	(void)close(fds[1]);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sysio");

	TCase *tc = unit_tcase(s, "format", 5);
	tcase_add_loop_test(tc, test_format, 0, N(formats));
	tcase_add_test(tc, test_format_size_zero);
	tc = unit_tcase(s, "eintr", 10);
	tcase_add_test(tc, test_read_retries_eintr);
	tcase_add_test(tc, test_waitpid_retries_eintr);
	tcase_add_test(tc, test_read_results);
	tcase_add_test(tc, test_close_keeps_errno);
	return s;
}
