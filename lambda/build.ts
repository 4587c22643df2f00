import { buildSync } from "esbuild";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deflateRawSync } from "node:zlib";

/*
 * Bundles a Lambda handler with esbuild into a deterministic zip (fixed timestamps), cached under
 * .cache/lambda/ and rebuilt only when one of its sources changed, so synthesis stays fast and the
 * zip's hash (source_code_hash) changes only when the code does.
 */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip with one deflated file and a fixed 1980-01-01 timestamp. */
export function zipSingleFile(name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content, { level: 9 });
  const nameBuf = Buffer.from(name, "utf8");
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0, 6);
  local.writeUInt16LE(8, 8);
  local.writeUInt16LE(0, 10);
  local.writeUInt16LE(0x21, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBuf.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(0x031e, 4); // made by: unix, v3.0
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(0, 12);
  central.writeUInt16LE(0x21, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBuf.length, 28);
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
  central.writeUInt32LE(0, 42);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBuf.length, 12);
  end.writeUInt32LE(local.length + nameBuf.length + data.length, 16);
  return Buffer.concat([local, nameBuf, data, central, nameBuf, end]);
}

/** The repository (or package) root: the folder that holds lambda/rotation/index.ts. */
export function projectRoot(start = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, "lambda", "rotation", "index.ts"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export interface LambdaBundle {
  /** Absolute path of the zip. */
  readonly zipPath: string;
  /** sha256 of the zip, hex. */
  readonly sha256: string;
}

/** Bundles `lambda/<name>/index.ts` (AWS SDK v3 left to the runtime) into a cached zip. */
export function bundleLambda(name: string, root = projectRoot()): LambdaBundle {
  const outDir = path.join(root, ".cache", "lambda");
  const zipPath = path.join(outDir, `${name}.zip`);
  const inputsFile = `${zipPath}.inputs.json`;
  const fresh = (() => {
    try {
      const built = statSync(zipPath).mtimeMs;
      return (JSON.parse(readFileSync(inputsFile, "utf8")) as string[]).every((f) => statSync(path.join(root, f)).mtimeMs <= built);
    } catch {
      return false;
    }
  })();
  if (!fresh) {
    mkdirSync(outDir, { recursive: true });
    const result = buildSync({
      absWorkingDir: root,
      entryPoints: [path.join(root, "lambda", name, "index.ts")],
      bundle: true,
      write: false,
      platform: "node",
      target: "node22",
      format: "cjs",
      // The nodejs22.x runtime ships AWS SDK v3; pg's optional native binding is never used.
      external: ["@aws-sdk/*", "pg-native"],
      minify: true,
      legalComments: "none",
      metafile: true,
      logLevel: "error",
    });
    const zip = zipSingleFile("index.js", Buffer.from(result.outputFiles[0].contents));
    writeFileSync(`${zipPath}.${process.pid}.tmp`, zip);
    writeFileSync(`${inputsFile}.${process.pid}.tmp`, JSON.stringify(Object.keys(result.metafile!.inputs)));
    renameSync(`${zipPath}.${process.pid}.tmp`, zipPath);
    renameSync(`${inputsFile}.${process.pid}.tmp`, inputsFile);
  }
  return { zipPath, sha256: createHash("sha256").update(readFileSync(zipPath)).digest("hex") };
}
