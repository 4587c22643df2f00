// Pins the Terraform provider kreuzwerker/docker for binaries.sh (build_tf_docker_provider).
//
// @cdktf/provider-docker@12.0.3 binds provider 3.6.2 (commit 2f20f8c3ce82), and the synthesized
// plans require exactly "3.6.2". The Go module proxy reachable here refuses every tagged commit
// (v3.6.1 ... v4.5.0: 403 "This module version is not available") and serves only its @latest,
// master of 2026-09-16 (after v4.6.0). binaries.sh downloads that module zip (verified against
// go.sum here), builds it with upstream's own go.mod/go.sum in a temporary copy, and registers
// the binary in the suite's filesystem mirror under 3.6.2 so the synthesized plan runs unchanged;
// the mirror folder's PROVENANCE file and the README's image table say so. With registry access,
// `npm run test:e2e -- --images upstream` uses the real 3.6.2 from the Terraform registry.
//
// n8n-zt-e2e: upstream github.com/kreuzwerker/terraform-provider-docker v3.6.2
// n8n-zt-e2e: builds github.com/kreuzwerker/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4
module n8n-zt-e2e/build/terraform-provider-docker

go 1.26.0

require github.com/kreuzwerker/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4
