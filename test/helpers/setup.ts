import { Testing } from "cdktf";

// Registers the cdktf jest matchers (toHaveResourceWithProperties, toBeValidTerraform, ...).
Testing.setupJest();
