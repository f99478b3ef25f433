/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Deadlines on CLOCK_MONOTONIC, for poll() and pthread_cond_timedwait()
 * (with a condition variable set to CLOCK_MONOTONIC). */
#ifndef TANDEM_DEADLINE_H
#define TANDEM_DEADLINE_H

#include <time.h>

/* *at = now + ms on CLOCK_MONOTONIC. */
void deadline_in(struct timespec *at, long ms);

/* Milliseconds left until at (negative once it has passed). */
long deadline_left_ms(const struct timespec *at);

#endif
