/*
 * jcvm_opcodes.h: the Java Card 2.2.2 virtual machine instruction set as data.
 *
 * One row per opcode: the mnemonic as the reference converter writes it in
 * Java Card Assembly (.jca), the operand layout, the operand stack effect by
 * type where it is fixed, and whether the instruction belongs to the optional
 * int subset. The disassembler, the assembler and the bytecode verifier all
 * read this one table; nothing here executes anything.
 *
 * Stack effects are strings of slot types, deepest first:
 *   'a' reference, 's' short (byte/boolean/short), 'I' an int (two slots, the
 *   letter stands for both), 'r' a return address (jsr/ret), '*' any one slot.
 * An instruction whose effect depends on its operands (invocations, field
 * access, dup_x/swap_x, pop2/dup2) has JCVM_OPF_VARSTACK set and empty strings.
 */
#ifndef JCVM_OPCODES_H
#define JCVM_OPCODES_H

#include <stddef.h>
#include <stdint.h>

/* Operand layouts. */
typedef enum {
    JCVM_OPND_NONE = 0,
    JCVM_OPND_S1,        /* one signed byte (bspush, bipush) */
    JCVM_OPND_S2,        /* one signed short (sspush, sipush) */
    JCVM_OPND_S4,        /* one signed int (iipush) */
    JCVM_OPND_LOCAL,     /* u1 local index */
    JCVM_OPND_LOCAL_S1,  /* u1 local index, s1 constant (sinc, iinc) */
    JCVM_OPND_LOCAL_S2,  /* u1 local index, s2 constant (sinc_w, iinc_w) */
    JCVM_OPND_BR1,       /* s1 branch offset from the opcode */
    JCVM_OPND_BR2,       /* s2 branch offset from the opcode */
    JCVM_OPND_CP1,       /* u1 constant-pool index */
    JCVM_OPND_CP2,       /* u2 constant-pool index */
    JCVM_OPND_ATYPE,     /* u1 primitive array type (newarray) */
    JCVM_OPND_TYPE_CP2,  /* u1 atype, u2 cp index (checkcast, instanceof) */
    JCVM_OPND_IFACE,     /* u1 nargs, u2 cp index, u1 method token (invokeinterface) */
    JCVM_OPND_MN,        /* u1 mn (dup_x, swap_x) */
    JCVM_OPND_STABLESW,  /* s2 default, s2 low, s2 high, s2 offsets[high-low+1] */
    JCVM_OPND_ITABLESW,  /* s2 default, s4 low, s4 high, s2 offsets[high-low+1] */
    JCVM_OPND_SLOOKUPSW, /* s2 default, u2 npairs, {s2 match, s2 offset}[npairs] */
    JCVM_OPND_ILOOKUPSW, /* s2 default, u2 npairs, {s4 match, s2 offset}[npairs] */
} jcvm_opnd;

/* What a constant-pool operand must refer to (the CP entry's tag). */
typedef enum {
    JCVM_CPK_NONE = 0,
    JCVM_CPK_CLASS = 1,          /* CONSTANT_Classref */
    JCVM_CPK_INSTANCE_FIELD = 2, /* CONSTANT_InstanceFieldref */
    JCVM_CPK_VIRTUAL_METHOD = 3, /* CONSTANT_VirtualMethodref */
    JCVM_CPK_SUPER_METHOD = 4,   /* CONSTANT_SuperMethodref */
    JCVM_CPK_STATIC_FIELD = 5,   /* CONSTANT_StaticFieldref */
    JCVM_CPK_STATIC_METHOD = 6,  /* CONSTANT_StaticMethodref */
    JCVM_CPK_SPECIAL = 100,      /* invokespecial: static method or super method ref */
    JCVM_CPK_CLASS_OR_NONE = 101 /* checkcast/instanceof: class ref when atype is 14 */
} jcvm_cpkind;

enum {
    JCVM_OPF_INT = 1u << 0,      /* part of the optional int subset */
    JCVM_OPF_BRANCH = 1u << 1,   /* conditional or unconditional branch */
    JCVM_OPF_NOFALL = 1u << 2,   /* control never falls through to the next pc */
    JCVM_OPF_VARSTACK = 1u << 3, /* stack effect depends on operands/CP entry */
    JCVM_OPF_STORE = 1u << 4,    /* writes the local of its operand / suffix */
    JCVM_OPF_INVOKE = 1u << 5,
    JCVM_OPF_RETURN = 1u << 6,
    JCVM_OPF_SWITCH = 1u << 7,
    JCVM_OPF_RESERVED = 1u << 8, /* impdep1/impdep2: never valid in a CAP */
};

typedef struct {
    uint8_t opcode;
    const char *mnemonic; /* NULL: opcode undefined */
    jcvm_opnd opnd;
    uint8_t len; /* total length incl. the opcode; 0 for switches */
    jcvm_cpkind cpkind;
    const char *pops;   /* types popped, deepest first */
    const char *pushes; /* types pushed, deepest first */
    int8_t local;       /* implicit local index (aload_2 -> 2), -1 none */
    char local_type;    /* 'a', 's', 'I', 0 none: type of the local accessed */
    unsigned flags;
} jcvm_opinfo;

/* Row for an opcode; mnemonic NULL when undefined. Never NULL itself. */
const jcvm_opinfo *jcvm_op(uint8_t opcode);
/* Row by .jca mnemonic, or NULL. */
const jcvm_opinfo *jcvm_op_by_name(const char *mnemonic);

/* Length of the instruction at code[pc] within code[0..len): the opcode plus
 * operands, switches included. Returns 0 when the opcode is undefined or the
 * instruction does not fit (truncated, negative switch range). */
size_t jcvm_insn_len(const uint8_t *code, size_t len, size_t pc);

/* Opcodes the rest of the VM refers to by name. */
enum {
    JCVM_OP_NOP = 0x00,
    JCVM_OP_STABLESWITCH = 0x73,
    JCVM_OP_ITABLESWITCH = 0x74,
    JCVM_OP_SLOOKUPSWITCH = 0x75,
    JCVM_OP_ILOOKUPSWITCH = 0x76,
    JCVM_OP_INVOKEVIRTUAL = 0x8B,
    JCVM_OP_INVOKESPECIAL = 0x8C,
    JCVM_OP_INVOKESTATIC = 0x8D,
    JCVM_OP_INVOKEINTERFACE = 0x8E,
    JCVM_OP_NEW = 0x8F,
    JCVM_OP_NEWARRAY = 0x90,
    JCVM_OP_ANEWARRAY = 0x91,
    JCVM_OP_CHECKCAST = 0x94,
    JCVM_OP_INSTANCEOF = 0x95,
    JCVM_OP_IMPDEP1 = 0xFE,
    JCVM_OP_IMPDEP2 = 0xFF,
};

/* Primitive array types of newarray / checkcast / instanceof. */
enum {
    JCVM_T_CLASS = 0, /* checkcast/instanceof: the class or interface in the CP */
    JCVM_T_BOOLEAN = 10,
    JCVM_T_BYTE = 11,
    JCVM_T_SHORT = 12,
    JCVM_T_INT = 13,
    JCVM_T_REFERENCE = 14, /* checkcast/instanceof only: array of the class in the CP */
};

/* Name of an atype ("T_BYTE"), or NULL. */
const char *jcvm_atype_name(uint8_t atype);

#endif
