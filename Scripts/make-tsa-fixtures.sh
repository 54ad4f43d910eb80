#!/usr/bin/env bash
# A throwaway RFC 3161 time-stamping authority for the tests (Tests/Fixtures/tsa/): a root CA, a
# TSA certificate it issued (critical extendedKeyUsage timeStamping, as RFC 3161 2.3 asks), one
# that expired in 2021, and a self-signed "rogue" TSA. The keys are test keys, public on purpose.
# Tests/Fixtures/server/loopback.py answers time-stamp requests with them through
# `openssl ts -reply`. Run once; commit the output.
set -euo pipefail
cd "$(dirname "$0")/../Tests/Fixtures/tsa"
rm -f ./*.pem ./*.key ./*.csr index.txt* ca.srl* ./*.cnf
cat > make.cnf <<EOF
[ tsa_cert ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = critical, timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ ca_cert ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
[ ca ]
default_ca = test_ca
[ test_ca ]
database      = index.txt
new_certs_dir = .
certificate   = ca.pem
private_key   = ca.key
serial        = ca.srl
default_md    = sha256
policy        = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
EOF
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 7300 -subj "/CN=dccorpus test TSA root" \
  -config make.cnf -extensions ca_cert
q openssl req -new -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.csr -subj "/CN=dccorpus test TSA"
q openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -set_serial 0x1001 -days 3650 -extfile make.cnf -extensions tsa_cert \
  -out tsa.pem
touch index.txt && echo 2001 > ca.srl
q openssl ca -batch -config make.cnf -extensions tsa_cert -notext -in tsa.csr -out expired.pem \
  -startdate 20200101000000Z -enddate 20210101000000Z
q openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 3650 -subj "/CN=rogue TSA" \
  -config make.cnf -extensions tsa_cert
rm -f tsa.csr index.txt* ca.srl* ./*[0-9A-F][0-9A-F].pem make.cnf
ls
