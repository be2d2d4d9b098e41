"""Regenerates the sample summaries and wire logs under tests/data/reports*/ from `conformance.wire.Record`.

Run: .venv/bin/python tests/data/make_samples.py   (the outputs are committed; the tests only read them)
"""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1]))

from conformance.reporting.summary import verdict_totals, write_summary  # noqa: E402
from conformance.wire import Kind, Level, Record, Role, Violation, render_jsonl, render_text  # noqa: E402

IUT = "reference-charge-point"
T0 = 1_000.0


class Log:
    """Builds a case's records the way the recorder would."""

    def __init__(self, case_id: str, start_s: int = 0) -> None:
        self.case_id = case_id
        self.records: list[Record] = []
        self.t = start_s
        self.seq = start_s * 10

    def _stamp(self) -> tuple[float, str]:
        self.t += 1
        ms = (self.t * 137) % 1000
        return T0 + self.t + ms / 1000, f"2026-11-21T10:{(self.t // 60) % 60:02d}:{self.t % 60:02d}.{ms:03d}Z"

    def frame(self, from_iut: bool, raw: str, *, violations: list[Violation] = (), parse_error: str | None = None,
              deliberate: bool = False) -> Record:
        mono, wall = self._stamp()
        self.seq += 1
        try:
            msg = json.loads(raw)
        except ValueError:
            msg = None
        mtype = msg[0] if isinstance(msg, list) and msg and isinstance(msg[0], int) else None
        rec = Record(
            seq=self.seq, kind=Kind.FRAME, t_mono=mono, t_wall=wall, segment=self.case_id, connection=1,
            sender=Role.CHARGE_POINT if from_iut else Role.CSMS, from_iut=from_iut, deliberate=deliberate,
            raw=raw, size=len(raw.encode()), message_type=mtype,
            unique_id=msg[1] if isinstance(msg, list) and len(msg) > 1 else None,
            action=(msg[2] if mtype == 2 else None) if isinstance(msg, list) else None,
            payload=(msg[3] if mtype == 2 else msg[2] if mtype == 3 else None) if isinstance(msg, list) else None,
            error_code=msg[2] if mtype == 4 else None, parse_error=parse_error,
            violations=[dataclasses.replace(v, seq=self.seq) for v in violations],
        )
        self.records.append(rec)
        return rec

    def event(self, name: str, **data) -> Record:
        mono, wall = self._stamp()
        self.seq += 1
        rec = Record(seq=self.seq, kind=Kind.EVENT, t_mono=mono, t_wall=wall, segment=self.case_id, connection=1,
                     event=name, data=data)
        self.records.append(rec)
        return rec

    def answered(self, rec: Record, action: str) -> Record:
        rec.action = action
        return rec


def boot_pair(log: Log, uid: str = "b-1") -> None:
    log.frame(True, json.dumps([2, uid, "BootNotification", {
        "chargePointVendor": "ACME Energy", "chargePointModel": "Wallbox W22", "chargePointSerialNumber": "W22-000417",
        "firmwareVersion": "1.4.2"}]))
    log.answered(log.frame(False, json.dumps([3, uid, {"status": "Accepted", "currentTime": "2026-11-21T10:00:01.000Z",
                                                       "interval": 2}])), "BootNotification")


def write_log(report_dir: Path, iut: str, log: Log) -> tuple[str, str]:
    wire = report_dir / "wire" / iut
    wire.mkdir(parents=True, exist_ok=True)
    (wire / f"{log.case_id}.jsonl").write_text(render_jsonl(log.records), encoding="utf-8")
    (wire / f"{log.case_id}.txt").write_text(render_text(log.records), encoding="utf-8")
    return f"wire/{iut}/{log.case_id}.jsonl", f"wire/{iut}/{log.case_id}.txt"


def case(cid: str, title: str, section: str, verdict: str, *, profile: str = "core", category=None, message=None,
         details=None, violations=(), waiver=None, measurements=None, spec="OCPP 1.6", requirement=None,
         duration=1.0, iut=IUT, explained_by=None) -> dict:
    entry = {
        "id": cid, "title": title, "iut": iut,
        "nodeid": f"profiles/ocpp16/{profile}/charge_point/test_{section.lower().replace(' ', '_')}.py::"
                  f"test_{cid.lower()}[{iut}]",
        "ocpp_version": "1.6", "profile": profile, "section": section, "sut": "charge_point", "spec": spec,
        "requirement": requirement, "verdict": verdict, "category": category, "message": message,
        "details": details, "duration_s": duration, "violations": [v.to_dict() for v in violations],
        "waiver": waiver, "measurements": measurements or {}, "wire_log": None, "wire_log_text": None,
    }
    if explained_by is not None:
        entry["explained_by"] = explained_by
    return entry


def main() -> None:
    report = HERE / "reports"
    cases = []

    log = Log("TC_001_CS", 0)
    log.event("connect", peer="127.0.0.1:50412", path="/ocpp/REFCP001", subprotocol="ocpp1.6")
    boot_pair(log)
    log.frame(True, json.dumps([2, "s-1", "StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                                                 "status": "Available"}]))
    log.answered(log.frame(False, json.dumps([3, "s-1", {}])), "StatusNotification")
    c = case("TC_001_CS", "Cold Boot Charge Point", "Cold Boot Charge Point", "passed", spec="OCPP 1.6 §4.2",
             requirement="The Charge Point SHALL send BootNotification.req after start-up and, once accepted, "
                         "StatusNotification.req for each connector.", duration=1.84)
    c["wire_log"], c["wire_log_text"] = write_log(report, IUT, log)
    cases.append(c)

    log = Log("TC_002_CS", 10)
    boot_pair(log, "b-2")
    v = Violation("RPC-010", Level.SHOULD, "new CALL sent while CALL b-3 is unanswered", 104, True, "J16 §4.1.1")
    log.frame(True, json.dumps([2, "b-3", "BootNotification", {"chargePointVendor": "ACME Energy",
                                                               "chargePointModel": "Wallbox W22"}]))
    v = log.frame(True, json.dumps([2, "h-1", "Heartbeat", {}]), violations=[v]).violations[0]
    c = case("TC_002_CS", "Cold Boot Charge Point - Pending", "Cold Boot Charge Point", "passed_with_warnings",
             message="1 SHOULD violation: RPC-010", violations=[v], spec="OCPP 1.6 §4.2", duration=3.02)
    c["wire_log"], c["wire_log_text"] = write_log(report, IUT, log)
    cases.append(c)

    # The failed case: a schema violation under its frame, untrusted markup in a frame, one huge frame.
    log = Log("TC_010_CS", 20)
    log.frame(True, json.dumps([2, "sn-1", "StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                                                  "status": "Preparing"}]))
    log.answered(log.frame(False, json.dumps([3, "sn-1", {}])), "StatusNotification")
    log.frame(False, json.dumps([2, "rs-1", "RemoteStartTransaction", {"connectorId": 1, "idTag": "VALID001"}]))
    v1 = Violation("SCH-001", Level.MUST, "RemoteStartTransaction.conf: 'status' is a required property", 205, True,
                   "OCPP-J 1.6 §4.1.2")
    v1 = log.answered(log.frame(True, json.dumps([3, "rs-1", {"state": "<script>alert('pwned')</script>"}]),
                                violations=[v1]), "RemoteStartTransaction").violations[0]
    log.frame(True, json.dumps([2, "dt-1", "DataTransfer", {"vendorId": "ACME", "data": "A" * 20000}]))
    log.answered(log.frame(False, json.dumps([3, "dt-1", {"status": "UnknownVendorId"}])), "DataTransfer")
    v2 = log.frame(True, "[2, \"x-1\", \"Heartbeat\", {", parse_error="invalid JSON: Expecting property name at char 22",
                   violations=[Violation("RPC-001", Level.MUST, "frame is not valid JSON", 0, True, "J16 §4.1.2")]
                   ).violations[0]
    log.event("timeout", expected="StartTransaction", within_s=30)
    c = case("TC_010_CS", "Remote Start Charging Session – Cable Plugged in First",
             "Core Profile - Remote actions Happy flow", "failed", category="schema",
             message="[schema] SCH-001 RemoteStartTransaction.conf: 'status' is a required property",
             details="expected: RemoteStartTransaction.conf with status=Accepted\n"
                     "actual:   [3,\"rs-1\",{\"state\":\"<script>alert('pwned')</script>\"}]\n"
                     "nearest candidates:\n  #205 CALLRESULT rs-1 (payload fails schema)",
             violations=[v1, v2],
             spec="OCPP 1.6 §5.11, §4.8",
             requirement="The Charge Point SHALL reply with RemoteStartTransaction.conf (status Accepted) and "
                         "start a transaction on the requested connector.", duration=31.2,
             measurements={"response_time_s": 0.184})
    c["wire_log"], c["wire_log_text"] = write_log(report, IUT, log)
    cases.append(c)

    log = Log("TC_012_CS", 40)
    v = Violation("SCH-007", Level.MUST, "StopTransaction.req: timestamp '2026-11-21T10:00:40' has no offset", 402,
                  True, "C16 §3.15")
    log.frame(False, json.dumps([2, "rt-1", "RemoteStopTransaction", {"transactionId": 17}]))
    log.answered(log.frame(True, json.dumps([3, "rt-1", {"status": "Accepted"}])), "RemoteStopTransaction")
    v = log.frame(True, json.dumps([2, "st-1", "StopTransaction", {"transactionId": 17, "meterStop": 1200,
                                                               "timestamp": "2026-11-21T10:00:40"}]),
                  violations=[v]).violations[0]
    log.answered(log.frame(False, json.dumps([3, "st-1", {}])), "StopTransaction")
    c = case("TC_012_CS", "Remote Stop Charging Session", "Core Profile - Remote actions Happy flow", "waived",
             category="schema", message="[schema] SCH-007 StopTransaction.req: timestamp has no offset",
             violations=[v], waiver={"reason": "firmware 1.4 sends local time without offset (ticket ACME-118)",
                                     "expires": "2027-06-30", "matched": "rule", "case": None, "rule": "SCH-007",
                                     "iut": IUT}, duration=2.4)
    c["wire_log"], c["wire_log_text"] = write_log(report, IUT, log)
    cases.append(c)

    log = Log("TC_019_CS", 50)
    log.frame(False, json.dumps([2, "gc-1", "GetConfiguration", {}]))
    log.answered(log.frame(True, json.dumps([3, "gc-1", {"configurationKey": [
        {"key": "HeartbeatInterval", "readonly": False, "value": "2"}]}])), "GetConfiguration")
    c = case("TC_019_CS", "Retrieve configuration", "Core Profile - Configuration Happy flow", "failed",
             category="behaviour",
             message="[behaviour] expected GetConfiguration.conf to list all required Core keys",
             details="expected: configurationKey contains AuthorizeRemoteTxRequests, ClockAlignedDataInterval, "
                     "ConnectionTimeOut, …\nactual:   only HeartbeatInterval\nmissing: 21 keys",
             spec="OCPP 1.6 §9.1", duration=0.9)
    c["wire_log"], c["wire_log_text"] = write_log(report, IUT, log)
    cases.append(c)

    log = Log("TC_026_CS", 60)
    log.frame(False, json.dumps([2, "rs-9", "RemoteStartTransaction", {"connectorId": 1, "idTag": "VALID001"}]))
    log.answered(log.frame(True, json.dumps([4, "rs-9", "InternalError", "connector busy", {}])),
                 "RemoteStartTransaction")
    c = case("TC_026_CS", "Remote Start Charging Session – Rejected", "Core Profile - Remote Actions Non-Happy Flow",
             "failed", category="callerror",
             message="[callerror] RemoteStartTransaction answered with CALLERROR InternalError 'connector busy'",
             details="expected: RemoteStartTransaction.conf status=Rejected\nactual:   CALLERROR InternalError",
             spec="OCPP 1.6 §5.11", duration=0.6)
    c["wire_log"], c["wire_log_text"] = write_log(report, IUT, log)
    cases.append(c)

    log = Log("TC_031_CS", 70)
    log.frame(False, json.dumps([2, "uc-1", "UnlockConnector", {"connectorId": 9}]))
    log.answered(log.frame(True, json.dumps([3, "uc-1", {"status": "NotSupported"}])), "UnlockConnector")
    c = case("TC_031_CS", "Unlock Connector – Unknown Connector", "Core Profile - Unlocking Non-happy flow", "passed",
             spec="OCPP 1.6 §5.18", duration=0.4)
    c["wire_log"], c["wire_log_text"] = write_log(report, IUT, log)
    cases.append(c)

    cases.append(case("TC_043_CS", "Send Local Authorization List", "Local Authorization List", "not_applicable",
                      profile="local_auth_list",
                      message="IUT descriptor does not declare feature profile LocalAuthListManagement",
                      duration=0.0))

    log = Log("TC_070_CS", 80)
    vt = Violation("BEH-009", Level.MUST, "MeterValues every 12.4 s, configured MeterValueSampleInterval 10 s "
                   "(tolerance 1 s)", None, True, "C16 §9.1.18")
    for i in range(3):
        log.frame(True, json.dumps([2, f"mv-{i}", "MeterValues", {"connectorId": 1, "transactionId": 17, "meterValue": [
            {"timestamp": "2026-11-21T10:01:2%d.000Z" % i, "sampledValue": [{"value": str(1200 + 37 * i)}]}]}]))
        log.answered(log.frame(False, json.dumps([3, f"mv-{i}", {}])), "MeterValues")
    c = case("TC_070_CS", "Sampled Meter Values", "Meter values", "failed", category="timing",
             message="[timing] BEH-009 MeterValues every 12.4 s, configured 10 s (tolerance 1 s)", violations=[vt],
             measurements={"meter_values_interval_s": 12.41, "samples": 3, "configured_interval_s": 10},
             spec="OCPP 1.6 §9.1.18", duration=36.9)
    c["wire_log"], c["wire_log_text"] = write_log(report, IUT, log)
    cases.append(c)

    log = Log("TC_036_CS", 90)
    log.event("driver", action="power_cycle", result="ok")
    log.event("timeout", expected="connection", within_s=60)
    c = case("TC_036_CS", "Connection Loss During Transaction", "Core Profile - Offline behavior Non-Happy Flow",
             "broken", category="unreachable",
             message="[unreachable] charge point did not connect to ws://127.0.0.1:19600/ocpp/REFCP001 within 60 s",
             duration=60.0)
    c["wire_log"], c["wire_log_text"] = write_log(report, IUT, log)
    cases.append(c)

    # Inconclusive: connector 1 never became Available again after TC_026_CS left it busy.
    log = Log("TC_028_CS", 100)
    log.frame(False, json.dumps([2, "ca-1", "ChangeAvailability", {"connectorId": 1, "type": "Operative"}]))
    log.answered(log.frame(True, json.dumps([3, "ca-1", {"status": "Rejected"}])), "ChangeAvailability")
    log.frame(False, json.dumps([2, "rt-2", "RemoteStopTransaction", {"transactionId": 17}]))
    log.answered(log.frame(True, json.dumps([3, "rt-2", {"status": "Rejected"}])), "RemoteStopTransaction")
    log.event("precondition", precondition="connector 1 Available", reached=False)
    busy = next(c for c in cases if c["id"] == "TC_026_CS")
    c = case("TC_028_CS", "Remote Stop Transaction – Rejected", "Core Profile - Remote Actions Non-Happy Flow",
             "inconclusive", category="precondition",
             message='precondition "connector 1 Available" not reached: ChangeAvailability Operative answered '
                     "Rejected; RemoteStopTransaction 17 answered Rejected",
             explained_by={"case": "TC_026_CS", "nodeid": busy["nodeid"], "frame_seq": 602,
                           "message": "RemoteStartTransaction answered CALLERROR InternalError 'connector busy'; "
                                      "connector 1 stayed occupied"},
             spec="OCPP 1.6 §5.16", duration=12.0)
    c["wire_log"], c["wire_log_text"] = write_log(report, IUT, log)
    cases.append(c)

    iut = {"name": IUT, "sut": "charge_point", "ocpp_version": "1.6", "identity": "REFCP001",
           "endpoint": "ws://127.0.0.1:19600/ocpp/REFCP001", "security_profile": 0,
           "descriptor": "fixtures/iut/reference-charge-point.yaml", "features": ["core"],
           "boot": {"chargePointVendor": "ACME Energy", "chargePointModel": "Wallbox W22",
                    "chargePointSerialNumber": "W22-000417", "firmwareVersion": "1.4.2"}}
    summary = {
        "format": 1, "suite": {"name": "ocpp-conformance", "version": "0.1.0"},
        "run": {"started": "2026-11-21T10:00:00.000Z", "finished": "2026-11-21T10:02:18.512Z", "duration_s": 138.5,
                "argv": ["pytest", "profiles/ocpp16", "--iut", "fixtures/iut/reference-charge-point.yaml"],
                "strict": False, "host": "ci-runner-3", "python": "3.11.7"},
        "iuts": [iut], "totals": verdict_totals(cases), "cases": cases,
    }
    write_summary(report, summary)

    # An earlier run of the same IUT, for comparisons.
    base = copy.deepcopy(summary)
    base["run"]["started"], base["run"]["finished"] = "2026-11-14T09:00:00.000Z", "2026-11-14T09:02:01.000Z"
    by_id = {c["id"]: c for c in base["cases"]}
    for cid in ("TC_019_CS", "TC_036_CS", "TC_028_CS"):
        by_id[cid].update(verdict="passed", category=None, message=None, details=None, violations=[])
    del by_id["TC_028_CS"]["explained_by"]
    by_id["TC_031_CS"].update(verdict="failed", category="behaviour",
                              message="[behaviour] expected UnlockConnector.conf status=NotSupported")
    base["cases"] = [c for c in base["cases"] if c["id"] != "TC_026_CS"]
    base["cases"].append(case("TC_013_CS", "Hard Reset Without transaction", "Core Profile - Resetting Happy Flow",
                              "passed"))
    base["totals"] = verdict_totals(base["cases"])
    (HERE / "summary_base.json").write_text(json.dumps(base, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    # Another implementation, for the matrix.
    other = copy.deepcopy(summary)
    other["iuts"] = [{**iut, "name": "volt-cp", "identity": "VOLT7", "endpoint": "ws://127.0.0.1:19601/ocpp/VOLT7",
                      "boot": {"chargePointVendor": "Volt & Co <b>", "chargePointModel": "VX-7",
                               "chargePointSerialNumber": "VX7-1", "firmwareVersion": "7.0.0-rc2"}}]
    other["cases"] = []
    for c in summary["cases"][:7]:
        c = copy.deepcopy(c)
        c.update(iut="volt-cp", verdict="passed", category=None, message=None, details=None, violations=[],
                 waiver=None, wire_log=None, wire_log_text=None)
        other["cases"].append(c)
    other["cases"][2].update(verdict="failed", category="no-response",
                             message="[no-response] no RemoteStartTransaction.conf within 30 s")
    other["totals"] = verdict_totals(other["cases"])
    (HERE / "summary_other_iut.json").write_text(json.dumps(other, indent=2, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")


if __name__ == "__main__":
    main()
