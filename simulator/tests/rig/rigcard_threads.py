#!/usr/bin/python3
"""rigcard's one-thread rule: a Card opened from a second thread of a process is
refused at once, before any PC/SC call (Debian 12's libpcsclite races between
threads of one process; a test driving cards side by side runs one process per
card). Needs pyscard (rigcard imports it) but no pcscd: the refusal comes first.

usage: rigcard_threads.py   (exit 0 pass, 1 fail, 77 skip without pyscard)
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import rigcard
except ImportError as e:
    print("rigcard_threads: SKIP: %s" % e)
    sys.exit(77)

outcome = []


def open_in_thread():
    try:
        rigcard.Card("Virtual PCD 00 00").close()
        outcome.append("opened")
    except rigcard.Failure as e:
        outcome.append("refused: %s" % e)
    except Exception as e:  # any other error means the refusal did not come first
        outcome.append("other: %s: %s" % (type(e).__name__, e))


t = threading.Thread(target=open_in_thread, name="second")
t.start()
t.join()
print("# Card from thread 'second': %s" % outcome[0])
if not (outcome[0].startswith("refused:") and "main thread" in outcome[0] and "'second'" in outcome[0]):
    print("FAIL: a Card from a second thread was not refused by the one-thread rule", file=sys.stderr)
    sys.exit(1)
print("PASS")
