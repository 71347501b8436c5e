/*
 * test_profile.c: the card profiles as data (jc_profile.h): lookup and
 * iteration, and the consistency rules every profile must keep: the FCI's
 * 84 tag is the ISD AID, its 9F6E equals CPLC OSID || release date || level
 * (jcop-facts §8), the IDENTIFY fuse byte lies inside the bytes, named fields
 * and defaults lie inside the memory window and do not overlap, the KDD comes
 * from the CPLC, the CM_LIFECYCLE map follows DESIGN §4.
 */
#include "jc_test_util.h"

#include "jc_profile.h"

static void test_lookup(void **state)
{
    (void)state;
    assert_true(jc_profile_count() >= 2);
    assert_string_equal(jc_profile_default()->name, "J2A040");
    assert_ptr_equal(jc_profile_find("J2A040"), jc_profile_default());
    assert_non_null(jc_profile_find("J2E145"));
    assert_null(jc_profile_find("j2a040"));
    assert_null(jc_profile_find(NULL));
    assert_null(jc_profile_at(jc_profile_count()));
    assert_non_null(jc_profile_field(jc_profile_default(), "CM_KEY2"));
    assert_int_equal(jc_profile_field(jc_profile_default(), "CM_KEY2")->addr, 0xC00321);
    assert_null(jc_profile_field(jc_profile_default(), "NOPE"));
}

/* Find tag (1 or 2 bytes) inside a BER-TLV buffer, depth-first through the
 * constructed 6F and A5 templates. Returns the value pointer or NULL. */
static const uint8_t *tlv_find(const uint8_t *b, size_t n, unsigned tag, size_t *len)
{
    size_t i = 0;
    while (i < n) {
        unsigned t = b[i++];
        if ((t & 0x1F) == 0x1F && i < n)
            t = t << 8 | b[i++];
        if (i >= n)
            return NULL;
        size_t l = b[i++];
        if (l == 0x81 && i < n)
            l = b[i++];
        if (i + l > n)
            return NULL;
        if (t == tag) {
            *len = l;
            return b + i;
        }
        if (t == 0x6F || t == 0xA5) {
            const uint8_t *v = tlv_find(b + i, l, tag, len);
            if (v)
                return v;
        }
        i += l;
    }
    return NULL;
}

static void test_consistency(void **state)
{
    (void)state;
    for (size_t k = 0; k < jc_profile_count(); k++) {
        const jc_profile *p = jc_profile_at(k);
        size_t l = 0;
        /* FCI: 6F wraps the whole, 84 = ISD AID, 9F6E = CPLC[4..10) */
        assert_int_equal(p->fci[0], 0x6F);
        assert_int_equal(p->fci[1] + 2u, p->fci_len);
        const uint8_t *aid = tlv_find(p->fci, p->fci_len, 0x84, &l);
        assert_non_null(aid);
        assert_int_equal(l, p->isd_aid.len);
        assert_memory_equal(aid, p->isd_aid.b, l);
        const uint8_t *osid = tlv_find(p->fci, p->fci_len, 0x9F6E, &l);
        assert_non_null(osid);
        assert_int_equal(l, 6);
        assert_memory_equal(osid, p->cplc + 4, 6);
        /* FCI's 73 = card recognition data */
        const uint8_t *crd = tlv_find(p->fci, p->fci_len, 0x73, &l);
        assert_non_null(crd);
        assert_int_equal(l + 2, p->card_data_len);
        assert_memory_equal(crd - 2, p->card_data, p->card_data_len);
        /* SCP option: the 64 template ends with 02 i; the 65 and 66 templates
         * after it take 27 bytes */
        assert_int_equal(p->card_data[p->card_data_len - 27 - 1], p->scp02_i);
        /* IDENTIFY */
        assert_true(p->identify_fuse_offset < p->identify_len);
        assert_int_equal(p->identify[p->identify_fuse_offset], 0x00);
        /* fields inside the window and non-overlapping */
        for (size_t i = 0; i < p->n_fields; i++) {
            const jc_field *f = &p->fields[i];
            assert_true(f->addr >= JC_MEM_BASE && f->addr + f->len <= JC_MEM_END);
            for (size_t j = i + 1; j < p->n_fields; j++) {
                const jc_field *g = &p->fields[j];
                assert_true(f->addr + f->len <= g->addr || g->addr + g->len <= f->addr);
            }
        }
        for (size_t i = 0; i < p->n_mem_init; i++)
            assert_true(p->mem_init[i].addr >= JC_MEM_BASE &&
                        p->mem_init[i].addr + p->mem_init[i].len <= JC_MEM_END);
        /* KDD: 0000 || fabrication date || serial || batch */
        uint8_t kdd[JC_KDD_LEN];
        jc_profile_kdd(p, kdd);
        assert_int_equal(kdd[0] | kdd[1], 0);
        assert_memory_equal(kdd + 2, p->cplc + 10, 8);
        /* CM_LIFECYCLE map */
        bool mapped;
        assert_int_equal(jc_profile_card_lcs(p, 0x01, &mapped), 0x01);
        assert_true(mapped);
        assert_int_equal(jc_profile_card_lcs(p, 0x07, &mapped), 0x07);
        assert_int_equal(jc_profile_card_lcs(p, 0x0F, &mapped), 0x0F);
        assert_int_equal(jc_profile_card_lcs(p, 0x00, &mapped), 0x01);
        assert_false(mapped);
        assert_int_equal(p->default_kvn, 0xFF);
        assert_true(p->n_decisions > 0 && p->n_decisions <= JC_PROFILE_DECISIONS_MAX);
        for (size_t i = 0; i < p->n_decisions; i++)
            assert_non_null(p->decisions[i].what);
    }
}

static void test_profile_specifics(void **state)
{
    (void)state;
    const jc_profile *a = jc_profile_find("J2A040"), *e = jc_profile_find("J2E145");
    assert_int_equal(a->scp02_i, 0x15);
    assert_int_equal(e->scp02_i, 0x55);
    assert_int_equal(a->identify_len, 19);
    assert_int_equal(e->identify_len, 20);
    assert_string_equal(jc_label_name(a->fci_label), "confirmed");
    assert_string_equal(jc_label_name(a->cplc_label), "assumed");
}

/* Every CPLC date of every profile is YDDD (a BCD year digit and a day 001-365,
 * valid in any year) or 0000/FFFF (no date), so GlobalPlatformPro prints dates,
 * never "Invalid CPLC date" (CPLC.java). Offsets: OS release 6, IC fabrication
 * 10, module packaging 20, embedding 24, pre-personalization 28,
 * personalization 36 (jcop-facts §3 layout). */
static void test_cplc_dates(void **state)
{
    (void)state;
    static const size_t at[] = {6, 10, 20, 24, 28, 36};
    for (size_t i = 0; i < jc_profile_count(); i++) {
        const jc_profile *p = jc_profile_at(i);
        for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
            uint8_t hi = p->cplc[at[k]], lo = p->cplc[at[k] + 1];
            if ((hi == 0x00 && lo == 0x00) || (hi == 0xFF && lo == 0xFF))
                continue;
            int digits[4] = {hi >> 4, hi & 0x0F, lo >> 4, lo & 0x0F};
            for (int d = 0; d < 4; d++) {
                if (digits[d] > 9)
                    print_error("%s: CPLC date at %zu is not BCD\n", p->name, at[k]);
                assert_true(digits[d] <= 9);
            }
            int day = digits[1] * 100 + digits[2] * 10 + digits[3];
            if (day < 1 || day > 365)
                print_error("%s: CPLC date at %zu has day %d\n", p->name, at[k], day);
            assert_true(day >= 1 && day <= 365);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_consistency),
        cmocka_unit_test(test_profile_specifics),
        cmocka_unit_test(test_cplc_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
