#!/usr/bin/env python3
"""Checks a signed WACZ as the WACZ Signing and Verification recommendation's anonymous mode
says, and as ReplayWeb.page (wabac.js certutils) checks it, with the `cryptography` package:
datapackage-digest.json's `hash` is the SHA-256 of datapackage.json and equals `signedData.hash`;
`signedData` holds only the anonymous mode's fields; its `created` equals datapackage.json's;
`signature` (r||s, base64) is ECDSA P-384 with SHA-256 over the `hash` string by `publicKey`
(DER SPKI, base64), which must be the expected key when one is given; every resource matches
its hash. No PyPI tool verifies the anonymous mode (`wacz validate --verify-auth` wants the
domain mode's fields), so this is the judge, written apart from the Swift signer.

Usage: check-wacz-signature.py FILE.wacz [EXPECTED_PUBLIC_KEY_BASE64]; exit 0 valid, 1 not."""
import base64, hashlib, json, sys, zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def fail(message):
    print(f"check-wacz-signature: FAIL: {message}")
    sys.exit(1)


package = zipfile.ZipFile(sys.argv[1])
datapackage = package.read("datapackage.json")
digest = json.loads(package.read("datapackage-digest.json"))
signed = digest.get("signedData") or fail("datapackage-digest.json has no signedData")
expected_hash = "sha256:" + hashlib.sha256(datapackage).hexdigest()
if digest.get("path") != "datapackage.json":
    fail("datapackage-digest.json does not name datapackage.json")
if digest.get("hash") != expected_hash or signed.get("hash") != expected_hash:
    fail("the hash does not match datapackage.json")
extra = set(signed) - {"hash", "created", "software", "version", "signature", "publicKey"}
if extra:
    fail(f"signedData has fields the anonymous mode does not: {sorted(extra)}")
if signed.get("created") != json.loads(datapackage).get("created"):
    fail("signedData.created differs from datapackage.json's created")
key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp384r1":
    fail("publicKey is not an ECDSA P-384 key (ReplayWeb.page imports P-384)")
if len(sys.argv) > 2 and sys.argv[2] != signed["publicKey"]:
    fail("signed by another key than the one expected")
signature = base64.b64decode(signed["signature"])
if len(signature) != 96:
    fail("the signature is not r||s of P-384 (96 bytes), as Web Crypto verifies it")
signature = encode_dss_signature(int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big"))
try:
    key.verify(signature, signed["hash"].encode("utf-8"), ec.ECDSA(hashes.SHA256()))
except InvalidSignature:
    fail("the signature does not verify")
for resource in json.loads(datapackage)["resources"]:
    algorithm, value = resource["hash"].split(":", 1)
    if hashlib.new(algorithm, package.read(resource["path"])).hexdigest() != value:
        fail(f"{resource['path']} does not match its hash")
print(f"check-wacz-signature: valid: signed {signed['created']} by the expected P-384 key, every resource matches")
