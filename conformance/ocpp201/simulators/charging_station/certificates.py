"""The CSMS root certificates of the station (Part 2 M03 GetInstalledCertificateIds, M04 DeleteCertificate, M05
InstallCertificate): what its TLS client trusts when it connects at security profile 2."""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

from conformance import certificates as certs
from conformance.tls_contexts import client_context

ROOT_TYPE = "CSMSRootCertificate"


class Certificates:
    def _trust_changed(self) -> None:
        """The TLS client trusts exactly the installed CSMS roots from the next connection on."""
        if self.ssl_context is None or not self.csms_roots or "csms-root-lost" in self.faults:
            return
        folder = Path(tempfile.mkdtemp(prefix="cs201-trust-"))
        trust = folder / "csms-roots.pem"
        trust.write_text(certs.pem(certs.load_certificate(r) for r in self.csms_roots), encoding="ascii")
        self.ssl_context = client_context(trust, server_name=self.tls_server_name)

    def install_root(self, pem_text: str) -> str:
        try:
            certificate = certs.load_certificate(pem_text)
        except (ValueError, IndexError):
            return "Rejected"
        problems = certs.validity_problems(certificate, "the certificate", datetime.now(timezone.utc))
        if problems or not certs.is_ca_certificate(certificate):
            return "Rejected"
        if "install-certificate-ignored" in self.faults:
            return "Accepted"
        self.csms_roots.append(certificate)
        self._trust_changed()
        return "Accepted"

    def delete_root(self, hash_data: dict) -> str:
        for root in list(self.csms_roots):
            if certs.same_certificate(certs.certificate_hash_data(root, root), hash_data):
                self.csms_roots.remove(root)
                self._trust_changed()
                return "Accepted"
        return "NotFound"


class CertificateHandlers:
    def on_InstallCertificate(self, payload: dict, unique_id: str) -> dict:
        if payload["certificateType"] != ROOT_TYPE:
            return {"status": "Rejected"}
        return {"status": self.cs.install_root(payload["certificate"])}

    def on_DeleteCertificate(self, payload: dict, unique_id: str) -> dict:
        return {"status": self.cs.delete_root(payload["certificateHashData"])}

    def on_GetInstalledCertificateIds(self, payload: dict, unique_id: str) -> dict:
        """The CSMS root certificates installed; the station holds no other kind."""
        wanted = payload.get("certificateType") or [ROOT_TYPE]
        if ROOT_TYPE not in wanted or not self.cs.csms_roots:
            return {"status": "NotFound"}
        return {"status": "Accepted", "certificateHashDataChain": [
            {"certificateType": ROOT_TYPE, "certificateHashData": certs.certificate_hash_data(root, root)}
            for root in self.cs.csms_roots]}
