#ifndef REAPER_TELL_H
#define REAPER_TELL_H

#include <signal.h>
#include <stdint.h>

/* --report counters; written by tell.c only, and only when --report asks. */
struct stats {
	unsigned received[NSIG];    /* signals reaper got (and --send's) */
	unsigned forwarded[NSIG];   /* signals delivered to the job, as sent */
	unsigned reaped;            /* every process reaped, the main child too */
	unsigned terminated;        /* descendants sent TERM by --orphans */
	unsigned killed;            /* descendants sent KILL by escalation */
	uint64_t first_stop_ns;     /* first stop signal delivered; 0 none */
	uint64_t child_end_ns;      /* main child reaped; 0 not yet */
};

#endif
