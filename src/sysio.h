/*
 * sysio: system-call wrappers that retry EINTR, and number formatting
 * that needs no stdio.
 *
 * Owns: the only loops in reaper that retry a call EINTR interrupted (a
 * stop and continue can interrupt a blocking read or wait even with every
 * signal blocked), and the decimal formatter that the vfork-style child
 * and the /proc walk use instead of snprintf. Never: stdio, malloc, or a
 * retry of anything but EINTR. Every function here is async-signal-safe,
 * so the spawn child may call any of them.
 */
#ifndef REAPER_SYSIO_H
#define REAPER_SYSIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Room for the decimal digits of any uint64_t and the NUL. */
#define SYSIO_UINT_MAX_LEN 21

/* One read(2) of up to len bytes, again while EINTR interrupts it.
 * Returns the bytes read (0 at end of file) or -errno (EAGAIN on an empty
 * non-blocking descriptor); errno is left as read(2) set it.
 * Async-signal-safe. */
ssize_t sysio_read(int fd, void *buf, size_t len);

/* waitpid(2), again while EINTR interrupts it. Returns the pid, 0 under
 * WNOHANG when none has changed state, or -errno (-ECHILD: no children
 * left); errno is left as waitpid(2) set it. Async-signal-safe. */
pid_t sysio_waitpid(pid_t pid, int *status, int options);

/* close(2) of fd when it is open (>= 0), leaving errno as it was: for
 * the clean-up on a path that still reports errno, and for descriptors
 * whose close cannot lose data (read-only files, pidfds, a pipe's end).
 * Async-signal-safe. */
void sysio_close(int fd);

/* The decimal digits of v and a NUL into out (size bytes). Returns the
 * number of digits (strlen of out), or 0 when they do not fit (out is
 * then "" if size > 0). Pure, no errno: async-signal-safe (the spawn
 * child formats LISTEN_PID with it). */
size_t sysio_format_uint(char *out, size_t size, uint64_t v);

#endif
