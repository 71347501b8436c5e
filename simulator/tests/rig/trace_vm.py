#!/usr/bin/python3
"""jcopsim --trace-vm against a fake vpcd (no pcscd, no root): what a user of
GPShell, GPPro or their own client sees of the applet in the daemon's trace.

The demo applet (tools/jcop-cap/examples/hello.jca, assembled by jcop-cap asm)
is installed on a durable image by jcop-replay (testcases/vm/install-hello.gpsh:
pre-personalization, FUSE, SCP02, install -file). jcopsim then serves copies of
that image to the fake vpcd, which selects the applet and asks it for its
greeting twice:

- with --trace FILE and no --trace-vm: the applet events (method entered, the
  selection) and no bytecode line;
- with --trace FILE --trace-vm=6: at most 6 bytecode-trace lines (bc, call) per
  command, a note where a command was cut, invocations named;
- jcop-explain on that trace shows the events and the bytecode lines;
- --trace-vm without a record (--trace or -v) and --trace-vm=0 are usage errors.

usage: trace_vm.py JCOPSIM JCOP_REPLAY JCOP_CAP HELLO_JCA INSTALL_GPSH JCOP_EXPLAIN
JCOPSIM_WRAPPER (optional) runs the serving jcopsim under a tool, e.g. valgrind.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_vpcd import TIMEOUT, WRAPPER, FakeVpcd, Failure, check, wait_exit  # noqa: E402

KT = "000102030405060708090A0B0C0D0E0F"
HELLO = "F06A636F7073696D4801"
GREETING = "48656C6C6F2C206A636F707369"  # "Hello, jcopsi"


def install_image(replay, jcopcap, jca, gpsh, tmp):
    img = os.path.join(tmp, "hello.img")
    subprocess.run([jcopcap, "asm", "-o", os.path.join(tmp, "hello.cap"), jca], check=True,
                   stdout=subprocess.DEVNULL, timeout=60)
    shutil.copy(gpsh, os.path.join(tmp, "install-hello.gpsh"))
    r = subprocess.run([replay, "-q", "--kt", KT, "--image", img, os.path.join(tmp, "install-hello.gpsh")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    check(r.returncode == 0, "jcop-replay installed the demo applet on an image (%s)" %
          r.stdout.decode(errors="replace")[-300:])
    return img


def serve(jcopsim, img, tmp, name, extra):
    """Serve a copy of img with --trace and extra options; select the applet, greet twice."""
    copy = os.path.join(tmp, name + ".img")
    shutil.copy(img, copy)
    trace = os.path.join(tmp, name + ".jcsh")
    v = FakeVpcd()
    proc = subprocess.Popen(WRAPPER + [jcopsim, "--image", copy, "--connect", "127.0.0.1:%d" % v.port,
                             "--trace", trace] + extra,
                            stderr=open(os.path.join(tmp, name + ".log"), "w"))
    try:
        v.announce_cycle(name)
        v.ctl(1)
        check(v.apdu("00A404000A" + HELLO) == "9000", name + ": SELECT of the demo applet: 9000")
        for n in ("03", "04"):  # install-hello.gpsh greeted twice already
            r = v.apdu("8040000000") or ""
            check(r.startswith(GREETING) and r.endswith(n + "9000"),
                  name + ": the greeting with counter " + n)
        proc.send_signal(signal.SIGTERM)
        wait_exit(proc, name + ": SIGTERM", 0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return open(trace).read().splitlines()


def per_command(lines):
    """The notes after each /send line, command by command."""
    out, cur = [], None
    for ln in lines:
        if ln.startswith("/send "):
            cur = []
            out.append((ln, cur))
        elif cur is not None and ln.startswith("#"):
            cur.append(ln)
        elif not ln.startswith("#"):
            cur = None
    return out


def is_bytecode(ln):
    return ln.startswith("# VM: bc ") or ln.startswith("# VM: call ")


def main():
    jcopsim, replay, jcopcap, jca, gpsh, explain = sys.argv[1:7]
    with tempfile.TemporaryDirectory(dir=os.environ.get("JCOPSIM_TEST_TMP")) as tmp:
        try:
            for bad, what in ((["--memory", "--trace-vm"], "--trace-vm without --trace or -v"),
                              (["--memory", "-v", "--trace-vm=0"], "--trace-vm=0"),
                              (["--memory", "-v", "--trace-vm=x"], "--trace-vm=x")):
                r = subprocess.run([jcopsim] + bad, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   timeout=TIMEOUT)
                check(r.returncode == 2 and b"--trace-vm" in r.stderr, what + ": usage error, exit 2")
            img = install_image(replay, jcopcap, jca, gpsh, tmp)

            plain = serve(jcopsim, img, tmp, "plain", [])
            check(not any(is_bytecode(ln) for ln in plain), "no --trace-vm: no bytecode line")
            check("# VM: applet %s selected on channel 0" % HELLO in plain,
                  "no --trace-vm: the selection is in the trace")
            check(sum(ln.startswith("# VM: enter process(Ljavacard/framework/APDU;)V") for ln in plain) == 3,
                  "no --trace-vm: process() entered, named, once per command (SELECT and two greetings)")

            traced = serve(jcopsim, img, tmp, "traced", ["--trace-vm=6"])
            cmds = per_command(traced)
            check(len(cmds) == 3, "--trace-vm: three commands recorded")
            for send, notes in cmds:
                n = sum(is_bytecode(ln) for ln in notes)
                check(0 < n <= 6, "--trace-vm=6: %d bytecode-trace lines after %s" % (n, send[:26]))
            cut = sum(ln == "# VM: bytecode trace cut at 6 lines for this command" for ln in traced)
            full = sum(sum(is_bytecode(ln) for ln in notes) == 6 for _, notes in cmds)
            check(cut >= 2 and cut == full,
                  "--trace-vm=6: each command that reached the bound says it was cut (%d)" % cut)
            check(any(ln.startswith("# VM: bc pkg ") and " op " in ln for ln in traced),
                  "--trace-vm: bytecode lines name package, pc, opcode, stack depth")
            check("# VM: call javacard.framework.Applet.selectingApplet()Z" in traced,
                  "--trace-vm: an invocation named with the API's signature")

            out = subprocess.run([explain, os.path.join(tmp, "traced.jcsh")], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=60).stdout.decode(errors="replace")
            for ev in ("# applet (VM): enter process(Ljavacard/framework/APDU;)V",
                       "# applet (VM): bc pkg ",
                       "# applet (VM): call javacard.framework.Applet.selectingApplet()Z",
                       "# applet (VM): bytecode trace cut at 6 lines for this command"):
                check(ev in out, "jcop-explain shows: " + ev)
        except (Failure, OSError, subprocess.SubprocessError) as e:
            print("FAIL: %s" % e, file=sys.stderr)
            for name in ("plain", "traced"):
                log = os.path.join(tmp, name + ".log")
                if os.path.exists(log):
                    sys.stderr.write(open(log).read()[-2000:])
            return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
