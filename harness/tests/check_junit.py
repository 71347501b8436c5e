#!/usr/bin/python3
# check_junit.py FILE SCRIPT WHERE [failure|error|pass]: parse a jcop-replay JUnit report back
# and check its structure: <testsuites><testsuite> with one <testcase> named SCRIPT holding a
# <failure> (or <error>) whose message starts with WHERE ("file:line:"), or neither for pass.
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import sys
import xml.etree.ElementTree as ET

path, script, where = sys.argv[1], sys.argv[2], sys.argv[3]
kind = sys.argv[4] if len(sys.argv) > 4 else "failure"
root = ET.parse(path).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert len(suites) == 1, suites
cases = [c for c in suites[0].findall("testcase") if c.get("name") == script]
assert len(cases) == 1, [c.get("name") for c in suites[0].findall("testcase")]
case = cases[0]
if kind == "pass":
    assert case.find("failure") is None and case.find("error") is None
else:
    node = case.find(kind)
    assert node is not None, "no <%s> in %s" % (kind, script)
    msg = node.get("message")
    assert msg.startswith(where), "message %r does not start with %r" % (msg, where)
    count = suites[0].get("failures" if kind == "failure" else "errors")
    assert int(count) >= 1, suites[0].attrib
assert case.find("system-out") is not None
print("junit ok:", script, kind, where)
