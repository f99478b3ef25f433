/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging sink: stderr with timestamps, or syslog. */
#include "config.h"

#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_target log_to = LOG_TARGET_STDERR;
static int log_threshold = LOG_INFO;

static const struct {
	const char *name;
	int level;
} log_names[] = {
    {"emerg", LOG_EMERG},     {"alert", LOG_ALERT},  {"crit", LOG_CRIT},     {"err", LOG_ERR},   {"error", LOG_ERR},
    {"warning", LOG_WARNING}, {"warn", LOG_WARNING}, {"notice", LOG_NOTICE}, {"info", LOG_INFO}, {"debug", LOG_DEBUG},
};

void log_setup(const char *ident, enum log_target target, int level, int facility)
{
	pthread_mutex_lock(&log_lock);
	if (log_to == LOG_TARGET_SYSLOG && target != LOG_TARGET_SYSLOG)
		closelog();
	if (target == LOG_TARGET_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
	log_to = target;
	log_threshold = level;
	pthread_mutex_unlock(&log_lock);
}

int log_level(void)
{
	int level;

	pthread_mutex_lock(&log_lock);
	level = log_threshold;
	pthread_mutex_unlock(&log_lock);
	return level;
}

int log_level_parse(const char *name, int *level)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcasecmp(name, log_names[i].name) == 0) {
			*level = log_names[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(int level)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (log_names[i].level == level)
			return log_names[i].name;
	return "unknown";
}

void log_vmsg(int level, const char *tag, const char *fmt, va_list ap)
{
	char text[1024];
	struct timespec ts;
	struct tm tm;
	size_t n;

	pthread_mutex_lock(&log_lock);
	if (level > log_threshold)
		goto out;
	vsnprintf(text, sizeof(text), fmt, ap);
	/* One record per line: strip trailing newlines (Sofia's logs carry them). */
	n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	if (n == 0)
		goto out;
	if (log_to == LOG_TARGET_SYSLOG) {
		syslog(level, "[%s] %s", tag, text);
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%04d-%02d-%02d %02d:%02d:%02d.%03ld %-7s [%s] %s\n", tm.tm_year + 1900, tm.tm_mon + 1,
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_level_name(level), tag, text);
	fflush(stderr);
out:
	pthread_mutex_unlock(&log_lock);
}

void log_msg(int level, const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, tag, fmt, ap);
	va_end(ap);
}
