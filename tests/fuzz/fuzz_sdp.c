/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for SDP from the far end (gateway/media_sdp.c, over
 * Sofia-SIP's SDP parser). The input is the SDP. Whatever parses has a
 * supported codec and a port in range; the answer we build to it parses
 * back to the same codec, port, telephone-event and (RTP/SAVP) the
 * offer's crypto tag and suite with our key. */
#include "config.h"

#include "gateway/media_sdp.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned sets[] = {MEDIA_CODEC_PCMA, MEDIA_CODEC_PCMU, MEDIA_CODEC_PCMA | MEDIA_CODEC_PCMU};
	static const struct rtp_srtp_crypto ours = {1, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
	struct media_sdp_local local = {"192.0.2.1",        20000, 1, 1, RTP_PT_PCMA, RTP_PT_EVENT_DEF,
					MEDIA_DIR_SENDRECV, &ours};
	struct media_sdp_info in, back;
	char answer[2048];

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		int rc = media_sdp_parse((const char *)data, size, sets[i], &in);

		if (rc != 0 && rc != -EBADMSG && rc != -ENOTSUP && rc != -EPROTONOSUPPORT)
			abort();
		if (rc != 0)
			continue;
		if (in.port == 0)
			continue; /* a rejected stream: no codec is chosen */
		if (in.port > 65535 || (in.pt != RTP_PT_PCMA && in.pt != RTP_PT_PCMU) || !(in.codecs & sets[i]) ||
		    memchr(in.addr, '\0', sizeof(in.addr)) == NULL)
			abort();
		if ((in.pt == RTP_PT_PCMA && !(sets[i] & MEDIA_CODEC_PCMA)) ||
		    (in.pt == RTP_PT_PCMU && !(sets[i] & MEDIA_CODEC_PCMU)))
			abort(); /* never a codec we did not allow */
		if (media_sdp_answer(&local, &in, answer, sizeof(answer)) != 0)
			continue;
		if (media_sdp_parse(answer, strlen(answer), sets[i], &back) != 0 || back.pt != in.pt ||
		    back.port != local.port || (in.event_pt >= 0) != (back.event_pt >= 0) || back.savp != in.savp)
			abort(); /* our answer is the choice we made */
		if (in.savp &&
		    (!in.crypto.suite || back.crypto.tag != in.crypto.tag || back.crypto.suite != in.crypto.suite ||
		     memcmp(back.crypto.key, ours.key, sizeof(ours.key))))
			abort(); /* the offer's tag and suite, our key */
	}
	return 0;
}
