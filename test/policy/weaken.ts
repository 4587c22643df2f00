import { parseDocument, stringify } from "yaml";
import { FILES_LABEL } from "../../constructs/common/labels";
import { Json, variant } from "./fixtures";

/*
 * One-line weakenings of a synthesized stack, the way a reviewer would try them: a flag, an
 * environment variable, a key of a config file the stack writes into a container. Each returns a
 * changed deep copy; the container is named by its Docker name (`n8n-traefik`).
 */

type Edit = (j: Json) => void;

/** The body of the container with this Docker name. */
export function containerNamed(j: Json, name: string): Json {
  const c = Object.values<Json>(j.resource.docker_container ?? {}).find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name} in the stack`);
  return c;
}

export function weaken(base: Json, ...edits: Edit[]): Json {
  return variant(base, (j) => edits.forEach((e) => e(j)));
}

/** Sets (or with undefined removes) an environment variable. */
export const env = (name: string, key: string, value: string | undefined): Edit => (j) => {
  const c = containerNamed(j, name);
  const list: string[] = (c.env ?? []).filter((e: string) => !e.startsWith(`${key}=`));
  c.env = value === undefined ? list : [...list, `${key}=${value}`];
};

/** Sets (or with undefined removes) a `--flag=value` argument of the command. */
export const flag = (name: string, f: string, value: string | undefined): Edit => (j) => {
  const c = containerNamed(j, name);
  const list: string[] = (c.command ?? []).filter((a: string) => a !== `--${f}` && !a.startsWith(`--${f}=`));
  c.command = value === undefined ? list : [...list, `--${f}=${value}`];
};

/** Replaces the whole command. */
export const command = (name: string, edit: (args: string[]) => string[]): Edit => (j) => {
  const c = containerNamed(j, name);
  c.command = edit([...(c.command ?? [])]);
};

/** Replaces the image reference. */
export const image = (name: string, ref: string): Edit => (j) => {
  containerNamed(j, name).image = ref;
};

/** Sets a label. */
export const label = (name: string, key: string, value: string | undefined): Edit => (j) => {
  const c = containerNamed(j, name);
  const list = (c.labels ?? []).filter((l: Json) => l.label !== key);
  c.labels = value === undefined ? list : [...list, { label: key, value }];
};

/** Edits the text of a file the stack writes into the container (an upload, or a start-time file). */
export const file = (name: string, path: string, edit: (text: string) => string): Edit => (j) => {
  const c = containerNamed(j, name);
  const upload = (c.upload ?? []).find((u: Json) => u.file === path);
  if (upload) {
    upload.content = edit(upload.content);
    return;
  }
  const map = JSON.parse((c.labels ?? []).find((l: Json) => l.label === FILES_LABEL)?.value ?? "{}");
  const variable = map[path];
  if (!variable) throw new Error(`${name} writes no file ${path}`);
  const i = (c.env as string[]).findIndex((e) => e.startsWith(`${variable}=`));
  c.env[i] = `${variable}=${edit(c.env[i].slice(variable.length + 1))}`;
};

/** Edits a YAML file the stack writes into the container, through a real YAML parser. */
export const yamlFile = (name: string, path: string, edit: (doc: Json) => void): Edit =>
  file(name, path, (text) => {
    const doc = parseDocument(text).toJS();
    edit(doc);
    return stringify(doc);
  });
