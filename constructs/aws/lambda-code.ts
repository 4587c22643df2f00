import { existsSync } from "node:fs";
import path from "node:path";

/** Where `npm run build` puts the zip of `lambda/<name>/` in the package: beside this module. */
export function prebuiltLambdaZipPath(name: string, dir = __dirname): string {
  return path.join(dir, `${name}-lambda.zip`);
}

/**
 * The deployment zip of the Lambda handler `lambda/<name>/`.
 *
 * The built package ships the zip prebuilt beside this module, so a consumer's app needs neither
 * esbuild nor the handler's sources. Run from this repository's TypeScript sources there is no
 * prebuilt zip, and the handler is bundled with esbuild into `.cache/lambda/` (rebuilt only when a
 * source changed). Both are the same bytes: `npm run build` copies the zip the dev path builds.
 */
export function lambdaZipPath(name: string): string {
  const prebuilt = prebuiltLambdaZipPath(name);
  if (existsSync(prebuilt)) return prebuilt;
  // Required here, not imported at the top: esbuild is a build-time tool (a dev dependency), and
  // loading the package must not need it.
  let builder: { bundleLambda(name: string): { zipPath: string } };
  try {
    builder = require("../../lambda/build");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
    throw new Error(`The ${name} Lambda bundle is missing (${prebuilt}): this copy of the package was built without it; run \`npm run build\` in its repository.`);
  }
  return builder.bundleLambda(name).zipPath;
}
