/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A TDM span (E1 or T1 PRI): one D-channel and its B-channels, behind one
 * interface with backends (virtual sockets, DAHDI devices). Everything
 * here runs on the loop's thread; nothing blocks. */
#ifndef TANDEM_GW_TDM_SPAN_H
#define TANDEM_GW_TDM_SPAN_H

#include <stddef.h>
#include <stdint.h>

enum tdm_span_type {
	TDM_SPAN_E1 = 0, /* 30 B-channels on timeslots 1-15 and 17-31, D on 16 */
	TDM_SPAN_T1 = 1  /* 23 B-channels on timeslots 1-23, D on 24 */
};

enum tdm_span_law {
	TDM_LAW_ALAW = 0,
	TDM_LAW_ULAW = 1
};

/* B-channels are numbered as Q.931's channel identification IE numbers
 * them on a PRI: by timeslot. So an E1 has channels 1-15 and 17-31. */
#define TDM_SPAN_MAX_CHANNELS 31

/* A D-channel frame as the API carries it: Q.921 address, control and
 * information fields, without the FCS (backends add and check it, as a
 * DAHDI HDLC channel does). Q.921 5.9.3: N201 = 260 information octets. */
#define TDM_DFRAME_MIN 3
#define TDM_DFRAME_MAX (4 + 260)
/* Largest audio block in one B-channel message (bytes = samples). */
#define TDM_AUDIO_MAX 1024

/* Counters, for logs, status and tests. */
struct tdm_span_stats {
	unsigned long d_tx, d_rx; /* D-channel frames sent, received */
	unsigned long d_bad;      /* received frames refused (FCS, length, address) */
	unsigned long b_tx, b_rx; /* audio bytes sent, received */
	unsigned long b_bad;      /* received audio messages refused */
	unsigned long b_dropped;  /* audio messages not sent: socket full */
};

/* What a span is; passed to the backend constructors (copied). */
struct tdm_span_config {
	int id; /* span number, for logs */
	enum tdm_span_type type;
	enum tdm_span_law law;
};

struct tdm_span;

/* "e1"/"t1" and "alaw"/"ulaw" (also "mulaw"). 0 or -EINVAL. */
int tdm_span_type_parse(const char *name, enum tdm_span_type *out);
int tdm_span_law_parse(const char *name, enum tdm_span_law *out);
const char *tdm_span_type_name(enum tdm_span_type type);
const char *tdm_span_law_name(enum tdm_span_law law);

/* Geometry: the number of B-channels (30 or 23), the D-channel's
 * timeslot (16 or 24), whether ch is a B-channel of this type, and the
 * n-th B-channel (0-based; returns 0 if n is out of range). */
int tdm_span_bchannels(enum tdm_span_type type);
int tdm_span_dchan_slot(enum tdm_span_type type);
int tdm_span_bchan_valid(enum tdm_span_type type, int ch);
int tdm_span_bchan_nth(enum tdm_span_type type, int n);

/* The span's configuration (owned by the span). */
const struct tdm_span_config *tdm_span_config(const struct tdm_span *span);
const struct tdm_span_stats *tdm_span_stats(const struct tdm_span *span);

/* The fds to watch for GW_READ: the D-channel, and the audio of all
 * B-channels (one fd for the span on the virtual backend). Owned by the
 * span. */
int tdm_span_dchan_fd(const struct tdm_span *span);
int tdm_span_audio_fd(const struct tdm_span *span);

/* Send one D-channel frame (TDM_DFRAME_MIN..MAX octets, no FCS).
 * 0, -EINVAL (bad length), -EAGAIN (would block: dropped, Q.921
 * retransmits), -EPIPE (peer gone) or another -errno. */
int tdm_span_dchan_write(struct tdm_span *span, const uint8_t *frame, size_t len);
/* Receive one frame into buf (size >= TDM_DFRAME_MAX). 0 and *len,
 * -EAGAIN (nothing pending), -EBADMSG (a frame arrived and was refused:
 * counted, call again), -EPIPE (peer gone). */
int tdm_span_dchan_read(struct tdm_span *span, uint8_t *buf, size_t size, size_t *len);

/* Send len (1..TDM_AUDIO_MAX) bytes of audio in the span's law on
 * B-channel ch. 0, -EINVAL (bad channel or length), -EAGAIN (dropped and
 * counted: audio never waits), -EPIPE. */
int tdm_span_audio_write(struct tdm_span *span, int ch, const uint8_t *buf, size_t len);
/* Receive one block of audio: 0 with *ch and *len, -EAGAIN, -EBADMSG
 * (refused and counted), -EPIPE. */
int tdm_span_audio_read(struct tdm_span *span, int *ch, uint8_t *buf, size_t size, size_t *len);
/* Batching writes (one system call per span and tick instead of one per
 * channel): while corked, tdm_span_audio_write() queues the block (0;
 * -EINVAL as always) and tdm_span_audio_flush() sends what is queued (0,
 * or the first error: blocks not sent are counted in b_dropped, not in
 * b_tx). Uncorking flushes. The virtual backend sends a frame (or one
 * message per block to a peer that has sent none); on DAHDI, writes go
 * out at once either way. */
void tdm_span_audio_cork(struct tdm_span *span, int on);
int tdm_span_audio_flush(struct tdm_span *span);

/* Close the span's fds and free it. NULL is a no-op. */
void tdm_span_free(struct tdm_span *span);

/* --- Events and alarms (any backend) ----------------------------------
 * A real span reports line alarms and HDLC errors out of band (DAHDI:
 * read() fails with ELAST, DAHDI_GETEVENT names the event). The backend
 * collects them while reading and writing; the owner drains them with
 * tdm_span_poll_event() after each wake-up. The virtual backend has none. */

/* Line alarms, as G.775 / T1.231 name them. */
#define TDM_ALARM_RED      0x01 /* loss of signal or frame alignment here */
#define TDM_ALARM_YELLOW   0x02 /* remote alarm indication: the far end is in red */
#define TDM_ALARM_BLUE     0x04 /* AIS: all ones from upstream */
#define TDM_ALARM_LOOPBACK 0x08 /* the line is looped */
#define TDM_ALARM_RECOVER  0x10 /* recovering from an alarm */
#define TDM_ALARM_NOTOPEN  0x20 /* the span is not running */

enum tdm_span_event_type {
	TDM_EV_ALARM,    /* alarms raised; ev.alarms holds the new set */
	TDM_EV_NOALARM,  /* alarms cleared */
	TDM_EV_BADFCS,   /* a D-channel frame failed its FCS (discarded; counted in d_bad) */
	TDM_EV_ABORT,    /* a D-channel frame was aborted (7 ones; discarded; counted in d_bad) */
	TDM_EV_OVERRUN,  /* receive overrun: data was lost */
	TDM_EV_UNDERRUN, /* transmit underrun: the device sent idle */
	TDM_EV_REMOVED,  /* the hardware went away */
	TDM_EV_OTHER     /* any other event (code holds the backend's number) */
};

struct tdm_span_event {
	enum tdm_span_event_type type;
	int ch;          /* the timeslot it was reported on (the D-channel's for span alarms) */
	unsigned alarms; /* the span's TDM_ALARM_* set after the event */
	int code;        /* the backend's own event number, for logs */
};

/* The next queued event: 0 and *ev, or -EAGAIN when none is pending.
 * Events are queued in order of arrival; when more than the backend
 * holds arrive unread, the oldest are dropped (alarms stay current). */
int tdm_span_poll_event(struct tdm_span *span, struct tdm_span_event *ev);
/* The span's current TDM_ALARM_* set (0: in service). */
unsigned tdm_span_alarms(const struct tdm_span *span);
const char *tdm_span_event_name(enum tdm_span_event_type type);

/* Per-channel audio fds. A backend with one fd per B-channel (DAHDI)
 * fills fds[i] and chs[i] (timeslot) for each open B-channel and returns
 * how many (at most max); read one of them with tdm_span_audio_read_ch.
 * A backend that multiplexes (virtual) returns 1 with chs[0] = 0: watch
 * fds[0] and read it with tdm_span_audio_read. The fds stay the span's.
 * tdm_span_audio_fd() keeps working on every backend (on DAHDI it is an
 * epoll fd over all B-channels, readable when any of them is). */
int tdm_span_audio_fds(const struct tdm_span *span, int *fds, int *chs, int max);
/* Read one block from B-channel ch only: as tdm_span_audio_read, and
 * -EOPNOTSUPP on a multiplexing backend. */
int tdm_span_audio_read_ch(struct tdm_span *span, int ch, uint8_t *buf, size_t size, size_t *len);
/* The backend's own line echo canceller on B-channel ch (DAHDI's, set
 * with DAHDI_ECHOCANCEL_PARAMS): on for a tail of tail_ms (tail_ms * 8
 * taps), or off with 0. 0, -EOPNOTSUPP (the backend has none: the media
 * worker cancels instead), -EINVAL or -errno. Any thread that owns the
 * channel's audio (the media worker). */
int tdm_span_echo_cancel(struct tdm_span *span, int ch, unsigned tail_ms);

/* --- The virtual backend (gateway/tdm_virtual.c) ---------------------
 * The D-channel is an AF_UNIX SOCK_SEQPACKET connection carrying one
 * Q.921 frame + FCS per message; the B-channels share a second one
 * carrying [channel octet][audio], or a frame: every active channel's
 * block of one tick in one message. Both are read; a span sends frames
 * once it has received one (or after tdm_span_virtual_set_framed), when
 * corked. The far end (pstnsim) listens and clocks the audio; the
 * gateway connects. See docs/spans.md. */

/* Connect to a listening far end (both paths). 0, or -errno from
 * socket/connect (-ENOENT, -ECONNREFUSED while the far end is not yet
 * listening: the caller may retry). The caller owns *out. */
int tdm_span_virtual_connect(const struct tdm_span_config *cfg, const char *dchan_path, const char *audio_path,
			     struct tdm_span **out);
/* Send frames from now on (the side that clocks the audio: pstnsim).
 * A no-op on another backend. */
void tdm_span_virtual_set_framed(struct tdm_span *span);
/* Wrap two connected SEQPACKET fds (tests: a socketpair). The span owns
 * the fds from then on, also on failure. */
int tdm_span_virtual_from_fds(const struct tdm_span_config *cfg, int dchan_fd, int audio_fd, struct tdm_span **out);

/* The listening side: bind both paths (a stale socket file is replaced),
 * then tdm_span_virtual_accept() each time either listen fd is readable;
 * it returns -EAGAIN until both connections have arrived, then 0 and the
 * span (owned by the caller). The listener accepts one span; the newest
 * connection on each path wins (tdm_span_virtual_connect connects the
 * D-channel path first, and closes both on a half-way failure). */
struct tdm_virtual_listener;
int tdm_virtual_listen(const char *dchan_path, const char *audio_path, struct tdm_virtual_listener **out);
void tdm_virtual_listen_fds(const struct tdm_virtual_listener *l, int *dchan_fd, int *audio_fd);
int tdm_virtual_accept(struct tdm_virtual_listener *l, const struct tdm_span_config *cfg, struct tdm_span **out);
/* Close the listen sockets and unlink their paths. NULL is a no-op. */
void tdm_virtual_listener_free(struct tdm_virtual_listener *l);

/* --- The DAHDI backend (gateway/tdm_dahdi.c) --------------------------
 * One span of a DAHDI card, configured beforehand by dahdi_cfg from
 * /etc/dahdi/system.conf: the D-channel as "hardhdlc" or "dchan", the
 * B-channels as "bchan" (clear channels). See docs/spans.md. */
struct tdm_dahdi_config {
	int span;         /* DAHDI span number (system.conf's span=N), >= 1 */
	int basechan;     /* DAHDI channel number of timeslot 1; 0: ask the driver */
	int blocksize;    /* audio bytes per read/write; 0: 160 (20 ms) */
	int numbufs;      /* B-channel buffers (DAHDI_SET_BUFINFO); 0: 4 */
	const char *path; /* device directory; NULL: "/dev/dahdi" */
};

/* Open the span: /dev/dahdi/channel once per channel, bound with
 * DAHDI_SPECIFY to basechan + timeslot - 1 and checked with
 * DAHDI_GET_PARAMS (span, position, signalling); the D-channel in HDLC
 * mode, the B-channels with blocksize, law and buffer policy set. With
 * basechan 0 the span's first channel is found from DAHDI_SPANSTAT on
 * /dev/dahdi/ctl (channels are numbered in span order). cfg->id is for
 * logs; cfg->type must match the span's channel count. 0, or -ENOENT (no
 * DAHDI device), -ENXIO (no such span or channel), -EBUSY (a channel is
 * open elsewhere), -EPROTO (the span is not configured as a PRI of
 * cfg->type: wrong signalling or channel count), another -errno. The
 * caller owns *out; it is on the loop's thread from then on. */
int tdm_span_dahdi_open(const struct tdm_span_config *cfg, const struct tdm_dahdi_config *dcfg, struct tdm_span **out);

/* --- For backends only ------------------------------------------------ */
struct tdm_pcap;
struct tdm_span_ops {
	const char *name;
	int (*dchan_write)(struct tdm_span *span, const uint8_t *frame, size_t len);
	int (*dchan_read)(struct tdm_span *span, uint8_t *buf, size_t size, size_t *len);
	int (*audio_write)(struct tdm_span *span, int ch, const uint8_t *buf, size_t len);
	int (*audio_read)(struct tdm_span *span, int *ch, uint8_t *buf, size_t size, size_t *len);
	void (*free)(struct tdm_span *span);
	/* Optional (NULL: the span has no events, no alarms, one audio fd). */
	int (*poll_event)(struct tdm_span *span, struct tdm_span_event *ev);
	unsigned (*alarms)(const struct tdm_span *span);
	int (*audio_fds)(const struct tdm_span *span, int *fds, int *chs, int max);
	int (*audio_read_ch)(struct tdm_span *span, int ch, uint8_t *buf, size_t size, size_t *len);
	int (*echo_cancel)(struct tdm_span *span, int ch, unsigned taps);
	void (*audio_cork)(struct tdm_span *span, int on);
	int (*audio_flush)(struct tdm_span *span);
};

/* The common part every backend's span starts with. */
struct tdm_span {
	const struct tdm_span_ops *ops;
	struct tdm_span_config cfg;
	struct tdm_span_stats stats;
	int dchan_fd, audio_fd;
	struct tdm_pcap *pcap; /* D-channel capture, NULL when off (gateway/tdm_pcap.c) */
};

/* --- D-channel capture (gateway/tdm_pcap.c) ----------------------------
 * Every D-channel frame the span sends or receives (tdm_span_dchan_write
 * and _read, both successful) is appended to a pcap file with
 * LINKTYPE_LINUX_LAPD (177): a 16-octet pseudo-header carrying the
 * direction (sent / received) and whether we are the network side, then
 * the Q.921 frame without FCS. Wireshark/tshark decode it as LAPD and
 * Q.931. The side is learnt from the frames themselves (the C/R bit of
 * the first command or response frame, Q.921 3.3.2 Table 1), so the span
 * need not know whether libpri runs it as CPE or network. Each frame is
 * written with one writev(2), so a reader sees whole records while the
 * capture runs. Runs on the loop's thread. */

/* Start capturing into path (created or truncated, mode 0644); a capture
 * already running on the span is closed first. 0, or -errno from open or
 * from writing the file header. */
int tdm_span_pcap_open(struct tdm_span *span, const char *path);
/* Stop capturing and close the file. 0, or the first -errno a write
 * failed with (capturing stopped at that frame). No-op (0) when off;
 * tdm_span_free() calls it. */
int tdm_span_pcap_close(struct tdm_span *span);
/* For tdm_span.c: record one frame; sent is 1 for a frame we sent. */
void tdm_span_pcap_frame(struct tdm_span *span, int sent, const uint8_t *frame, size_t len);

#endif
