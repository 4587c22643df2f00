// The baseline for `npm run bench:synth`: an empty cdktf app (one empty stack) run by plain node.
const { App, TerraformStack } = require("cdktf");
const app = new App();
new TerraformStack(app, "empty");
app.synth();
