"""OCTT 3.21 — Security: the connection (security profiles 1-3, the suite plays the charge point).

The suite's charge point connects as the descriptor's security profile says and judges the Central System's side of
each handshake: that it takes the right credentials and certificates, and that it refuses the wrong ones (the SUITE_
probes: a wrong password, TLS 1.1, bad client certificates).
"""

from cryptography import x509

from conformance import case
from conformance import certificates as certs
from conformance.connections import csms_refuses_tls_1_1
from conformance.credentials import new_password
from conformance.ocpp16.roles.security import REQ_TLS, connect_station, connection_handshake
from conformance.pki import bad_certificate, ssl_context_for, test_pki_for
from conformance.tls_contexts import tls_problems
from conformance.transport import HandshakeRefused, TlsFailure

SECTION = "Security"


async def _reconnected(station, why: str) -> int:
    """A new connection of the suite's charge point, booted; a refusal fails the case (the descriptor's credentials
    are what the case is about)."""
    await station.link.start()
    await station.link.endpoint.disconnect()
    await connect_station(station, why)
    await station.boot()
    return station.peer.connection_no


async def _refused(link, label: str, **connect) -> str:
    """Open an extra connection the CSMS must refuse; returns how it refused, fails the case when it did not."""
    try:
        ws = await link.endpoint.connect(attach=False, **connect)
    except HandshakeRefused as exc:
        return f"HTTP {exc.status}"
    except TlsFailure as exc:
        return f"TLS: {exc.reason}"
    await ws.close()
    raise AssertionError(f"[behaviour] the Central System accepted a connection with {label}; it SHALL refuse it")


@case("TC_085_CSMS", "Basic Authentication - Valid username/password combination",
      spec="OCPP 1.6 security white paper edition 3: security profiles 1 and 2 (A00.FR.2xx, A00.FR.3xx), "
           "configuration key AuthorizationKey; OCPP-J 1.6 §6.2; RFC 7617",
      requirement="The Central System SHALL accept a connection whose HTTP Basic credentials are the charge point's "
                  "identity and its password (the bytes the AuthorizationKey represents).",
      needs=("security_profile:1|2",))
async def test_basic_authentication(station):
    await _reconnected(station, "its valid HTTP Basic credentials")


@case("SUITE_SEC_101", "Wrong HTTP Basic credentials are refused",
      spec="OCPP 1.6 security white paper edition 3: A00 security profiles 1 and 2 (the Central System checks the credentials and "
           "refuses the connection otherwise), A00.FR.204 (the user name is the identity); RFC 7617",
      requirement="The Central System SHALL refuse a connection with a wrong password, without credentials, or whose "
                  "Basic-auth user name is not the charge point's identity.",
      needs=("security_profile:1|2",))
async def test_wrong_credentials_refused(csms, conformance_iut, descriptor):
    link = conformance_iut
    ways = {
        "a wrong password": {"password": new_password()},
        "no credentials": {"password": None},
        "a user name that is not the charge point's identity": {"basic_user": f"not-{descriptor.identity}"},
    }
    for label, connect in ways.items():
        how = await _refused(link, label, **connect)
        link.wire.event("note", refused=f"{label}: {how}")


@case("TC_086_CSMS", "TLS - server-side certificate - Valid certificate",
      spec="OCPP 1.6 security white paper edition 3: security profile 2 (A00.FR.3xx), TLS (A00.FR.316-318), "
           "certificate properties (A00.FR.501-510)",
      requirement="The Central System SHALL present a valid server certificate for its host name, with a key of the "
                  "required strength, over TLS 1.2 or higher with one of the white paper's cipher suites.",
      needs=("security_profile:2|3",))
async def test_tls_server_certificate(station, conformance_iut):
    link = conformance_iut
    number = await _reconnected(station, "TLS to its server certificate")
    handshake = connection_handshake(link, number)
    problems = tls_problems((handshake.data if handshake else {}).get("tls"), "the Central System's TLS session")
    assert not problems, f"[behaviour] {problems[0]}\n  requirement: {REQ_TLS}"
    der = link.endpoint.peer_certificates.get(number)
    certificate = x509.load_der_x509_certificate(der)
    weak = certs.key_strength_problems(certificate.public_key(), "the server certificate")
    assert not weak, f"[behaviour] {weak[0]}"


@case("SUITE_SEC_102", "A charge point that offers only TLS 1.1 is refused",
      spec="OCPP 1.6 security white paper edition 3: A00.FR.312/314 (TLS 1.2 or higher; the Central System "
           "terminates a connection of a lower version)",
      requirement="The Central System SHALL NOT establish a TLS connection with a charge point that offers only a "
                  "TLS version below 1.2.",
      needs=("security_profile:2|3", "tls_material:generated"))
async def test_tls_1_1_refused(csms, conformance_iut):
    await csms_refuses_tls_1_1(conformance_iut, who="the Central System",
                               requirement="it SHALL refuse TLS versions below 1.2 (A00.FR.312/314)")


@case("TC_087_CSMS", "TLS - Client-side certificate - valid certificate",
      spec="OCPP 1.6 security white paper edition 3: security profile 3 (A00.FR.4xx: the Central System verifies "
           "the charge point certificate, A00.FR.405 its CN)",
      requirement="The Central System SHALL accept a connection whose TLS client certificate is valid, issued under "
                  "the CA it trusts for charge points, with the charge point's identity as CN.",
      needs=("security_profile:3",))
async def test_tls_client_certificate(station):
    await _reconnected(station, "its valid client certificate")


@case("SUITE_SEC_103", "Invalid client certificates are refused",
      spec="OCPP 1.6 security white paper edition 3: A00 security profile 3, A00.FR.404/405 (the Central System verifies the charge "
           "point certificate: its chain, validity and CN)",
      requirement="The Central System SHALL refuse a connection whose client certificate has expired, is issued by a "
                  "CA it does not trust, or names another charge point in its CN.",
      needs=("security_profile:3", "tls_material:generated"))
async def test_invalid_client_certificates_refused(csms, conformance_iut):
    link = conformance_iut
    pki = test_pki_for(link.descriptor)
    kinds = {"expired": "an expired client certificate",
             "foreign_ca": "a client certificate from a CA it does not trust",
             "wrong_name": "a client certificate whose CN is not the charge point's identity"}
    for kind, label in kinds.items():
        context = ssl_context_for(link.descriptor, profile=3, client_cert=bad_certificate(pki, "client", kind))
        how = await _refused(link, label, ssl_context=context)
        link.wire.event("note", refused=f"{label}: {how}")
