#!/bin/sh
# Regenerate the build system (configure, Makefile.in) from the sources.
set -e
cd "$(dirname "$0")"
autoreconf -fi
