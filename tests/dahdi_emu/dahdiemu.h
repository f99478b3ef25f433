/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DAHDI emulation (an LD_PRELOAD shim): shared state between the system-call layer (dahdiemu.c) and the far-end
 * bridge (dahdiemu_line.c). Test code only; see docs/spans.md "The DAHDI emulation". */
#ifndef TANDEM_TESTS_DAHDIEMU_H
#define TANDEM_TESTS_DAHDIEMU_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EMU_MAX_FD      4096
#define EMU_EVQ         32
#define EMU_RX_MAX      8192
#define EMU_MAX_CHANNEL 1024 /* the largest channel number DAHDI_SPECIFY takes here */

/* A record on an emulated fd's socketpair: a type octet, then data. */
#define EMU_REC_DATA  'D'
#define EMU_REC_EVENT 'E' /* wakes a reader: an event is pending */

/* One open /dev/dahdi/channel or /dev/dahdi/ctl. */
struct emu_fd {
	int fd;     /* the application's end of a socketpair */
	int peer;   /* ours: records are sent here */
	int is_ctl; /* /dev/dahdi/ctl */
	int channo; /* DAHDI_SPECIFY'd channel, 0 before */
	int ts;     /* its timeslot in the emulated span */
	int blocksize, numbufs, txpol, rxpol, law;
	int events[EMU_EVQ];
	unsigned evhead, evcount;
	uint8_t rx[EMU_RX_MAX]; /* B-channel audio gathered into blocks */
	size_t rxlen;
};

/* The emulated span and its line to the far end (pstnsim or a test). */
struct emu_span {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int inited, nopen;
	int e1, spanno, basechan, nchans, dslot, dsig;
	unsigned alarms;                        /* DAHDI_ALARM_* */
	struct emu_fd *by_ts[32];               /* bound channels, by timeslot */
	struct emu_fd *by_fd[EMU_MAX_FD];       /* every emulated fd */
	const char *dpath, *apath, *ctlpath;    /* from the environment */
	int far_d, far_a;                       /* the line: SEQPACKET to the far end, -1 when down */
	int far_closing;                        /* the pump closes the line and clears this */
	int wake[2];                            /* pipe: wakes the pump */
	int ctl_sock;                           /* datagram control socket, -1 if none */
	unsigned long rx_dropped, bad_fcs_seen; /* diagnostics */
};

extern struct emu_span emu;

/* Both with emu.lock held. */
void emu_queue_event(struct emu_fd *c, int event);
void emu_set_alarms(unsigned alarms);
/* The HDLC FCS (CRC-16/X.25, ISO 3309): over a frame + its FCS it leaves
 * 0xF0B8; the FCS sent is the complement of the running value. */
uint16_t emu_fcs16(const uint8_t *p, size_t len);
/* Connect the line (emu.lock held); 0 or -errno. */
int emu_line_connect(void);
/* Close the line, waiting for the pump to let go of it (emu.lock held). */
void emu_line_close(void);
/* Start the pump thread once. */
void emu_pump_start(void);

/* The real libc functions. */
extern ssize_t (*emu_real_read)(int, void *, size_t);
extern ssize_t (*emu_real_write)(int, const void *, size_t);
extern int (*emu_real_close)(int);

#endif
