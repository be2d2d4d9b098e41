"""OCTT A — TLS - server-side certificate (the suite plays the charging station; Part 2 A00 security profile 2)."""

from cryptography import x509

from conformance import case
from conformance import certificates as certs
from conformance.connections import csms_refuses_tls_1_1
from conformance.tls_contexts import tls_problems
from conformance.transport import HandshakeRefused, TlsFailure

SECTION = "Security"

REQ_TLS = ("At security profiles 2 and 3 the CSMS SHALL serve TLS 1.2 or higher, with TLS 1.2 one of the cipher "
           "suites of Part 2 A00 (TLS_ECDHE_ECDSA_WITH_AES_128/256_GCM_SHA256/384, and the RSA ones), and present a "
           "valid server certificate for its host name with a key of the required strength (Part 2 A00.FR.3xx, "
           "A00.FR.5xx).")
REQ_TLS_VERSION = ("The CSMS SHALL NOT establish a TLS connection with a charging station that offers only a TLS "
                   "version below 1.2 (Part 2 A00: TLS 1.2 or higher).")


@case("TC_A_04_CSMS", "TLS - server-side certificate - Valid certificate", profile="core",
      spec="OCPP 2.0.1 Part 2 A00 (security profile 2); Part 4 §6",
      requirement=REQ_TLS,
      needs=("security_profile:2|3",))
async def test_valid_server_certificate(conformance_iut, station):
    link = conformance_iut
    await link.start()
    try:  # the certificate is verified against the descriptor's CA and host name: a failure fails the case
        await station.reconnect()
    except (HandshakeRefused, TlsFailure) as exc:
        raise AssertionError(f"[behaviour] the station could not connect over TLS to the CSMS's server certificate: "
                             f"{exc}\n  requirement: {REQ_TLS}") from None
    await station.boot_now(reason="PowerUp")
    number = station.peer.connection_no
    handshake = next((r for r in link.wire.records if r.event == "handshake" and r.connection == number), None)
    problems = tls_problems((handshake.data if handshake else {}).get("tls"), "the CSMS's TLS session")
    assert not problems, f"[behaviour] {problems[0]}\n  requirement: {REQ_TLS}"
    certificate = x509.load_der_x509_certificate(link.endpoint.peer_certificates[number])
    weak = certs.key_strength_problems(certificate.public_key(), "the server certificate")
    assert not weak, f"[behaviour] {weak[0]}\n  requirement: {REQ_TLS}"


@case("TC_A_06_CSMS", "TLS - server-side certificate - TLS version too low", profile="core",
      spec="OCPP 2.0.1 Part 2 A00 (TLS 1.2 or higher)",
      requirement=REQ_TLS_VERSION,
      needs=("security_profile:2|3", "tls_material:generated"))
async def test_tls_version_too_low(csms, conformance_iut):
    await csms_refuses_tls_1_1(conformance_iut, who="the CSMS", requirement=REQ_TLS_VERSION)
