#!/bin/sh
# Writes the ISUP seed corpus (tests/fuzz/corpus/isup/) from the hex strings
# below, one message each, laid out by hand from Q.763 / T1.113 (the same
# layouts as tests/unit/test_isup.c). Run from the top of the tree.
set -e
dir=tests/fuzz/corpus/isup
mkdir -p "$dir"

seed() {
	# $1 = file name, $2... = octets in hex
	name=$1
	shift
	echo "$@" | LC_ALL=C awk 'BEGIN { h = "0123456789abcdef" }
		{ for (i = 1; i <= NF; i++)
			printf "%c", (index(h, substr($i, 1, 1)) - 1) * 16 + index(h, substr($i, 2, 1)) - 1 }' > "$dir/$name"
}

# IAM: NCI, FCI, CPC, TMR, pointers, called 12345, calling 4155551234,
# parameter compatibility information, hop counter, an unknown code.
seed iam-itu 01 10 60 01 0a 00 02 07 05 83 10 21 43 05 0a 07 04 11 14 55 55 21 43 \
	39 03 01 02 03 3d 01 14 fe 02 aa bb 00
# IAM with generic number, redirecting number, redirection information,
# original called number, location number, access transport, call reference.
seed iam-itu-redirect 01 00 60 01 0a 00 02 08 06 83 10 21 43 65 07 \
	c0 06 06 83 11 55 55 05 0b 04 03 10 01 70 13 02 03 21 28 04 03 10 02 70 \
	3f 05 04 90 33 01 00 03 03 7d 01 91 01 05 12 34 56 bc 2a 00
# ANSI IAM: USI and called party number mandatory, charge number, hop counter.
seed iam-ansi 01 00 60 01 0a 03 06 0d 03 80 90 a2 07 03 10 12 52 55 21 43 \
	eb 07 03 10 12 52 55 21 43 3d 01 1f 00
seed sam 02 02 00 03 80 43 05
seed inr 03 01 00 00
seed inf 04 03 00 01 0a 06 83 11 55 15 32 04 00
seed acm 06 16 14 01 29 01 01 00
seed con 07 16 14 00
seed anm 09 01 11 02 16 14 00
seed cpg 2c 01 01 29 01 01 00
seed rel 0c 02 00 02 82 90
seed rel-diag 0c 02 00 05 02 84 a2 01 02
seed rlc 10 00
seed sus 0d 00 01 01 05 00 00 07 01 00 00
seed res 0e 01 00
