#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Turn one valgrind memcheck XML log of tandemd (T_VALGRIND=1, or a test's
# driver) into a verdict
# for the test harness: prints a one-line summary, then details for the
# records that matter; exits 1 if memcheck found a memory error or a
# definitely/indirectly lost block with a frame in our code, 0 otherwise.
#
# Usage: vg_report.py TOP_SRCDIR VALGRIND.PID.xml
# A process killed with SIGKILL leaves a truncated log with no leak check:
# its errors until then still count.
import os
import re
import sys
import xml.etree.ElementTree as ET

# Our source directories: a frame whose file lives in one of them is ours.
OUR_DIRS = ("gateway", "db", "common", "trunk", "isup", "provisioning")
LEAK_KINDS = ("Leak_DefinitelyLost", "Leak_IndirectlyLost")


def frames(err):
    for stack in err.findall("stack"):
        for f in stack.findall("frame"):
            yield {k: f.findtext(k) or "" for k in ("ip", "obj", "fn", "dir", "file", "line")}
        break  # the first stack: where it happened (or was allocated)


def is_ours(fr, srcdir):
    if not fr["dir"] or not fr["file"]:
        return False
    d = os.path.normpath(fr["dir"])
    if not d.startswith(srcdir + "/"):
        return False
    return d[len(srcdir) + 1:].split("/")[0] in OUR_DIRS


def fmt_frame(fr):
    where = f"{fr['file']}:{fr['line']}" if fr["file"] else os.path.basename(fr["obj"] or "?")
    return f"  {fr['fn'] or fr['ip']} ({where})"


def suppression(err):
    """The suppression valgrind proposes for a record (--gen-suppressions)."""
    raw = err.findtext("suppression/rawtext")
    if not raw:
        return []
    return ["  suppression:"] + ["    " + ln for ln in raw.strip().splitlines()]


def parse(path):
    """The <error> elements, the suppression count, whether the run ended,
    and the program's name."""
    errors, supp, finished, exe = [], 0, False, "tandemd"
    try:
        for _, el in ET.iterparse(path, events=("end",)):
            if el.tag == "error":
                errors.append(el)
            elif el.tag == "suppcounts":
                supp = sum(int(p.findtext("count") or 0) for p in el.findall("pair"))
            elif el.tag == "exe" and el.text:
                exe = os.path.basename(el.text.strip())
            elif el.tag == "state" and el.text and el.text.strip() == "FINISHED":
                finished = True
    except ET.ParseError:
        pass  # truncated by SIGKILL: keep what was written
    return errors, supp, finished, exe


def main():
    srcdir = os.path.realpath(sys.argv[1])
    path = sys.argv[2]
    pid = re.sub(r".*valgrind\.([0-9]+)\.xml$", r"\1", path)
    errors, supp, finished, exe = parse(path)
    bad, details, others = 0, [], []  # failing records first, then the rest
    n_err = 0
    lost = {k: 0 for k in LEAK_KINDS}
    foreign = 0
    for err in errors:
        kind = err.findtext("kind") or "?"
        frs = list(frames(err))
        if kind.startswith("Leak_"):
            if kind not in LEAK_KINDS:
                continue
            nbytes = int(err.findtext("xwhat/leakedbytes") or 0)
            text = err.findtext("xwhat/text") or kind
            # "14 (8 direct, 6 indirect) bytes ... definitely lost": the
            # indirect part has records of its own; count it once.
            m = re.search(r"\(([0-9,]+) direct, [0-9,]+ indirect\)", text)
            if m:
                nbytes = int(m.group(1).replace(",", ""))
            if any(is_ours(f, srcdir) for f in frs):
                lost[kind] += nbytes
                bad += 1
                details.append(f"LEAK: {text}")
                details.extend(fmt_frame(f) for f in frs[:25])
                continue  # ours: to fix, not to suppress
            else:
                foreign += nbytes
                others.append(f"third-party leak (not failing; suppress it with a reason): {text}")
                others.extend(fmt_frame(f) for f in frs[:25])
                others.extend(suppression(err))
                continue
        else:
            n_err += 1
            bad += 1
            details.append(f"ERROR {kind}: {err.findtext('what') or err.findtext('xwhat/text') or ''}")
        details.extend(fmt_frame(f) for f in frs[:25])
        details.extend(suppression(err))
    summary = (
        f"{exe} {pid}: {n_err} errors, {lost['Leak_DefinitelyLost']} bytes definitely lost, "
        f"{lost['Leak_IndirectlyLost']} bytes indirectly lost in our code"
    )
    if foreign:
        summary += f", {foreign} bytes lost in third-party code only"
    summary += f", {supp} suppressed"
    if not finished:
        summary += " (killed: no leak check)"
    print(summary)
    for line in details + others:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
