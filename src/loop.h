/*
 * loop: the event loop. One blocking wait on the signalfd with no timeout;
 * each turn reads what came, then acts in a fixed order: reap, job control,
 * forward. An idle reaper makes no system call.
 */
#ifndef REAPER_LOOP_H
#define REAPER_LOOP_H

struct reaper;

/* Run until the main child has been reaped (or, with --pause, until TERM
 * or INT). Never exits the process; errors are logged and survived. */
void loop_run(struct reaper *r);

#endif
