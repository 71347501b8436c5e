#!/usr/bin/python3
"""Assemble a small Java Card CAP file by hand (no converter exists here).

The package holds one applet class extending javacard.framework.Applet:
    install(byte[], short, byte): new <class>().register()
    process(APDU): nothing for its SELECT (selectingApplet()), else
                   ISOException.throwIt(0x6D00)
Components follow the Java Card VM 2.2 specification, chapter 6 (Header,
Directory, Import, Applet, Class, Method, StaticField, ConstantPool,
ReferenceLocation); Descriptor and Debug are left out, as a card never loads
them. External tokens of javacard.framework (package 1.2,
A0000000620101): class Applet = 3, ISOException = 7; Applet's <init> = static
token 0, register() = virtual token 1, selectingApplet() = virtual token 3,
process(APDU) = virtual token 7, ISOException.throwIt = static token 1. Those
token numbers are taken from the framework's export file as published with the
Java Card 2.2 kits; jcopsim's VM runs the bytecode, so they must be right.

Usage: capbuild.py [--pkg HEX] [--applet HEX] [--path a/b] OUT.cap
       capbuild.py --lfdb ...      print the Load File Data Block in hex
As a module: build_components(), lfdb(), write_cap().
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import argparse
import struct
import sys
import zipfile

DEFAULT_PKG = bytes.fromhex("F06A636F7073696D")      # F0 + "jcopsim"
DEFAULT_APPLET = bytes.fromhex("F06A636F7073696D01")
FRAMEWORK = bytes.fromhex("A0000000620101")

TAG = {"Header": 1, "Directory": 2, "Applet": 3, "Import": 4, "ConstantPool": 5,
       "Class": 6, "Method": 7, "StaticField": 8, "RefLocation": 9}
# Reference load order (JCVM 2.2 6.2, GP 2.1.1 A.2), Export/Descriptor absent.
LOAD_ORDER = ["Header", "Directory", "Import", "Applet", "Class", "Method",
              "StaticField", "ConstantPool", "RefLocation"]


def comp(name, info):
    return bytes([TAG[name]]) + struct.pack(">H", len(info)) + info


def method_info():
    """Method component info and the offsets the other components need."""
    code = bytearray([0x00])                    # handler_count
    init_off = len(code)
    # <init>: max_stack 1, nargs 1 | aload_0; invokespecial cp1; return
    code += bytes([0x01, 0x10, 0x18, 0x8C, 0x00, 0x01, 0x7A])
    install_off = len(code)
    # install: max_stack 2, nargs 3 | new cp4; dup; invokespecial cp2; invokevirtual cp3; return
    code += bytes([0x02, 0x30, 0x8F, 0x00, 0x04, 0x3D, 0x8C, 0x00, 0x02, 0x8B, 0x00, 0x03, 0x7A])
    process_off = len(code)
    # process: max_stack 1, nargs 2 | aload_0; invokevirtual cp6 (selectingApplet); ifeq +3;
    # return; sspush 6D00; invokestatic cp5 (ISOException.throwIt); return
    code += bytes([0x01, 0x20, 0x18, 0x8B, 0x00, 0x06, 0x60, 0x03, 0x7A,
                   0x11, 0x6D, 0x00, 0x8D, 0x00, 0x05, 0x7A])
    # Offsets of the 2-byte constant-pool indices (ReferenceLocation).
    byte2 = [init_off + 3, install_off + 3, install_off + 7, install_off + 10, process_off + 4,
             process_off + 13]
    return bytes(code), init_off, install_off, process_off, byte2


def build_components(pkg=DEFAULT_PKG, applet=DEFAULT_APPLET, name=b"jcopsim"):
    if not 5 <= len(pkg) <= 16 or not 5 <= len(applet) <= 16:
        raise ValueError("AIDs must be 5..16 bytes")
    method, init_off, install_off, process_off, byte2 = method_info()
    header = (bytes.fromhex("DECAFFED") + bytes([0x01, 0x02, 0x04])   # CAP 2.1, ACC_APPLET
              + bytes([0x00, 0x01, len(pkg)]) + pkg                  # package 1.0
              + bytes([len(name)]) + name)                           # package_name_info
    imports = bytes([0x01, 0x02, 0x01, len(FRAMEWORK)]) + FRAMEWORK  # framework 1.2
    applets = bytes([0x01, len(applet)]) + applet + struct.pack(">H", install_off)
    cpool = struct.pack(">H", 7) + bytes([
        0x01, 0x80, 0x03, 0x00,                 # 0 Classref  framework.Applet
        0x06, 0x80, 0x03, 0x00,                 # 1 StaticMethodref Applet.<init>
        0x06, 0x00]) + struct.pack(">H", init_off) + bytes([  # 2 own <init>
        0x03, 0x80, 0x03, 0x01,                 # 3 VirtualMethodref Applet.register()
        0x01, 0x00, 0x02, 0x00,                 # 4 Classref own class (offset 2 in Class), padding
        0x06, 0x80, 0x07, 0x01,                 # 5 StaticMethodref ISOException.throwIt (token 1)
        0x03, 0x80, 0x03, 0x03])                # 6 VirtualMethodref Applet.selectingApplet()
    klass = (struct.pack(">H", 0)               # signature_pool_length
             + bytes([0x00])                    # flags | interface_count
             + bytes([0x80, 0x03])              # super class: framework.Applet
             + bytes([0x00, 0xFF, 0x00])        # instance size, first ref token, ref count
             + bytes([0x07, 0x01, 0x00, 0x00])  # public table base 7 count 1; package 0 0
             + struct.pack(">H", process_off))  # process(APDU) overrides token 7
    static = bytes(10)                          # no static fields
    deltas, last = [], 0
    for off in byte2:
        deltas.append(off - last)
        last = off
    refloc = struct.pack(">H", 0) + struct.pack(">H", len(deltas)) + bytes(deltas)
    infos = {"Header": header, "Import": imports, "Applet": applets, "ConstantPool": cpool,
             "Class": klass, "Method": method, "StaticField": static, "RefLocation": refloc}
    sizes = [len(infos.get(n, b"")) for n in
             ["Header", "Directory", "Applet", "Import", "ConstantPool", "Class", "Method",
              "StaticField", "RefLocation"]] + [0, 0, 0]   # Export, Descriptor, Debug
    directory_len = 2 * 12 + 6 + 3
    sizes[1] = directory_len
    directory = (b"".join(struct.pack(">H", s) for s in sizes)
                 + struct.pack(">HHH", 0, 0, 0)     # static field image, array inits
                 + bytes([0x01, 0x01, 0x00]))       # import, applet, custom counts
    assert len(directory) == directory_len
    infos["Directory"] = directory
    return {n: comp(n, infos[n]) for n in LOAD_ORDER}


def lfdb(components):
    return b"".join(components[n] for n in LOAD_ORDER)


def write_cap(path, components, pkg_path="jcopsim/test"):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: jcopsim capbuild.py\r\n\r\n")
        # Archive order differs from the load order on purpose: readers must sort.
        for n in sorted(components):
            z.writestr("%s/javacard/%s.cap" % (pkg_path, n), components[n])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pkg", default=DEFAULT_PKG.hex())
    ap.add_argument("--applet", default=DEFAULT_APPLET.hex())
    ap.add_argument("--path", default="jcopsim/test")
    ap.add_argument("--lfdb", action="store_true", help="print the LFDB in hex instead")
    ap.add_argument("out", nargs="?")
    a = ap.parse_args()
    comps = build_components(bytes.fromhex(a.pkg), bytes.fromhex(a.applet))
    if a.lfdb:
        print(lfdb(comps).hex().upper())
        return 0
    if not a.out:
        ap.error("OUT.cap is required")
    write_cap(a.out, comps, a.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
