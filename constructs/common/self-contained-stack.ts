import { TerraformStack } from "cdktf";

/**
 * A stack that refers to no other stack's values (other stacks may still refer to it).
 *
 * Before writing anything, cdktf's `App.synth()` "prepares" every stack by resolving all of its
 * tokens once, only to discover references to other stacks, and then resolves everything again
 * to write the plan. For a stack that refers to no other stack the first pass finds nothing, and
 * skipping it removes about half of the resolution work of synthesis. When another stack refers to
 * this one, that stack's own preparation still registers the outputs here.
 *
 * `N8N_ZT_FULL_PREPARE=1` runs cdktf's full preparation; the tests synthesize both ways and
 * require identical plans, which also proves the stacks really are self-contained.
 */
export class SelfContainedStack extends TerraformStack {
  public prepareStack(): void {
    if (process.env.N8N_ZT_FULL_PREPARE === "1") {
      super.prepareStack();
      return;
    }
    this.ensureBackendExists();
  }
}
