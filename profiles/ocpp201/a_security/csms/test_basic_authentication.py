"""OCTT A — Basic Authentication (the suite plays the charging station; Part 2 A00 security profiles 1 and 2)."""

from conformance import case
from conformance.credentials import new_password
from conformance.ocpp201.csms_checks import connection_refused
from conformance.transport import HandshakeRefused

SECTION = "Security"

REQ_REFUSE = ("At security profiles 1 and 2 the CSMS SHALL accept a connection only with HTTP Basic credentials "
              "whose user name is the charging station's identity and whose password is its BasicAuthPassword "
              "(Part 2 A00.FR.2xx/3xx, A00.FR.204; RFC 7617).")


@case("TC_A_01_CSMS", "Basic Authentication - Valid username/password combination", profile="core",
      spec="OCPP 2.0.1 Part 2 A00 (security profiles 1 and 2); Part 4 §6; RFC 7617",
      requirement="The CSMS SHALL accept a connection whose HTTP Basic credentials are the charging station's identity "
                  "and its BasicAuthPassword, and then register the station.",
      needs=("security_profile:1|2",))
async def test_valid_credentials(conformance_iut, station):
    await conformance_iut.start()
    try:  # a refusal fails the case: the descriptor's credentials are what it is about
        await station.reconnect()
    except HandshakeRefused as exc:
        raise AssertionError(f"[behaviour] the CSMS refused the connection with the station's valid HTTP Basic "
                             f"credentials (HTTP {exc.status})\n  requirement: {REQ_REFUSE}") from None
    await station.boot_now(reason="PowerUp")


@case("TC_A_02_CSMS", "Basic Authentication - Username does not equal ChargingStationId", profile="core",
      spec="OCPP 2.0.1 Part 2 A00.FR.204; RFC 7617",
      requirement=REQ_REFUSE,
      needs=("security_profile:1|2",))
async def test_user_name_not_identity(csms, conformance_iut, descriptor):
    await connection_refused(conformance_iut, "a Basic-auth user name that is not the station's identity",
                             basic_user=f"not-{descriptor.identity}")


@case("TC_A_03_CSMS", "Basic Authentication - Invalid password", profile="core",
      spec="OCPP 2.0.1 Part 2 A00 (security profiles 1 and 2); RFC 7617",
      requirement=REQ_REFUSE,
      needs=("security_profile:1|2",))
async def test_invalid_password(csms, conformance_iut):
    await connection_refused(conformance_iut, "a wrong password", password=new_password())
