/**
 * Static readers for the deployment files (docker/Dockerfile, docker/compose.yaml, docker/k8s/*) used by
 * deploy.spec.ts. There is no Docker engine or cluster on the build machines, so these files are checked by parsing
 * them and comparing what they say with the code they deploy (nest-cli.json, the apps' env schemas).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { getMetadataStorage } from 'class-validator';
import { parse, parseAllDocuments } from 'yaml';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const DOCKER_DIR = join(REPO_ROOT, 'docker');
export const K8S_DIR = join(DOCKER_DIR, 'k8s');

/** A parsed YAML/JSON object; the tests check shapes as they go. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = Record<string, any>;

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** One YAML document; `merge: true` so compose's `<<: *anchor` extension blocks are applied as Compose does. */
export function readYaml(path: string): Doc {
  return parse(readText(path), { merge: true }) as Doc;
}

/** Every non-empty document of a multi-document YAML file; a syntax error fails loudly with the file name. */
export function readYamlDocuments(path: string): Doc[] {
  return parseAllDocuments(readText(path), { merge: true }).flatMap((document) => {
    if ('errors' in document && document.errors.length > 0) {
      throw new Error(`${relative(REPO_ROOT, path)}: ${document.errors.map((e) => e.message).join('; ')}`);
    }
    const value = document.toJS() as Doc | null;
    return value ? [value] : [];
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Dockerfile

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** The FROM argument after global ARG substitution, e.g. `node:22-bookworm-slim` or an earlier stage's alias. */
  from: string;
  /** The image the stage finally rests on (aliases of earlier stages resolved). */
  image: string;
  alias?: string;
  parent?: Stage;
  instructions: Instruction[];
}

export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Substitutes `$NAME` / `${NAME}` from `vars`; unknown names are left as written. */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (match, name: string) => vars[name] ?? match);
}

/** `KEY=value KEY2="v 2"` (ENV/ARG syntax) or the legacy `KEY value` form. */
export function parseAssignments(args: string): Record<string, string> {
  const result: Record<string, string> = {};
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g;
  if (!args.includes('=')) {
    const [key, ...rest] = args.trim().split(/\s+/);
    if (key) result[key] = rest.join(' ');
    return result;
  }
  for (const match of args.matchAll(pattern)) {
    const raw = match[2] ?? '';
    result[match[1]] = raw.startsWith('"') || raw.startsWith("'") ? raw.slice(1, -1) : raw;
  }
  return result;
}

/**
 * Parses a Dockerfile into stages and instructions: joins `\` continuations, drops comment lines (also inside
 * continuations, as BuildKit does) and resolves `FROM <earlier alias>` to the image it rests on.
 */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return;
    const continued = /\\\s*$/.test(raw);
    const content = continued ? raw.replace(/\\\s*$/, '') : raw;
    pending = pending ? { text: `${pending.text} ${content.trim()}`, line: pending.line } : { text: content.trim(), line: index + 1 };
    if (!continued) {
      const match = /^(\S+)\s*(.*)$/.exec(pending.text);
      if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: pending.line });
      pending = undefined;
    }
  });

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const from = substitute(words[0], globalArgs);
      const alias = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
      const parent = stages.find((stage) => stage.alias === from);
      stages.push({ from, image: parent ? parent.image : from, alias, parent, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') Object.assign(globalArgs, parseAssignments(instruction.args));
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** A stage's instructions including those inherited from the stages it is built `FROM`, oldest first. */
export function effectiveInstructions(stage: Stage): Instruction[] {
  return [...(stage.parent ? effectiveInstructions(stage.parent) : []), ...stage.instructions];
}

/** The JSON array of an exec-form instruction (`CMD ["a","b"]`); undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
}

/** `COPY [--from=x] [--chown=..] src... dest` as flags, sources and destination. */
export function parseCopy(args: string): { from?: string; sources: string[]; destination: string } {
  const words = execForm(args) ?? args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths[paths.length - 1] };
}

/** The absolute WORKDIR in effect after a list of instructions. */
export function workdirOf(instructions: Instruction[]): string {
  let workdir = '/';
  for (const { keyword, args } of instructions) {
    if (keyword === 'WORKDIR') workdir = args.startsWith('/') ? args : join(workdir, args);
  }
  return workdir;
}

// ---------------------------------------------------------------------------------------------------------------------
// Build layout

/** Reads a tsconfig file (JSON with optional comments), following `extends` for `outDir`. */
function tsconfigOutDir(path: string): string | undefined {
  const text = readText(path).replace(/^\s*\/\/.*$/gm, '');
  const config = JSON.parse(text) as { extends?: string; compilerOptions?: { outDir?: string } };
  if (config.compilerOptions?.outDir) return resolve(dirname(path), config.compilerOptions.outDir);
  return config.extends ? tsconfigOutDir(resolve(dirname(path), config.extends)) : undefined;
}

/**
 * Where `nest build <app>` writes the app's entry bundle, relative to the repository root, read from nest-cli.json and
 * the app's tsconfig the way the Nest CLI does: with webpack the bundle is `<outDir>/<entryFile>.js`.
 */
export function bundlePathFor(app: string): string {
  const nestCli = JSON.parse(readText(join(REPO_ROOT, 'nest-cli.json'))) as Doc;
  const project = nestCli.projects?.[app] as Doc | undefined;
  if (!project) throw new Error(`nest-cli.json has no project "${app}"`);
  const webpack = project.compilerOptions?.webpack ?? nestCli.compilerOptions?.webpack;
  if (webpack !== true) throw new Error(`nest-cli.json: ${app} is not built with webpack; the bundle layout below assumes it`);
  const tsConfigPath = (project.compilerOptions?.tsConfigPath ?? nestCli.compilerOptions?.tsConfigPath) as string;
  const outDir = tsconfigOutDir(join(REPO_ROOT, tsConfigPath));
  if (!outDir) throw new Error(`${tsConfigPath} sets no outDir`);
  return `${relative(REPO_ROOT, outDir).split('\\').join('/')}/${(project.entryFile as string | undefined) ?? 'main'}.js`;
}

// ---------------------------------------------------------------------------------------------------------------------
// Environment

/**
 * The standard OpenTelemetry SDK variables (OpenTelemetry specification, "Environment Variable Specification", plus
 * the Node SDK's OTEL_NODE_* ones). An `OTEL_` name outside this list is a typo the SDK would silently ignore.
 */
export const OTEL_STANDARD_VARIABLES = new Set([
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_LOG_LEVEL',
  'OTEL_PROPAGATORS',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
  'OTEL_LOGS_EXPORTER',
  'OTEL_METRIC_EXPORT_INTERVAL',
  'OTEL_METRIC_EXPORT_TIMEOUT',
  'OTEL_METRICS_EXEMPLAR_FILTER',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_EXPORT_TIMEOUT',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_BLRP_SCHEDULE_DELAY',
  'OTEL_BLRP_EXPORT_TIMEOUT',
  'OTEL_BLRP_MAX_QUEUE_SIZE',
  'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_EVENT_COUNT_LIMIT',
  'OTEL_SPAN_LINK_COUNT_LIMIT',
  'OTEL_NODE_RESOURCE_DETECTORS',
  'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
  'OTEL_NODE_DISABLED_INSTRUMENTATIONS',
  ...['', 'TRACES_', 'METRICS_', 'LOGS_'].flatMap((signal) =>
    ['ENDPOINT', 'PROTOCOL', 'HEADERS', 'TIMEOUT', 'COMPRESSION', 'CERTIFICATE', 'CLIENT_KEY', 'CLIENT_CERTIFICATE', 'INSECURE'].map(
      (name) => `OTEL_EXPORTER_OTLP_${signal}${name}`,
    ),
  ),
  'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
]);

/** The variables an env schema class declares (every property carries a class-validator decorator or a default). */
export function declaredVariables(schema: new () => object): Set<string> {
  const decorated = getMetadataStorage()
    .getTargetValidationMetadatas(schema, '', true, false)
    .map((metadata) => metadata.propertyName);
  return new Set([...decorated, ...Object.keys(new schema())]);
}

/** Turns compose `environment` (map or `KEY=value` list) into a map of strings. */
export function composeEnvironment(environment: unknown): Record<string, string> {
  if (!environment) return {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry: string) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(environment as Doc).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

/** Compose durations (`40s`, `1m30s`, `500ms`) in seconds. */
export function durationSeconds(value: string | number): number {
  if (typeof value === 'number') return value;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)) {
    total += Number(amount) * { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 }[unit as 'h' | 'm' | 's' | 'ms' | 'us'];
  }
  return total;
}

/** Kubernetes CPU/memory quantities as plain numbers (cores, bytes). */
export function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) throw new Error(`not a quantity: ${value}`);
  const factors: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(match[1]) * (match[2] ? factors[match[2]] : 1);
}

/** Does the repository file at `path` exist (relative to the root)? */
export function repoFileExists(path: string): boolean {
  return existsSync(join(REPO_ROOT, path));
}
