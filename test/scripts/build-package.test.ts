import { readFileSync } from "node:fs";
import path from "node:path";
import type { Plugin } from "esbuild";
import { REPO_ROOT } from "../helpers/synth";

/*
 * The package's manifest against its code, cheaply (no build; `npm run test:package` installs the
 * real tarball into a consumer app): what the public entry point and the review bin import is
 * declared, and loading the entry point never loads esbuild, a build-time tool.
 */
jest.mock("esbuild", () => {
  throw new Error("esbuild was loaded");
});

interface Manifest {
  main: string;
  types: string;
  exports: Record<string, { types: string; default: string } | string>;
  bin: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as Manifest;

/** Packages the files reach by static import, the dev-only Lambda bundler left out. */
async function packagesImportedBy(entry: string): Promise<string[]> {
  const { build } = jest.requireActual<typeof import("esbuild")>("esbuild");
  const devOnly: Plugin = { name: "dev-only", setup: (b) => b.onResolve({ filter: /[\\/]lambda[\\/]build$/ }, (a) => ({ path: a.path, external: true })) };
  const result = await build({ absWorkingDir: REPO_ROOT, entryPoints: [entry], bundle: true, write: false, platform: "node", metafile: true, packages: "external", logLevel: "silent", plugins: [devOnly] });
  const names = Object.values(result.metafile!.inputs).flatMap((i) => i.imports.filter((imp) => imp.external && !imp.path.startsWith("node:") && !imp.path.startsWith(".")).map((imp) => imp.path));
  return [...new Set(names.map((n) => n.split("/").slice(0, n.startsWith("@") ? 2 : 1).join("/")))].sort();
}

describe("the package manifest", () => {
  test("main, types and exports point at the compiled public entry point", () => {
    expect(manifest.main).toBe("dist/constructs/index.js");
    expect(manifest.types).toBe("dist/constructs/index.d.ts");
    expect(manifest.exports["."]).toEqual({ types: "./dist/constructs/index.d.ts", default: "./dist/constructs/index.js" });
    const build = JSON.parse(readFileSync(path.join(REPO_ROOT, "tsconfig.build.json"), "utf8").replace(/^\s*\/\/.*$/gm, "")) as { files: string[]; compilerOptions: { outDir: string } };
    expect(build.compilerOptions.outDir).toBe("dist");
    expect(build.files).toEqual(expect.arrayContaining(["constructs/index.ts", "scripts/review.ts"]));
    expect(manifest.bin).toEqual({ "n8n-zt-review": "dist/bin/n8n-zt-review.js" });
    expect(manifest.files).toContain("dist");
  });

  test.each([["constructs/index.ts"], ["scripts/review.ts"]])("every package %s imports is a dependency or a peer dependency", async (entry) => {
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    const imported = await packagesImportedBy(entry);
    expect(imported).toEqual(expect.arrayContaining(["cdktf", "constructs"]));
    expect(imported.filter((p) => !declared.has(p))).toEqual([]);
  });

  test("cdktf, constructs and the providers are peer dependencies from the version this repository tests (a caret range)", () => {
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["@cdktf/provider-aws", "@cdktf/provider-docker", "cdktf", "constructs"]);
    for (const [name, range] of Object.entries(manifest.peerDependencies)) {
      expect(manifest.dependencies[name]).toBeUndefined();
      expect(range).toBe(`^${manifest.devDependencies[name]}`);
    }
  });

  test("loading the public entry point does not load esbuild", () => {
    // esbuild is mocked to throw when required: the entry point (and the rotation construct) load without it.
    expect(() => jest.isolateModules(() => require("../../constructs"))).not.toThrow();
  });
});
