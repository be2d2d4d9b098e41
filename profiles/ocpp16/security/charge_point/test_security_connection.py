"""OCTT 2.24 — Security: the connection (security profiles 1-3, the suite plays the Central System).

Each case makes the charger open a new connection and judges that one: its HTTP Basic credentials, its TLS session,
its certificate. A charger that cannot connect as required is refused by the suite's server, and the reasons of the
refusals are the evidence.
"""

from cryptography import x509

from conformance import case
from conformance import certificates as certs
from conformance.errors import Inconclusive
from conformance.ocpp16.roles.security import (
    REQ_TLS,
    connection_handshake,
    fresh_connection,
    server_pair,
    serving,
    watch_attempts,
)
from conformance.tls_contexts import tls_problems, weak_server_context

SECTION = "Security"


@case("TC_085_CS", "Basic Authentication - Valid username/password combination",
      spec="OCPP 1.6 security white paper edition 3: security profile 1 and 2 (A00.FR.2xx, A00.FR.3xx), "
           "configuration key AuthorizationKey; OCPP-J 1.6 §6.2; RFC 7617",
      requirement="With security profile 1 or 2 the Charge Point SHALL authenticate every connection with HTTP Basic "
                  "authentication: the user name is its identity and the password the bytes the AuthorizationKey "
                  "represents (A00.FR.204).",
      needs=("security_profile:1|2",))
async def test_basic_authentication(conformance_iut):
    number = await fresh_connection(conformance_iut, "with its HTTP Basic credentials")
    handshake = connection_handshake(conformance_iut, number)
    assert handshake is not None and handshake.data.get("basic_auth"), (
        f"[behaviour] the charge point's connection #{number} carries no HTTP Basic credentials")


@case("TC_086_CS", "TLS - server-side certificate - Valid certificate",
      spec="OCPP 1.6 security white paper edition 3: security profile 2 (A00.FR.3xx), TLS (A00.FR.312-318)",
      requirement="With security profile 2 or 3 the Charge Point SHALL connect over TLS 1.2 or higher with one of the "
                  "white paper's cipher suites and accept the Central System's valid server certificate.",
      needs=("security_profile:2|3",))
async def test_tls_server_certificate(conformance_iut):
    number = await fresh_connection(conformance_iut, "over TLS to the Central System's valid certificate")
    handshake = connection_handshake(conformance_iut, number)
    problems = tls_problems((handshake.data if handshake else {}).get("tls"), f"the charge point's connection #{number}")
    assert not problems, f"[behaviour] {problems[0]}\n  requirement: {REQ_TLS}"


@case("TC_087_CS", "TLS - Client-side certificate - valid certificate",
      spec="OCPP 1.6 security white paper edition 3: security profile 3 (A00.FR.4xx), certificate properties "
           "(A00.FR.501-511)",
      requirement="With security profile 3 the Charge Point SHALL present its client certificate in the TLS "
                  "handshake: issued under the CA the Central System trusts, its CN the charge point's identity "
                  "(serial number), O the CPO's organization, with a key of the required strength.",
      needs=("security_profile:3",))
async def test_tls_client_certificate(charge_point, booted, conformance_iut, descriptor):
    link = conformance_iut
    number = await fresh_connection(link, "with a client certificate the Central System trusts")
    der = link.endpoint.peer_certificates.get(number)
    assert der is not None, f"[behaviour] the charge point presented no client certificate on connection #{number}"
    certificate = x509.load_der_x509_certificate(der)
    problems = certs.client_certificate_problems(certificate, expected_cn=descriptor.identity)
    assert not problems, (
        f"[behaviour] the charge point's client certificate ({certificate.subject.rfc4514_string()}): {problems[0]}")


@case("SUITE_SEC_001", "A Central System that offers only TLS 1.1 is refused",
      spec="OCPP 1.6 security white paper edition 3: A00.FR.312/313 (TLS 1.2 or higher), A00.FR.315 (the Charge "
           "Point SHALL terminate the connection when the Central System offers a lower version)",
      requirement="The Charge Point SHALL NOT establish a connection with a Central System that speaks only a TLS "
                  "version below 1.2.",
      needs=("security_profile:2|3",))
async def test_tls_1_1_refused(charge_point, booted, conformance_iut, timeouts):
    link = conformance_iut
    cert, key = server_pair(link)
    since, mark = link.wire.last_seq, link.endpoint.tls_mark()
    async with serving(link, ssl_context=weak_server_context(cert, key)):
        attempts = await watch_attempts(link, since, mark, first_within=timeouts.connect, then=timeouts.settle)
    accepted = [r for r in attempts if r.event == "handshake" and r.data.get("status") == 101]
    assert not accepted, (
        f"[behaviour] the charge point connected (#{accepted[0].seq}) to a Central System that speaks only TLS 1.1; "
        "it must refuse TLS versions below 1.2")
    if not attempts:
        raise Inconclusive("the charge point tries to connect", f"it made no connection attempt within "
                           f"{timeouts.connect:g} s after the suite closed its connection")
    await fresh_connection(link, "again over TLS 1.2 or higher")
