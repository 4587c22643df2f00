// Pins Traefik for binaries.sh (see build_traefik there). Traefik's own go.mod
// has replace and exclude directives, which apply only in the main module, so
// `go install github.com/traefik/traefik/v3/cmd/traefik@v3.7.13` is refused.
// binaries.sh downloads the module zip (verified against go.sum here), copies
// it to a temporary directory and builds cmd/traefik there with Traefik's own
// go.mod and go.sum, so the dependency set is upstream's except where the module
// proxy here refuses a version: patch-module.sh then adds the replace directives
// in replacements.txt (hashes in replacements.sum) and drops the lego DNS
// providers in lego-dns-providers-removed.txt (see ../../README.md).
//
// The one gap: upstream replaces github.com/traefik/traefik/dynamic/ext with
// the nested module ./pkg/config/dynamic/ext, which module zips never contain
// (nested modules are cut out) and which the proxy cannot serve on its own.
// binaries.sh copies ./ext (our placeholder) to that path in the copy.
//
// n8n-zt-e2e: upstream github.com/traefik/traefik/v3 v3.7.13
module n8n-zt-e2e/build/traefik

go 1.26.0

require github.com/traefik/traefik/v3 v3.7.13
