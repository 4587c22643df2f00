#!/bin/sh
# Entry point of the e2e n8n image (stand-in for n8nio/n8n's /docker-entrypoint.sh), run as
# `tini -- /docker-entrypoint.sh [args]`.
# Extra CA certificates: a folder mounted at /opt/custom-certificates is trusted by Node
# (OpenSSL's store, with that folder as its certificate directory).
# Then n8n runs with the container's arguments; none means `n8n` (start).
if [ -d /opt/custom-certificates ]; then
  echo "docker-entrypoint: adding the CA certificates in /opt/custom-certificates"
  export NODE_OPTIONS="--use-openssl-ca${NODE_OPTIONS:+ $NODE_OPTIONS}"
  export SSL_CERT_DIR=/opt/custom-certificates
  c_rehash /opt/custom-certificates || echo "docker-entrypoint: c_rehash failed (read-only folder?)" >&2
fi
exec n8n "$@"
