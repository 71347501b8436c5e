/*
 * jcvm_opcodes.c: the JCVM 2.2.2 instruction table (see jcvm_opcodes.h).
 * Opcode values, mnemonics and operand layouts are those of the Java Card 2.2.2
 * virtual machine specification, chapter 7; the mnemonics are spelled as the
 * reference converter writes them in .jca files.
 */
#include "jcvm_opcodes.h"

#include <string.h>

#define N JCVM_OPND_NONE
#define X(op, name, opnd, len, cpk, pops, pushes, loc, lt, fl)                                     \
    [op] = {op, name, opnd, len, cpk, pops, pushes, loc, lt, fl}

enum {
    I_ = JCVM_OPF_INT,
    BR = JCVM_OPF_BRANCH,
    NF = JCVM_OPF_NOFALL,
    VS = JCVM_OPF_VARSTACK,
    ST = JCVM_OPF_STORE,
    IV = JCVM_OPF_INVOKE,
    RT = JCVM_OPF_RETURN,
    SW = JCVM_OPF_SWITCH,
};

static const jcvm_opinfo table[256] = {
    X(0x00, "nop", N, 1, 0, "", "", -1, 0, 0),
    X(0x01, "aconst_null", N, 1, 0, "", "a", -1, 0, 0),
    X(0x02, "sconst_m1", N, 1, 0, "", "s", -1, 0, 0),
    X(0x03, "sconst_0", N, 1, 0, "", "s", -1, 0, 0),
    X(0x04, "sconst_1", N, 1, 0, "", "s", -1, 0, 0),
    X(0x05, "sconst_2", N, 1, 0, "", "s", -1, 0, 0),
    X(0x06, "sconst_3", N, 1, 0, "", "s", -1, 0, 0),
    X(0x07, "sconst_4", N, 1, 0, "", "s", -1, 0, 0),
    X(0x08, "sconst_5", N, 1, 0, "", "s", -1, 0, 0),
    X(0x09, "iconst_m1", N, 1, 0, "", "I", -1, 0, I_),
    X(0x0A, "iconst_0", N, 1, 0, "", "I", -1, 0, I_),
    X(0x0B, "iconst_1", N, 1, 0, "", "I", -1, 0, I_),
    X(0x0C, "iconst_2", N, 1, 0, "", "I", -1, 0, I_),
    X(0x0D, "iconst_3", N, 1, 0, "", "I", -1, 0, I_),
    X(0x0E, "iconst_4", N, 1, 0, "", "I", -1, 0, I_),
    X(0x0F, "iconst_5", N, 1, 0, "", "I", -1, 0, I_),
    X(0x10, "bspush", JCVM_OPND_S1, 2, 0, "", "s", -1, 0, 0),
    X(0x11, "sspush", JCVM_OPND_S2, 3, 0, "", "s", -1, 0, 0),
    X(0x12, "bipush", JCVM_OPND_S1, 2, 0, "", "I", -1, 0, I_),
    X(0x13, "sipush", JCVM_OPND_S2, 3, 0, "", "I", -1, 0, I_),
    X(0x14, "iipush", JCVM_OPND_S4, 5, 0, "", "I", -1, 0, I_),
    X(0x15, "aload", JCVM_OPND_LOCAL, 2, 0, "", "a", -1, 'a', 0),
    X(0x16, "sload", JCVM_OPND_LOCAL, 2, 0, "", "s", -1, 's', 0),
    X(0x17, "iload", JCVM_OPND_LOCAL, 2, 0, "", "I", -1, 'I', I_),
    X(0x18, "aload_0", N, 1, 0, "", "a", 0, 'a', 0),
    X(0x19, "aload_1", N, 1, 0, "", "a", 1, 'a', 0),
    X(0x1A, "aload_2", N, 1, 0, "", "a", 2, 'a', 0),
    X(0x1B, "aload_3", N, 1, 0, "", "a", 3, 'a', 0),
    X(0x1C, "sload_0", N, 1, 0, "", "s", 0, 's', 0),
    X(0x1D, "sload_1", N, 1, 0, "", "s", 1, 's', 0),
    X(0x1E, "sload_2", N, 1, 0, "", "s", 2, 's', 0),
    X(0x1F, "sload_3", N, 1, 0, "", "s", 3, 's', 0),
    X(0x20, "iload_0", N, 1, 0, "", "I", 0, 'I', I_),
    X(0x21, "iload_1", N, 1, 0, "", "I", 1, 'I', I_),
    X(0x22, "iload_2", N, 1, 0, "", "I", 2, 'I', I_),
    X(0x23, "iload_3", N, 1, 0, "", "I", 3, 'I', I_),
    X(0x24, "aaload", N, 1, 0, "as", "a", -1, 0, 0),
    X(0x25, "baload", N, 1, 0, "as", "s", -1, 0, 0),
    X(0x26, "saload", N, 1, 0, "as", "s", -1, 0, 0),
    X(0x27, "iaload", N, 1, 0, "as", "I", -1, 0, I_),
    X(0x28, "astore", JCVM_OPND_LOCAL, 2, 0, "a", "", -1, 'a', ST),
    X(0x29, "sstore", JCVM_OPND_LOCAL, 2, 0, "s", "", -1, 's', ST),
    X(0x2A, "istore", JCVM_OPND_LOCAL, 2, 0, "I", "", -1, 'I', ST | I_),
    X(0x2B, "astore_0", N, 1, 0, "a", "", 0, 'a', ST),
    X(0x2C, "astore_1", N, 1, 0, "a", "", 1, 'a', ST),
    X(0x2D, "astore_2", N, 1, 0, "a", "", 2, 'a', ST),
    X(0x2E, "astore_3", N, 1, 0, "a", "", 3, 'a', ST),
    X(0x2F, "sstore_0", N, 1, 0, "s", "", 0, 's', ST),
    X(0x30, "sstore_1", N, 1, 0, "s", "", 1, 's', ST),
    X(0x31, "sstore_2", N, 1, 0, "s", "", 2, 's', ST),
    X(0x32, "sstore_3", N, 1, 0, "s", "", 3, 's', ST),
    X(0x33, "istore_0", N, 1, 0, "I", "", 0, 'I', ST | I_),
    X(0x34, "istore_1", N, 1, 0, "I", "", 1, 'I', ST | I_),
    X(0x35, "istore_2", N, 1, 0, "I", "", 2, 'I', ST | I_),
    X(0x36, "istore_3", N, 1, 0, "I", "", 3, 'I', ST | I_),
    X(0x37, "aastore", N, 1, 0, "asa", "", -1, 0, 0),
    X(0x38, "bastore", N, 1, 0, "ass", "", -1, 0, 0),
    X(0x39, "sastore", N, 1, 0, "ass", "", -1, 0, 0),
    X(0x3A, "iastore", N, 1, 0, "asI", "", -1, 0, I_),
    X(0x3B, "pop", N, 1, 0, "*", "", -1, 0, VS),
    X(0x3C, "pop2", N, 1, 0, "**", "", -1, 0, VS),
    X(0x3D, "dup", N, 1, 0, "*", "**", -1, 0, VS),
    X(0x3E, "dup2", N, 1, 0, "**", "****", -1, 0, VS),
    X(0x3F, "dup_x", JCVM_OPND_MN, 2, 0, "", "", -1, 0, VS),
    X(0x40, "swap_x", JCVM_OPND_MN, 2, 0, "", "", -1, 0, VS),
    X(0x41, "sadd", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x42, "iadd", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x43, "ssub", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x44, "isub", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x45, "smul", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x46, "imul", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x47, "sdiv", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x48, "idiv", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x49, "srem", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x4A, "irem", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x4B, "sneg", N, 1, 0, "s", "s", -1, 0, 0),
    X(0x4C, "ineg", N, 1, 0, "I", "I", -1, 0, I_),
    X(0x4D, "sshl", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x4E, "ishl", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x4F, "sshr", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x50, "ishr", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x51, "sushr", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x52, "iushr", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x53, "sand", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x54, "iand", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x55, "sor", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x56, "ior", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x57, "sxor", N, 1, 0, "ss", "s", -1, 0, 0),
    X(0x58, "ixor", N, 1, 0, "II", "I", -1, 0, I_),
    X(0x59, "sinc", JCVM_OPND_LOCAL_S1, 3, 0, "", "", -1, 's', 0),
    X(0x5A, "iinc", JCVM_OPND_LOCAL_S1, 3, 0, "", "", -1, 'I', I_),
    X(0x5B, "s2b", N, 1, 0, "s", "s", -1, 0, 0),
    X(0x5C, "s2i", N, 1, 0, "s", "I", -1, 0, I_),
    X(0x5D, "i2b", N, 1, 0, "I", "s", -1, 0, I_),
    X(0x5E, "i2s", N, 1, 0, "I", "s", -1, 0, I_),
    X(0x5F, "icmp", N, 1, 0, "II", "s", -1, 0, I_),
    X(0x60, "ifeq", JCVM_OPND_BR1, 2, 0, "s", "", -1, 0, BR),
    X(0x61, "ifne", JCVM_OPND_BR1, 2, 0, "s", "", -1, 0, BR),
    X(0x62, "iflt", JCVM_OPND_BR1, 2, 0, "s", "", -1, 0, BR),
    X(0x63, "ifge", JCVM_OPND_BR1, 2, 0, "s", "", -1, 0, BR),
    X(0x64, "ifgt", JCVM_OPND_BR1, 2, 0, "s", "", -1, 0, BR),
    X(0x65, "ifle", JCVM_OPND_BR1, 2, 0, "s", "", -1, 0, BR),
    X(0x66, "ifnull", JCVM_OPND_BR1, 2, 0, "a", "", -1, 0, BR),
    X(0x67, "ifnonnull", JCVM_OPND_BR1, 2, 0, "a", "", -1, 0, BR),
    X(0x68, "if_acmpeq", JCVM_OPND_BR1, 2, 0, "aa", "", -1, 0, BR),
    X(0x69, "if_acmpne", JCVM_OPND_BR1, 2, 0, "aa", "", -1, 0, BR),
    X(0x6A, "if_scmpeq", JCVM_OPND_BR1, 2, 0, "ss", "", -1, 0, BR),
    X(0x6B, "if_scmpne", JCVM_OPND_BR1, 2, 0, "ss", "", -1, 0, BR),
    X(0x6C, "if_scmplt", JCVM_OPND_BR1, 2, 0, "ss", "", -1, 0, BR),
    X(0x6D, "if_scmpge", JCVM_OPND_BR1, 2, 0, "ss", "", -1, 0, BR),
    X(0x6E, "if_scmpgt", JCVM_OPND_BR1, 2, 0, "ss", "", -1, 0, BR),
    X(0x6F, "if_scmple", JCVM_OPND_BR1, 2, 0, "ss", "", -1, 0, BR),
    X(0x70, "goto", JCVM_OPND_BR1, 2, 0, "", "", -1, 0, BR | NF),
    X(0x71, "jsr", JCVM_OPND_BR2, 3, 0, "", "r", -1, 0, BR),
    X(0x72, "ret", JCVM_OPND_LOCAL, 2, 0, "", "", -1, 'r', NF),
    X(0x73, "stableswitch", JCVM_OPND_STABLESW, 0, 0, "s", "", -1, 0, BR | NF | SW),
    X(0x74, "itableswitch", JCVM_OPND_ITABLESW, 0, 0, "I", "", -1, 0, BR | NF | SW | I_),
    X(0x75, "slookupswitch", JCVM_OPND_SLOOKUPSW, 0, 0, "s", "", -1, 0, BR | NF | SW),
    X(0x76, "ilookupswitch", JCVM_OPND_ILOOKUPSW, 0, 0, "I", "", -1, 0, BR | NF | SW | I_),
    X(0x77, "areturn", N, 1, 0, "a", "", -1, 0, NF | RT),
    X(0x78, "sreturn", N, 1, 0, "s", "", -1, 0, NF | RT),
    X(0x79, "ireturn", N, 1, 0, "I", "", -1, 0, NF | RT | I_),
    X(0x7A, "return", N, 1, 0, "", "", -1, 0, NF | RT),
    X(0x7B, "getstatic_a", JCVM_OPND_CP2, 3, JCVM_CPK_STATIC_FIELD, "", "a", -1, 0, 0),
    X(0x7C, "getstatic_b", JCVM_OPND_CP2, 3, JCVM_CPK_STATIC_FIELD, "", "s", -1, 0, 0),
    X(0x7D, "getstatic_s", JCVM_OPND_CP2, 3, JCVM_CPK_STATIC_FIELD, "", "s", -1, 0, 0),
    X(0x7E, "getstatic_i", JCVM_OPND_CP2, 3, JCVM_CPK_STATIC_FIELD, "", "I", -1, 0, I_),
    X(0x7F, "putstatic_a", JCVM_OPND_CP2, 3, JCVM_CPK_STATIC_FIELD, "a", "", -1, 0, 0),
    X(0x80, "putstatic_b", JCVM_OPND_CP2, 3, JCVM_CPK_STATIC_FIELD, "s", "", -1, 0, 0),
    X(0x81, "putstatic_s", JCVM_OPND_CP2, 3, JCVM_CPK_STATIC_FIELD, "s", "", -1, 0, 0),
    X(0x82, "putstatic_i", JCVM_OPND_CP2, 3, JCVM_CPK_STATIC_FIELD, "I", "", -1, 0, I_),
    X(0x83, "getfield_a", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "a", "a", -1, 0, 0),
    X(0x84, "getfield_b", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "a", "s", -1, 0, 0),
    X(0x85, "getfield_s", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "a", "s", -1, 0, 0),
    X(0x86, "getfield_i", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "a", "I", -1, 0, I_),
    X(0x87, "putfield_a", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "aa", "", -1, 0, 0),
    X(0x88, "putfield_b", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "as", "", -1, 0, 0),
    X(0x89, "putfield_s", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "as", "", -1, 0, 0),
    X(0x8A, "putfield_i", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "aI", "", -1, 0, I_),
    X(0x8B, "invokevirtual", JCVM_OPND_CP2, 3, JCVM_CPK_VIRTUAL_METHOD, "", "", -1, 0, VS | IV),
    X(0x8C, "invokespecial", JCVM_OPND_CP2, 3, JCVM_CPK_SPECIAL, "", "", -1, 0, VS | IV),
    X(0x8D, "invokestatic", JCVM_OPND_CP2, 3, JCVM_CPK_STATIC_METHOD, "", "", -1, 0, VS | IV),
    X(0x8E, "invokeinterface", JCVM_OPND_IFACE, 5, JCVM_CPK_CLASS, "", "", -1, 0, VS | IV),
    X(0x8F, "new", JCVM_OPND_CP2, 3, JCVM_CPK_CLASS, "", "a", -1, 0, 0),
    X(0x90, "newarray", JCVM_OPND_ATYPE, 2, 0, "s", "a", -1, 0, 0),
    X(0x91, "anewarray", JCVM_OPND_CP2, 3, JCVM_CPK_CLASS, "s", "a", -1, 0, 0),
    X(0x92, "arraylength", N, 1, 0, "a", "s", -1, 0, 0),
    X(0x93, "athrow", N, 1, 0, "a", "", -1, 0, NF),
    X(0x94, "checkcast", JCVM_OPND_TYPE_CP2, 4, JCVM_CPK_CLASS_OR_NONE, "a", "a", -1, 0, 0),
    X(0x95, "instanceof", JCVM_OPND_TYPE_CP2, 4, JCVM_CPK_CLASS_OR_NONE, "a", "s", -1, 0, 0),
    X(0x96, "sinc_w", JCVM_OPND_LOCAL_S2, 4, 0, "", "", -1, 's', 0),
    X(0x97, "iinc_w", JCVM_OPND_LOCAL_S2, 4, 0, "", "", -1, 'I', I_),
    X(0x98, "ifeq_w", JCVM_OPND_BR2, 3, 0, "s", "", -1, 0, BR),
    X(0x99, "ifne_w", JCVM_OPND_BR2, 3, 0, "s", "", -1, 0, BR),
    X(0x9A, "iflt_w", JCVM_OPND_BR2, 3, 0, "s", "", -1, 0, BR),
    X(0x9B, "ifge_w", JCVM_OPND_BR2, 3, 0, "s", "", -1, 0, BR),
    X(0x9C, "ifgt_w", JCVM_OPND_BR2, 3, 0, "s", "", -1, 0, BR),
    X(0x9D, "ifle_w", JCVM_OPND_BR2, 3, 0, "s", "", -1, 0, BR),
    X(0x9E, "ifnull_w", JCVM_OPND_BR2, 3, 0, "a", "", -1, 0, BR),
    X(0x9F, "ifnonnull_w", JCVM_OPND_BR2, 3, 0, "a", "", -1, 0, BR),
    X(0xA0, "if_acmpeq_w", JCVM_OPND_BR2, 3, 0, "aa", "", -1, 0, BR),
    X(0xA1, "if_acmpne_w", JCVM_OPND_BR2, 3, 0, "aa", "", -1, 0, BR),
    X(0xA2, "if_scmpeq_w", JCVM_OPND_BR2, 3, 0, "ss", "", -1, 0, BR),
    X(0xA3, "if_scmpne_w", JCVM_OPND_BR2, 3, 0, "ss", "", -1, 0, BR),
    X(0xA4, "if_scmplt_w", JCVM_OPND_BR2, 3, 0, "ss", "", -1, 0, BR),
    X(0xA5, "if_scmpge_w", JCVM_OPND_BR2, 3, 0, "ss", "", -1, 0, BR),
    X(0xA6, "if_scmpgt_w", JCVM_OPND_BR2, 3, 0, "ss", "", -1, 0, BR),
    X(0xA7, "if_scmple_w", JCVM_OPND_BR2, 3, 0, "ss", "", -1, 0, BR),
    X(0xA8, "goto_w", JCVM_OPND_BR2, 3, 0, "", "", -1, 0, BR | NF),
    X(0xA9, "getfield_a_w", JCVM_OPND_CP2, 3, JCVM_CPK_INSTANCE_FIELD, "a", "a", -1, 0, 0),
    X(0xAA, "getfield_b_w", JCVM_OPND_CP2, 3, JCVM_CPK_INSTANCE_FIELD, "a", "s", -1, 0, 0),
    X(0xAB, "getfield_s_w", JCVM_OPND_CP2, 3, JCVM_CPK_INSTANCE_FIELD, "a", "s", -1, 0, 0),
    X(0xAC, "getfield_i_w", JCVM_OPND_CP2, 3, JCVM_CPK_INSTANCE_FIELD, "a", "I", -1, 0, I_),
    X(0xAD, "getfield_a_this", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "", "a", 0, 'a', 0),
    X(0xAE, "getfield_b_this", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "", "s", 0, 'a', 0),
    X(0xAF, "getfield_s_this", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "", "s", 0, 'a', 0),
    X(0xB0, "getfield_i_this", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "", "I", 0, 'a', I_),
    X(0xB1, "putfield_a_w", JCVM_OPND_CP2, 3, JCVM_CPK_INSTANCE_FIELD, "aa", "", -1, 0, 0),
    X(0xB2, "putfield_b_w", JCVM_OPND_CP2, 3, JCVM_CPK_INSTANCE_FIELD, "as", "", -1, 0, 0),
    X(0xB3, "putfield_s_w", JCVM_OPND_CP2, 3, JCVM_CPK_INSTANCE_FIELD, "as", "", -1, 0, 0),
    X(0xB4, "putfield_i_w", JCVM_OPND_CP2, 3, JCVM_CPK_INSTANCE_FIELD, "aI", "", -1, 0, I_),
    X(0xB5, "putfield_a_this", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "a", "", 0, 'a', 0),
    X(0xB6, "putfield_b_this", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "s", "", 0, 'a', 0),
    X(0xB7, "putfield_s_this", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "s", "", 0, 'a', 0),
    X(0xB8, "putfield_i_this", JCVM_OPND_CP1, 2, JCVM_CPK_INSTANCE_FIELD, "I", "", 0, 'a', I_),
    X(0xFE, "impdep1", N, 1, 0, "", "", -1, 0, JCVM_OPF_RESERVED),
    X(0xFF, "impdep2", N, 1, 0, "", "", -1, 0, JCVM_OPF_RESERVED),
};

const jcvm_opinfo *jcvm_op(uint8_t opcode)
{
    return &table[opcode];
}

const jcvm_opinfo *jcvm_op_by_name(const char *mnemonic)
{
    for (unsigned i = 0; i < 256; i++)
        if (table[i].mnemonic && strcmp(table[i].mnemonic, mnemonic) == 0)
            return &table[i];
    return NULL;
}

static long s2(const uint8_t *p)
{
    return (int16_t)(uint16_t)((p[0] << 8) | p[1]);
}

static long s4(const uint8_t *p)
{
    return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
                     p[3]);
}

size_t jcvm_insn_len(const uint8_t *code, size_t len, size_t pc)
{
    if (pc >= len)
        return 0;
    const jcvm_opinfo *op = &table[code[pc]];
    if (!op->mnemonic)
        return 0;
    size_t rest = len - pc, n;
    switch (op->opnd) {
    case JCVM_OPND_STABLESW:
    case JCVM_OPND_ITABLESW: {
        size_t w = op->opnd == JCVM_OPND_STABLESW ? 2 : 4;
        if (rest < 3 + 2 * w)
            return 0;
        long lo = w == 2 ? s2(code + pc + 3) : s4(code + pc + 3);
        long hi = w == 2 ? s2(code + pc + 3 + w) : s4(code + pc + 3 + w);
        if (hi < lo || (unsigned long)(hi - lo) >= 32768)
            return 0;
        n = 3 + 2 * w + 2 * (size_t)(hi - lo + 1);
        break;
    }
    case JCVM_OPND_SLOOKUPSW:
    case JCVM_OPND_ILOOKUPSW: {
        if (rest < 5)
            return 0;
        size_t npairs = ((size_t)code[pc + 3] << 8) | code[pc + 4];
        n = 5 + npairs * (op->opnd == JCVM_OPND_SLOOKUPSW ? 4 : 6);
        break;
    }
    default:
        n = op->len;
    }
    return n <= rest ? n : 0;
}

const char *jcvm_atype_name(uint8_t atype)
{
    switch (atype) {
    case JCVM_T_CLASS:
        return "T_CLASSORINTERFACE";
    case JCVM_T_BOOLEAN:
        return "T_BOOLEAN";
    case JCVM_T_BYTE:
        return "T_BYTE";
    case JCVM_T_SHORT:
        return "T_SHORT";
    case JCVM_T_INT:
        return "T_INT";
    case JCVM_T_REFERENCE:
        return "T_REFERENCE";
    }
    return NULL;
}
