/*
 * jcc_profile.c: each card profile's algorithm set, as data. getInstance and
 * buildKey of anything not listed here throw NO_SUCH_ALGORITHM, as the card
 * does.
 *
 * Source: the JCAlgTest measurements of real JCOP 2.4.x cards, published in
 * the repository crocs-muni/jcalgtest_results (snapshot 76b01cf3, folder
 * javacard/Profiles/results/, the ALGSUPPORT CSVs). No J2A040 was measured:
 * the JCOP 2.4.1 set is what every measured JCOP 2.4.1 card of the J2A080,
 * J3A080, CJ2A081, CJ3A081, J3A081 and "JCOP31 v2.4.1 72K" files reports
 * (inferred for the J2A040: same OS, smaller EEPROM). The JCOP 2.4.2 R3 set is
 * the "NXP J2E145G" file (JCOP 2.4.2 R3, 145 KB), which agrees with the J2E081,
 * "JCOP21 v2.4.2R3", Feitian J3E081 and J2D081/J3D081 (2.4.2 R2) files. Rows
 * where only the old 1.6.0 AlgTest client disagrees (CRC32 yes, EC 224/256
 * key pairs error) follow the newer clients. simulator/FIDELITY.md lists the
 * same sources and the algorithms a card has that the engine lacks.
 */
#include "jcc_int.h"

#include <stddef.h>

/* A list of algorithm numbers ends with 0. */
typedef struct {
    const uint8_t *cipher, *signature, *digest, *random, *keyagreement, *checksum;
    const uint16_t *des, *aes, *seed, *hmac, *rsa_pub, *rsa_priv, *rsa_crt, *ec;
    const uint16_t *kp_rsa, *kp_rsa_crt, *kp_ec;
    const char *name;
} jcc_profile_def;

static const uint16_t DES_LENGTHS[] = {64, 128, 192, 0};
static const uint16_t AES_LENGTHS[] = {128, 192, 256, 0};
static const uint16_t SEED_LENGTHS[] = {128, 0};
static const uint16_t RSA_ALL[] = {512, 736, 768, 896, 1024, 1280, 1536, 1984, 2048, 0};
static const uint16_t RSA_NO736[] = {512, 768, 896, 1024, 1280, 1536, 1984, 2048, 0};
/* EC keys: 320 was measured "yes" on every client that tested it. */
static const uint16_t EC_KEYS[] = {128, 160, 192, 224, 256, 320, 0};
static const uint16_t EC_PAIRS[] = {128, 160, 192, 224, 256, 0};
static const uint16_t NONE16[] = {0};

static const uint8_t JCOP241_CIPHER[] = {JCC_CIPHER_DES_CBC_NOPAD,
                                         JCC_CIPHER_DES_CBC_ISO9797_M1,
                                         JCC_CIPHER_DES_CBC_ISO9797_M2,
                                         JCC_CIPHER_DES_CBC_PKCS5,
                                         JCC_CIPHER_DES_ECB_NOPAD,
                                         JCC_CIPHER_DES_ECB_ISO9797_M1,
                                         JCC_CIPHER_DES_ECB_ISO9797_M2,
                                         JCC_CIPHER_RSA_PKCS1,
                                         JCC_CIPHER_RSA_NOPAD,
                                         JCC_CIPHER_AES_BLOCK_128_CBC_NOPAD,
                                         JCC_CIPHER_AES_BLOCK_128_ECB_NOPAD,
                                         JCC_CIPHER_KOREAN_SEED_ECB_NOPAD,
                                         JCC_CIPHER_KOREAN_SEED_CBC_NOPAD,
                                         0};
static const uint8_t JCOP242_CIPHER[] = {JCC_CIPHER_DES_CBC_NOPAD,
                                         JCC_CIPHER_DES_CBC_ISO9797_M1,
                                         JCC_CIPHER_DES_CBC_ISO9797_M2,
                                         JCC_CIPHER_DES_ECB_NOPAD,
                                         JCC_CIPHER_DES_ECB_ISO9797_M1,
                                         JCC_CIPHER_DES_ECB_ISO9797_M2,
                                         JCC_CIPHER_RSA_PKCS1,
                                         JCC_CIPHER_RSA_NOPAD,
                                         JCC_CIPHER_AES_BLOCK_128_CBC_NOPAD,
                                         JCC_CIPHER_AES_BLOCK_128_ECB_NOPAD,
                                         JCC_CIPHER_KOREAN_SEED_ECB_NOPAD,
                                         JCC_CIPHER_KOREAN_SEED_CBC_NOPAD,
                                         0};
static const uint8_t JCOP241_SIG[] = {JCC_SIG_DES_MAC8_NOPAD,
                                      JCC_SIG_DES_MAC8_ISO9797_M1,
                                      JCC_SIG_DES_MAC8_ISO9797_M2,
                                      JCC_SIG_DES_MAC8_ISO9797_1_M2_ALG3,
                                      JCC_SIG_RSA_SHA_ISO9796,
                                      JCC_SIG_RSA_SHA_PKCS1,
                                      JCC_SIG_RSA_MD5_PKCS1,
                                      JCC_SIG_ECDSA_SHA,
                                      JCC_SIG_AES_MAC_128_NOPAD,
                                      JCC_SIG_KOREAN_SEED_MAC_NOPAD,
                                      0};
static const uint8_t JCOP242_SIG[] = {JCC_SIG_DES_MAC8_NOPAD,
                                      JCC_SIG_DES_MAC8_ISO9797_M1,
                                      JCC_SIG_DES_MAC8_ISO9797_M2,
                                      JCC_SIG_DES_MAC8_ISO9797_1_M2_ALG3,
                                      JCC_SIG_RSA_SHA_ISO9796,
                                      JCC_SIG_RSA_SHA_PKCS1,
                                      JCC_SIG_RSA_MD5_PKCS1,
                                      JCC_SIG_ECDSA_SHA,
                                      JCC_SIG_AES_MAC_128_NOPAD,
                                      JCC_SIG_KOREAN_SEED_MAC_NOPAD,
                                      JCC_SIG_RSA_SHA_PKCS1_PSS,
                                      JCC_SIG_ECDSA_SHA_256,
                                      JCC_SIG_ECDSA_SHA_224,
                                      JCC_SIG_RSA_SHA_256_PKCS1,
                                      JCC_SIG_RSA_SHA_224_PKCS1_PSS,
                                      JCC_SIG_RSA_SHA_256_PKCS1_PSS,
                                      0};
static const uint8_t JCOP241_MD[] = {JCC_MD_SHA, JCC_MD_MD5, JCC_MD_SHA_256, 0};
static const uint8_t JCOP242_MD[] = {JCC_MD_SHA, JCC_MD_MD5, JCC_MD_SHA_256, JCC_MD_SHA_224, 0};
static const uint8_t RANDOM_BOTH[] = {JCC_RANDOM_PSEUDO, JCC_RANDOM_SECURE, 0};
static const uint8_t JCOP241_KA[] = {JCC_KA_EC_SVDP_DH, JCC_KA_EC_SVDP_DHC, 0};
static const uint8_t JCOP242_KA[] = {JCC_KA_EC_SVDP_DH, JCC_KA_EC_SVDP_DH_PLAIN, 0};
static const uint8_t CRC16_ONLY[] = {JCC_CHECKSUM_ISO3309_CRC16, 0};

/* Everything the engine implements (JCC_PROFILE_ALL). */
static const uint8_t ALL_CIPHER[] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16, 17, 0};
static const uint8_t ALL_SIG[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 13, 17, 18,
                                  19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 32, 33, 34,
                                  35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 0};
static const uint8_t ALL_MD[] = {1, 2, 3, 4, 5, 6, 7, 0};
static const uint8_t ALL_KA[] = {1, 2, 3, 4, 0};
static const uint8_t ALL_CHECKSUM[] = {1, 2, 0};
static const uint16_t HMAC_LENGTHS[] = {64, 128, 0};
static const uint16_t EC_ALL[] = {112, 128, 160, 192, 224, 256, 320, 384, 0};

static const jcc_profile_def PROFILES[] = {
    [JCC_PROFILE_JCOP241] =
        {
            .name = "JCOP 2.4.1",
            .cipher = JCOP241_CIPHER,
            .signature = JCOP241_SIG,
            .digest = JCOP241_MD,
            .random = RANDOM_BOTH,
            .keyagreement = JCOP241_KA,
            .checksum = CRC16_ONLY,
            .des = DES_LENGTHS,
            .aes = AES_LENGTHS,
            .seed = SEED_LENGTHS,
            .hmac = NONE16,
            .rsa_pub = RSA_ALL,
            .rsa_priv = RSA_ALL,
            .rsa_crt = RSA_NO736,
            .ec = EC_KEYS,
            .kp_rsa = NONE16,
            .kp_rsa_crt = RSA_NO736,
            .kp_ec = EC_PAIRS,
        },
    [JCC_PROFILE_JCOP242R3] =
        {
            .name = "JCOP 2.4.2 R3",
            .cipher = JCOP242_CIPHER,
            .signature = JCOP242_SIG,
            .digest = JCOP242_MD,
            .random = RANDOM_BOTH,
            .keyagreement = JCOP242_KA,
            .checksum = CRC16_ONLY,
            .des = DES_LENGTHS,
            .aes = AES_LENGTHS,
            .seed = SEED_LENGTHS,
            .hmac = NONE16,
            .rsa_pub = RSA_ALL,
            .rsa_priv = RSA_ALL,
            .rsa_crt = RSA_ALL,
            .ec = EC_KEYS,
            .kp_rsa = RSA_ALL,
            .kp_rsa_crt = RSA_ALL,
            .kp_ec = EC_PAIRS,
        },
    [JCC_PROFILE_ALL] =
        {
            .name = "all engine algorithms",
            .cipher = ALL_CIPHER,
            .signature = ALL_SIG,
            .digest = ALL_MD,
            .random = RANDOM_BOTH,
            .keyagreement = ALL_KA,
            .checksum = ALL_CHECKSUM,
            .des = DES_LENGTHS,
            .aes = AES_LENGTHS,
            .seed = SEED_LENGTHS,
            .hmac = HMAC_LENGTHS,
            .rsa_pub = RSA_ALL,
            .rsa_priv = RSA_ALL,
            .rsa_crt = RSA_ALL,
            .ec = EC_ALL,
            .kp_rsa = RSA_ALL,
            .kp_rsa_crt = RSA_ALL,
            .kp_ec = EC_ALL,
        },
};

/* Algorithms a card has but the engine does not implement: a card profile
 * lists them (they are facts), getInstance still refuses them. (None today:
 * ALG_RSA_SHA_ISO9796 was the last.) */
static bool engine_lacks(jcc_api api, int alg)
{
    (void)api;
    (void)alg;
    return false;
}

static bool in8(const uint8_t *list, int v)
{
    for (; list != NULL && *list != 0; list++)
        if (*list == v)
            return true;
    return false;
}

static bool in16(const uint16_t *list, int v)
{
    for (; list != NULL && *list != 0; list++)
        if (*list == v)
            return true;
    return false;
}

bool jcc_profile_supports(jcc_profile p, jcc_api api, int alg, int bits)
{
    if ((unsigned)p > JCC_PROFILE_ALL || engine_lacks(api, alg))
        return false;
    const jcc_profile_def *d = &PROFILES[p];
    switch (api) {
    case JCC_API_CIPHER:
        return in8(d->cipher, alg);
    case JCC_API_SIGNATURE:
        return in8(d->signature, alg);
    case JCC_API_DIGEST:
        return in8(d->digest, alg);
    case JCC_API_RANDOM:
        return in8(d->random, alg);
    case JCC_API_KEYAGREEMENT:
        return in8(d->keyagreement, alg);
    case JCC_API_CHECKSUM:
        return in8(d->checksum, alg);
    case JCC_API_KEYPAIR:
        switch (alg) {
        case JCC_KEYPAIR_RSA:
            return in16(d->kp_rsa, bits);
        case JCC_KEYPAIR_RSA_CRT:
            return in16(d->kp_rsa_crt, bits);
        case JCC_KEYPAIR_EC_FP:
            return in16(d->kp_ec, bits);
        default:
            return false;
        }
    case JCC_API_KEY:
        if (!jcc_type_valid(alg, bits))
            return false;
        switch (jcc_type_family(alg)) {
        case JCC_FAM_DES:
            return in16(d->des, bits);
        case JCC_FAM_AES:
            return in16(d->aes, bits);
        case JCC_FAM_SEED:
            return in16(d->seed, bits);
        case JCC_FAM_HMAC:
            return in16(d->hmac, bits);
        case JCC_FAM_RSA_PUB:
            return in16(d->rsa_pub, bits);
        case JCC_FAM_RSA_PRIV:
            return in16(d->rsa_priv, bits);
        case JCC_FAM_RSA_CRT:
            return in16(d->rsa_crt, bits);
        case JCC_FAM_EC_PUB:
        case JCC_FAM_EC_PRIV:
            return in16(d->ec, bits);
        default:
            return false;
        }
    }
    return false;
}

const char *jcc_profile_name(jcc_profile p)
{
    return (unsigned)p <= JCC_PROFILE_ALL ? PROFILES[p].name : "?";
}
