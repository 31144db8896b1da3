import unittest

from oxbench.openssl import parse_sign_rate

# `openssl speed -seconds 1 rsa2048` stdout, OpenSSL 3.0.19 (Debian), this machine
# (compiler line shortened).
OPENSSL_3_0 = """\
version: 3.0.19
built on: Fri Apr  3 12:29:32 2026 UTC
options: bn(64,64)
compiler: gcc -fPIC -pthread -m64 -Wa,--noexecstack -Wall -O2 -DOPENSSL_USE_NODELETE -DL_ENDIAN
CPUINFO: OPENSSL_ia32cap=0xfffa32034f8bffff:0x1a415f46f1bf2ffb
                  sign    verify    sign/s verify/s
rsa 2048 bits 0.000415s 0.000024s   2409.7  41205.9
"""

# `openssl speed rsa2048`, OpenSSL 3.6.1 (arm64): encrypt/decrypt columns,
# a two-space label, then the KEM and signature tables of 3.5+.
OPENSSL_3_6 = """\
version: 3.6.1
built on: Tue Jan 27 13:33:54 2026 UTC
options: bn(64,64)
compiler: clang -fPIC -arch arm64 -O3 -Wall -DL_ENDIAN -DOPENSSL_PIC -D_REENTRANT -DNDEBUG
CPUINFO: OPENSSL_armcap=0x987d
                   sign    verify    encrypt   decrypt   sign/s verify/s  encr./s  decr./s
rsa  2048 bits 0.000327s 0.000008s 0.000009s 0.000333s   3060.5 120935.7 115218.9   2999.4
                               keygen    encaps    decaps keygens/s  encaps/s  decaps/s
                    rsa2048 0.025462s 0.000009s 0.000332s      39.3  106302.6    3012.7
                               keygen     signs    verify keygens/s    sign/s  verify/s
                    rsa2048 0.025833s 0.000335s 0.000008s      38.7    2989.2  118107.3
"""

# OpenSSL 3.5.6 (x86_64, with a QAT engine), same layout.
OPENSSL_3_5 = """\
version: 3.5.6
options: bn(64,64)
                   sign    verify    encrypt   decrypt   sign/s verify/s  encr./s  decr./s
rsa  2048 bits 0.000017s 0.000003s 0.000003s 0.000017s  59355.3 367271.7 286927.3  59370.1
                               keygen    encaps    decaps keygens/s  encaps/s  decaps/s
                    rsa2048 0.034757s 0.000004s 0.000017s      28.8  237510.5   59290.0
"""


class ParseSignRateTest(unittest.TestCase):
    def test_openssl_3_0_without_encrypt_columns(self):
        self.assertEqual(parse_sign_rate(OPENSSL_3_0), 2409.7)

    def test_openssl_3_6_with_encrypt_columns(self):
        self.assertEqual(parse_sign_rate(OPENSSL_3_6), 3060.5)

    def test_openssl_3_5_with_encrypt_columns(self):
        self.assertEqual(parse_sign_rate(OPENSSL_3_5), 59355.3)

    def test_signature_table_alone(self):
        lines = OPENSSL_3_6.splitlines()
        self.assertEqual(parse_sign_rate("\n".join(lines[-2:])), 2989.2)

    def test_kem_table_is_not_read_as_signatures(self):
        # The KEM header has no sign/s: its rsa2048 row must not be read
        # with the previous table's column.
        lines = OPENSSL_3_6.splitlines()
        with self.assertRaises(ValueError):
            parse_sign_rate("\n".join([lines[5]] + lines[7:9]))  # classic header, KEM table

    def test_other_key_sizes_are_ignored(self):
        text = OPENSSL_3_0.replace("rsa 2048 bits", "rsa 4096 bits")
        with self.assertRaises(ValueError):
            parse_sign_rate(text)

    def test_garbage(self):
        for text in ("", "speed: Unknown algorithm rsa2048\n", OPENSSL_3_0.replace("2409.7", "n/a")):
            with self.assertRaises(ValueError, msg=text):
                parse_sign_rate(text)


if __name__ == "__main__":
    unittest.main()
