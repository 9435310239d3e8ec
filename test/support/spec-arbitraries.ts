/**
 * fast-check arbitraries for any message of Kafka's specs at one version: every field the version
 * carries gets random values of its type (null where that version allows it), every other field
 * holds the default the generated module declares, so `decode(encode(x)) == x` must hold exactly.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DEFAULT_SPECS_DIR } from '../../tools/codegen/main.js';
import { fieldName, kebabCase, structTypeName } from '../../tools/codegen/names.js';
import { type FieldSpec, type FieldType, type MessageSpec, type SpecSet, inRange, loadSpecs } from '../../tools/codegen/spec.js';
import { pairApis } from '../../tools/codegen/generate.js';
import type { MessageCodec } from '../../src/protocol/primitives/index.js';

export const specsDir = DEFAULT_SPECS_DIR;
export const specsPresent = existsSync(join(specsDir, 'messages'));

export function loadSpecSet(): SpecSet {
  return loadSpecs(specsDir);
}

/** A generated module, seen as a table of exports. */
export type GeneratedModule = Readonly<Record<string, unknown>>;

export interface MessageUnderTest {
  readonly spec: MessageSpec;
  /** Module path relative to src/protocol/generated, without extension. */
  readonly file: string;
}

export function allMessages(specs: SpecSet): MessageUnderTest[] {
  const out: MessageUnderTest[] = [];
  for (const api of pairApis(specs.messages)) {
    out.push({ spec: api.request, file: api.file }, { spec: api.response, file: api.file });
  }
  for (const m of specs.messages.filter((x) => x.type === 'header' || x.type === 'data')) out.push({ spec: m, file: kebabCase(m.name) });
  for (const m of specs.groupCoordinator) out.push({ spec: m, file: `group-coordinator/${kebabCase(m.name)}` });
  for (const m of specs.transactionCoordinator) out.push({ spec: m, file: `transaction-coordinator/${kebabCase(m.name)}` });
  return out;
}

export async function loadGeneratedModule(file: string): Promise<GeneratedModule> {
  return (await import(`../../src/protocol/generated/${file}.js`)) as GeneratedModule;
}

export function codecOf(mod: GeneratedModule, message: MessageSpec): MessageCodec<unknown> {
  const codec = mod[message.name];
  if (typeof codec !== 'object' || codec === null) throw new Error(`module has no codec ${message.name}`);
  return codec as MessageCodec<unknown>;
}

function defaultsOf(mod: GeneratedModule, typeName: string): Record<string, unknown> {
  const make = mod[`default${typeName}`];
  if (typeof make !== 'function') throw new Error(`module has no default${typeName}`);
  return (make as () => Record<string, unknown>)();
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function primitiveArb(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'bool': return fc.boolean();
    case 'int8': return fc.integer({ min: -128, max: 127 });
    case 'int16': return fc.integer({ min: -32768, max: 32767 });
    case 'uint16': return fc.integer({ min: 0, max: 65535 });
    case 'int32': return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'int64': return fc.oneof(fc.integer({ min: -MAX_SAFE, max: MAX_SAFE }), fc.constantFrom(-1, 0, 1, 2 ** 40));
    case 'float64': return fc.double();
    case 'string': return fc.string({ unit: 'grapheme', maxLength: 12 });
    case 'uuid': return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
    case 'bytes': case 'records': return fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b));
  }
  throw new Error(`unknown primitive ${name}`);
}

export class MessageArbitraries {
  constructor(private readonly mod: GeneratedModule, private readonly message: MessageSpec) {}

  private typeArb(type: FieldType, version: number): fc.Arbitrary<unknown> {
    switch (type.kind) {
      case 'primitive': return primitiveArb(type.name);
      case 'array': return fc.array(this.typeArb(type.element, version), { maxLength: 3 });
      case 'struct': return this.structArb(type.name, version);
    }
  }

  private fieldArb(field: FieldSpec, version: number, defaults: Record<string, unknown>): fc.Arbitrary<unknown> {
    const name = fieldName(field.name);
    if (!inRange(field.versions, version)) return fc.constant(defaults[name]);
    const value = this.typeArb(field.type, version);
    return inRange(field.nullableVersions, version) ? fc.option(value, { nil: null, freq: 4 }) : value;
  }

  structArb(structName: string, version: number): fc.Arbitrary<unknown> {
    const struct = structName === this.message.name ? this.message.root : this.message.structs.get(structName);
    if (!struct) throw new Error(`unknown struct ${structName}`);
    const defaults = defaultsOf(this.mod, structTypeName(this.message.name, structName));
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of struct.fields) shape[fieldName(field.name)] = this.fieldArb(field, version, defaults);
    return fc.record(shape).map((o) => ({ ...o }));
  }

  messageArb(version: number): fc.Arbitrary<unknown> {
    return this.structArb(this.message.name, version);
  }
}

export function versionsOf(message: MessageSpec): number[] {
  const out: number[] = [];
  for (let v = message.validVersions.min; v <= message.validVersions.max; v++) out.push(v);
  return out;
}
