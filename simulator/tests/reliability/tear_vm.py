#!/usr/bin/python3
"""tear_vm.py: jcopsim --cut-vm-write-at N at every persistent write of an applet.

Where it sits: test_tearing.c walks every VM write point in process and checks
the recovered state unit by unit. This test runs the same kind of cut through
the real daemon, image file and card core: jcopsim --cut-vm-write-at N cuts the
power before the N-th persistent write the Java Card VM makes, writes the state
a card recovers there into the image and exits 4 without answering
(FIDELITY.md "Tearing"). It plays vpcd's side on 127.0.0.1 (jrvpcd.py, no
pcscd).

A base image: a new card taken through pre-personalization and FUSE (the steps
of power_cut.py), then INSTALL [for load] and LOAD of the tearing applet
(applets/tear.jca, assembled by jcop-cap at build time). The scenario on it:
INSTALL [for install and make selectable], SELECT, a wrong-PIN VERIFY, a
wrong-PIN VERIFY inside a transaction, a transaction of ten updates, then
DELETE of the instance and of the package. A reference run keeps the image
after each step. Then for N = 1, 2, ... until a run ends without a cut: run the
scenario on a fresh copy with --cut-vm-write-at N; jcopsim must exit 4; the
image must load and the card answer; and
  - a cut inside INSTALL or DELETE leaves the image byte for byte the one
    before the command (undone whole, registry and VM alike);
  - a cut in the transaction shows the applet's state before it;
  - a cut in a wrong-PIN VERIFY after the try counter's write shows the try
    spent (in a transaction too, which the counter is not part of); a cut at
    the counter's own write shows nothing changed.

usage: tear_vm.py --jcopsim PATH --cap TEAR.CAP [--keep]
exit 0 every cut left the state a card recovers, 1 a check failed, 3 environment.
"""
import faulthandler

faulthandler.enable()
import argparse
import os
import shutil
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jrvpcd  # noqa: E402
import power_cut as pc  # noqa: E402

PKG = bytes.fromhex("F06A636F7073696D54")
APP = PKG + b"\x01"
ISD = bytes.fromhex("A000000003000000")
KEYS3 = (pc.KEYS,) * 3
SELECT_APP = "00A404000A" + APP.hex()
DUMP = "0036000017"


def fail(msg):
    print("tear_vm: FAIL: " + msg)
    sys.exit(1)


def lfdb_of(cap):
    """The Load File Data Block: the CAP's components in the order JCVM 2.2.2 §6.1 gives
    for the download (Header, Directory, Import, Applet, Class, Method, StaticField,
    Export, ConstantPool, RefLocation; the Descriptor is left out)."""
    order = ["Header", "Directory", "Import", "Applet", "Class", "Method", "StaticField",
             "Export", "ConstantPool", "RefLocation"]
    with zipfile.ZipFile(cap) as z:
        names = {os.path.basename(n)[:-4]: n for n in z.namelist() if n.endswith(".cap")}
        return b"".join(z.read(names[c]) for c in order if c in names)


def ber_len(n):
    return bytes([n]) if n < 0x80 else (bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xFF]))


def wrapped(apdu, want=0x9000):
    return lambda c: pc.s_wrapped(c, apdu if isinstance(apdu, str) else apdu.hex(), want)


def open_isd():
    return [("SELECT ISD", lambda c: pc.expect(c, "00A4040000", None)),
            ("INITIALIZE UPDATE + EXTERNAL AUTHENTICATE", lambda c: pc.s_open(c, KEYS3, 0, 1))]


def load_steps(lfdb):
    lf = b"\xC4" + ber_len(len(lfdb)) + lfdb
    blocks = [lf[i:i + 200] for i in range(0, len(lf), 200)]
    d = bytes([len(PKG)]) + PKG + bytes([len(ISD)]) + ISD + b"\x00\x00\x00"
    steps = [("INSTALL [for load]", wrapped(bytes([0x80, 0xE6, 0x02, 0x00, len(d)]) + d + b"\x00"))]
    for i, b in enumerate(blocks):
        p1 = 0x80 if i == len(blocks) - 1 else 0x00
        steps.append(("LOAD block %d" % (i + 1), wrapped(bytes([0x80, 0xE8, p1, i, len(b)]) + b + b"\x00")))
    return steps


def scenario():
    d = (bytes([len(PKG)]) + PKG + bytes([len(APP)]) + APP + bytes([len(APP)]) + APP
         + b"\x01\x00" + b"\x02\xC9\x00" + b"\x00")
    inst = bytes([0x80, 0xE6, 0x0C, 0x00, len(d)]) + d + b"\x00"
    del_inst = b"\x4F" + bytes([len(APP)]) + APP
    del_pkg = b"\x4F" + bytes([len(PKG)]) + PKG
    # (name, function, kind): kind "whole" = a command a card undoes whole, "pin",
    # "pin-txn", "txn" = applet commands with their own checks, None = no VM write expected
    return ([(n, f, None) for n, f in open_isd()]
            + [("INSTALL [for install and make selectable]", wrapped(inst), "whole"),
               ("SELECT the applet", lambda c: pc.expect(c, SELECT_APP), None),
               ("VERIFY wrong PIN", lambda c: pc.expect(c, "006000000411111111", 0x63C2), "pin"),
               ("VERIFY wrong PIN inside a transaction", lambda c: pc.expect(c, "006200000422222222"),
                "pin-txn"),
               ("a transaction of ten updates", lambda c: pc.expect(c, "00400000"), "txn")]
            + [(n, f, None) for n, f in open_isd()]
            + [("DELETE the instance", wrapped(bytes([0x80, 0xE4, 0x00, 0x00, len(del_inst)]) + del_inst + b"\x00"),
                "whole"),
               ("DELETE the package", wrapped(bytes([0x80, 0xE4, 0x00, 0x00, len(del_pkg)]) + del_pkg + b"\x00"),
                "whole")])


def read(path):
    with open(path, "rb") as f:
        return f.read()


def run(jcopsim, image, log, steps, extra=(), snapdir=None):
    """Run steps (name, fn, ...) on image. Returns (index of the interrupted step or None, exit code)."""
    reader = jrvpcd.Reader(timeout=15.0)
    card = jrvpcd.Card(jcopsim, image, reader, log=log)
    card.start(list(extra))
    ctx = pc.Ctx(reader)
    interrupted = None
    try:
        reader.wait_card()
        for i, s in enumerate(steps):
            try:
                s[1](ctx)
            except jrvpcd.CardGone:
                interrupted = i
                break
            except pc.StepError as e:
                fail("step '%s' answered differently from the reference: %s" % (s[0], e))
            if snapdir:
                shutil.copyfile(image, os.path.join(snapdir, "after-%02d" % i))
    finally:
        rc = card.stop() if interrupted is None else card.wait()
        reader.close()
    return interrupted, rc


def applet_state(jcopsim, image, log):
    """Serve image; the applet's dump (f s arr log obj tries lastFail) or None when the
    instance is not there (SELECT 6A82)."""
    reader = jrvpcd.Reader(timeout=15.0)
    card = jrvpcd.Card(jcopsim, image, reader, log=log)
    card.start()
    try:
        reader.wait_card()
        sw = reader.sw(SELECT_APP)
        if sw == 0x6A82:
            return None
        if sw != 0x9000:
            fail("SELECT of the applet answered %04X on %s" % (sw, image))
        r = reader.transmit(DUMP)
        if len(r) != 25 or r[-2:] != b"\x90\x00":
            fail("the applet's dump answered %s on %s" % (r.hex(), image))
        return r[:-2]
    except jrvpcd.VpcdError as e:
        fail("jcopsim did not serve %s (%s, exit %s); see %s" % (image, e, card.proc.poll(), log))
    finally:
        card.stop()
        reader.close()


def fields(d):
    return {"f": d[0] << 8 | d[1], "tries": d[21], "lastFail": d[22], "arr": d[4:12], "log": d[12:20]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jcopsim", required=True)
    ap.add_argument("--cap", required=True, help="tear.cap, assembled from applets/tear.jca")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if not os.access(a.jcopsim, os.X_OK) or not os.path.exists(a.cap):
        print("tear_vm: jcopsim (%s) or the CAP (%s) missing" % (a.jcopsim, a.cap))
        return 3
    work = tempfile.mkdtemp(prefix="jcopsim-tear-")
    log = os.path.join(work, "jcopsim.log")
    base = os.path.join(work, "base.img")

    # the base image: fused card with the package loaded
    reader = jrvpcd.Reader(timeout=15.0)
    card = jrvpcd.Card(a.jcopsim, base, reader, log=log)
    card.start(["--new", "--kt", pc.KT])
    reader.wait_card()
    card.stop()
    reader.close()
    prep = [s[:2] for s in pc.STEPS[:11]] + open_isd() + load_steps(lfdb_of(a.cap))
    interrupted, rc = run(a.jcopsim, base, log, prep)
    if interrupted is not None or rc != 0:
        fail("preparing the base image: interrupted at %s, exit %s; see %s" % (interrupted, rc, log))

    steps = scenario()
    snaps = os.path.join(work, "snaps")
    os.mkdir(snaps)
    ref = os.path.join(work, "ref.img")
    shutil.copyfile(base, ref)
    interrupted, rc = run(a.jcopsim, ref, log, steps, snapdir=snaps)
    if interrupted is not None or rc != 0:
        fail("reference run: interrupted at %s, exit %s; see %s" % (interrupted, rc, log))

    def snap(i):
        return base if i < 0 else os.path.join(snaps, "after-%02d" % i)

    state_cache = {}

    def state(i):
        if i not in state_cache:
            state_cache[i] = applet_state(a.jcopsim, snap(i), log)
        return state_cache[i]

    first = {}  # step -> the first N that interrupted it
    per_step = {}
    n = 1
    while True:
        img = os.path.join(work, "cut.img")
        shutil.copyfile(base, img)
        interrupted, rc = run(a.jcopsim, img, log, steps, extra=["--cut-vm-write-at", str(n)])
        if interrupted is None:
            if rc != 0:
                fail("cut %d: no cut fired but jcopsim exited %s" % (n, rc))
            if read(img) != read(snap(len(steps) - 1)):
                fail("cut %d: no cut fired but the final image differs from the reference" % n)
            break
        name, _, kind = steps[interrupted]
        if rc != 4:
            fail("cut %d (%s): jcopsim exited %s, expected 4 (power cut)" % (n, name, rc))
        if kind is None:
            fail("cut %d fired in '%s', which makes no persistent VM write" % (n, name))
        first.setdefault(interrupted, n)
        j = n - first[interrupted] + 1  # 1-based write of the step
        per_step[interrupted] = per_step.get(interrupted, 0) + 1
        got = applet_state(a.jcopsim, img, log)  # the image loads and the card answers
        if kind == "whole":
            if read(img) != read(snap(interrupted - 1)):
                fail("cut %d, write %d of '%s': the image is not the one before the command "
                     "(a card undoes it whole); kept in %s" % (n, j, name, work))
            outcome = "undone whole"
        else:
            was = state(interrupted - 1)
            if got is None or was is None:
                fail("cut %d in '%s': the applet is gone" % (n, name))
            g, w = fields(got), fields(was)
            if kind == "txn":
                if got != was:
                    fail("cut %d, write %d of '%s': the applet shows %s, not its state before the "
                         "transaction %s (a card rolls it back)" % (n, j, name, got.hex(), was.hex()))
                outcome = "rolled back"
            elif j == 1:  # before the try counter's write: nothing happened yet
                if got != was:
                    fail("cut %d before the try counter's write in '%s': the applet shows %s, "
                         "expected %s" % (n, name, got.hex(), was.hex()))
                outcome = "nothing written"
            else:
                if g["tries"] != w["tries"] - 1:
                    fail("cut %d, write %d of '%s' (after the try counter's write): %d tries "
                         "remain after the restart, expected %d: a tear gave a free try"
                         % (n, j, name, g["tries"], w["tries"] - 1))
                if g["f"] != w["f"] or g["lastFail"] != w["lastFail"]:
                    fail("cut %d, write %d of '%s': f %d lastFail %d, expected %d %d (only the "
                         "try counter's write completed)" % (n, j, name, g["f"], g["lastFail"], w["f"],
                                                            w["lastFail"]))
                outcome = "try spent (%d left)" % g["tries"]
        print("tear_vm: cut %d, write %d of '%s': %s; the image loads" % (n, j, name, outcome))
        n += 1
        if n > 500:
            fail("more than 500 VM writes in the scenario: runaway")
    for i, s in enumerate(steps):
        if s[2] is not None and i not in per_step:
            fail("no VM write was cut in '%s'" % s[0])
    print("tear_vm: %d cut points (%s), every image loads and shows the state a card recovers"
          % (n - 1, ", ".join("%s %d" % (steps[i][0], per_step[i]) for i in sorted(per_step))))
    if a.keep:
        print("tear_vm: kept %s" % work)
    else:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
