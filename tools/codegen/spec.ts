/**
 * Reads Kafka's JSON message specs (data files with `//` comments) into a typed model that the
 * emitter and the codec tests share. Nothing here knows TypeScript output; it only answers
 * "which fields does version N have, and how is each encoded".
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Inclusive version range; `max` is Infinity for "N+"; an empty range has min > max. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export const NO_VERSIONS: VersionRange = { min: 1, max: 0 };

export function parseVersions(text: string | undefined): VersionRange {
  if (text === undefined || text === '' || text === 'none') return NO_VERSIONS;
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  if (/^\d+$/.test(text)) return { min: Number(text), max: Number(text) };
  throw new Error(`unparseable version range ${JSON.stringify(text)}`);
}

export function inRange(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  return { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
}

export function isEmpty(range: VersionRange): boolean {
  return range.min > range.max;
}

export type PrimitiveType =
  | 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64'
  | 'string' | 'bytes' | 'records' | 'uuid';

const PRIMITIVES = new Set<string>(['bool', 'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid']);

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveType }
  | { readonly kind: 'struct'; readonly name: string }
  | { readonly kind: 'array'; readonly element: FieldType };

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  readonly taggedVersions: VersionRange;
  readonly tag: number | undefined;
  /** Field-level override of the message's flexible versions (RequestHeader's ClientId: "none"). */
  readonly flexibleVersions: VersionRange | undefined;
  readonly ignorable: boolean;
  /** The spec's `default`, as written (string, number or boolean), or undefined. */
  readonly defaultValue: string | number | boolean | undefined;
}

export interface StructSpec {
  readonly name: string;
  readonly versions: VersionRange;
  readonly fields: readonly FieldSpec[];
}

export interface MessageSpec {
  readonly name: string;
  readonly type: 'request' | 'response' | 'header' | 'data';
  readonly apiKey: number | undefined;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly latestVersionUnstable: boolean;
  readonly listeners: readonly string[];
  /** The message's own fields, as a struct named after the message. */
  readonly root: StructSpec;
  /** Every named struct in the file (inline and common), by name. */
  readonly structs: ReadonlyMap<string, StructSpec>;
  readonly sourceFile: string;
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  ignorable?: boolean;
  default?: string | number | boolean;
  fields?: RawField[];
}

interface RawStruct {
  name: string;
  versions?: string;
  fields: RawField[];
}

interface RawMessage {
  name: string;
  type: MessageSpec['type'];
  apiKey?: number;
  validVersions: string;
  flexibleVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: RawStruct[];
}

/** Kafka's spec files are JSON with `//` line comments (never inside strings in practice). */
export function stripComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let inString = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (c === '"' && line[i - 1] !== '\\') inString = !inString;
        if (!inString && c === '/' && line[i + 1] === '/') return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

function parseType(type: string, structs: Map<string, StructSpec>, field: RawField, outerVersions: VersionRange): FieldType {
  if (type.startsWith('[]')) {
    return { kind: 'array', element: parseType(type.slice(2), structs, field, outerVersions) };
  }
  if (PRIMITIVES.has(type)) return { kind: 'primitive', name: type as PrimitiveType };
  if (field.fields) {
    if (structs.has(type)) throw new Error(`struct ${type} is defined twice`);
    // Register before parsing children so a recursive name clash is reported, not looped on.
    const placeholder: StructSpec = { name: type, versions: outerVersions, fields: [] };
    structs.set(type, placeholder);
    const fields = field.fields.map((f) => parseField(f, structs));
    structs.set(type, { name: type, versions: outerVersions, fields });
  }
  return { kind: 'struct', name: type };
}

function parseField(raw: RawField, structs: Map<string, StructSpec>): FieldSpec {
  // A tagged field may leave out `versions`; it then exists exactly in its tagged versions.
  const versions = parseVersions(raw.versions ?? raw.taggedVersions);
  return {
    name: raw.name,
    type: parseType(raw.type, structs, raw, versions),
    versions,
    nullableVersions: parseVersions(raw.nullableVersions),
    taggedVersions: parseVersions(raw.taggedVersions),
    tag: raw.tag,
    flexibleVersions: raw.flexibleVersions === undefined ? undefined : parseVersions(raw.flexibleVersions),
    ignorable: raw.ignorable === true,
    defaultValue: raw.default,
  };
}

export function parseMessage(text: string, sourceFile: string): MessageSpec {
  const raw = JSON.parse(stripComments(text)) as RawMessage;
  const structs = new Map<string, StructSpec>();
  for (const common of raw.commonStructs ?? []) {
    structs.set(common.name, { name: common.name, versions: parseVersions(common.versions ?? '0+'), fields: [] });
  }
  for (const common of raw.commonStructs ?? []) {
    const fields = common.fields.map((f) => parseField(f, structs));
    structs.set(common.name, { name: common.name, versions: parseVersions(common.versions ?? '0+'), fields });
  }
  const validVersions = parseVersions(raw.validVersions);
  const rootFields = raw.fields.map((f) => parseField(f, structs));
  for (const [name, struct] of structs) {
    if (struct.fields.length === 0 && !(raw.commonStructs ?? []).some((c) => c.name === name)) {
      throw new Error(`${sourceFile}: struct ${name} has no definition`);
    }
  }
  return {
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey,
    validVersions,
    flexibleVersions: parseVersions(raw.flexibleVersions),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    listeners: raw.listeners ?? [],
    root: { name: raw.name, versions: validVersions, fields: rootFields },
    structs,
    sourceFile,
  };
}

export interface SpecSet {
  readonly messages: readonly MessageSpec[];
  readonly groupCoordinator: readonly MessageSpec[];
  readonly transactionCoordinator: readonly MessageSpec[];
}

function loadDir(dir: string, label: string): MessageSpec[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseMessage(readFileSync(join(dir, f), 'utf8'), `${label}/${f}`));
}

export function loadSpecs(specDir: string): SpecSet {
  return {
    messages: loadDir(join(specDir, 'messages'), 'messages'),
    groupCoordinator: loadDir(join(specDir, 'group-coordinator'), 'group-coordinator'),
    transactionCoordinator: loadDir(join(specDir, 'transaction-coordinator'), 'transaction-coordinator'),
  };
}

/** Versions in which the field is encoded in the tagged-field section rather than in line. */
export function isTaggedIn(field: FieldSpec, version: number): boolean {
  return field.tag !== undefined && inRange(field.taggedVersions, version);
}

export function isFlexibleField(field: FieldSpec, message: MessageSpec, version: number): boolean {
  return inRange(field.flexibleVersions ?? message.flexibleVersions, version);
}
