/**
 * Emits the TypeScript for one struct of a message: its interface, and straight-line `write` and
 * `read` functions that branch on `version` per field. Version conditions are simplified against
 * the versions in which the struct can occur, so a field present in every version reads as one
 * unconditional call.
 */
import { fieldName, structTypeName } from './names.js';
import { DROP_ABSENT_FIELDS_OF } from './options.js';
import {
  type FieldSpec, type FieldType, type MessageSpec, type StructSpec, type VersionRange,
  intersect, isEmpty,
} from './spec.js';

/** A condition on `version`: always true, always false, or a TypeScript expression. */
type Cond = true | false | string;

function cond(range: VersionRange, within: VersionRange): Cond {
  const i = intersect(range, within);
  if (isEmpty(i)) return false;
  if (range.min <= within.min && range.max >= within.max) return true;
  const parts: string[] = [];
  if (i.min > within.min) parts.push(`version >= ${i.min}`);
  if (i.max < within.max) parts.push(`version <= ${i.max}`);
  return parts.join(' && ');
}

function and(a: Cond, b: Cond): Cond {
  if (a === false || b === false) return false;
  if (a === true) return b;
  if (b === true) return a;
  return `(${a}) && (${b})`;
}

function not(a: Cond): Cond {
  if (a === true) return false;
  if (a === false) return true;
  return `!(${a})`;
}

function ternary(c: Cond, a: string, b: string): string {
  if (c === true) return a;
  if (c === false) return b;
  return `(${c} ? ${a} : ${b})`;
}

function branch(c: Cond, a: string[], b: string[]): string[] {
  if (c === true) return a;
  if (c === false) return b;
  if (b.length === 0) return [`if (${c}) {`, ...indent(a), '}'];
  return [`if (${c}) {`, ...indent(a), '} else {', ...indent(b), '}'];
}

function usesVersion(lines: string[]): boolean {
  // A field may itself be called `version` (v.version, v_version); only the bare parameter counts.
  return lines.some((l) => /(?<![.\w])version\b(?!:)/.test(l));
}

function indent(lines: string[]): string[] {
  return lines.map((l) => `  ${l}`);
}

/** Inline versions of a field: present and not tagged. Tagged versions must form one end of the range. */
function inlineRange(field: FieldSpec, present: VersionRange): VersionRange {
  if (field.tag === undefined) return present;
  const tagged = intersect(field.taggedVersions, present);
  if (isEmpty(tagged)) return present;
  if (tagged.max >= present.max) return { min: present.min, max: tagged.min - 1 };
  if (tagged.min <= present.min) return { min: tagged.max + 1, max: present.max };
  throw new Error(`field ${field.name}: tagged versions split its versions in two`);
}

export class StructEmitter {
  constructor(private readonly message: MessageSpec) {}

  /** Versions in which `struct` can be encoded. */
  private structRange(struct: StructSpec): VersionRange {
    return intersect(struct.versions, this.message.validVersions);
  }

  typeName(struct: string): string {
    return structTypeName(this.message.name, struct);
  }

  private canBeNull(field: FieldSpec): boolean {
    return !isEmpty(intersect(field.nullableVersions, this.message.validVersions)) || field.defaultValue === 'null';
  }

  private tsType(type: FieldType): string {
    switch (type.kind) {
      case 'array': {
        const inner = this.tsType(type.element);
        return `${inner}[]`;
      }
      case 'struct':
        return this.typeName(type.name);
      case 'primitive':
        switch (type.name) {
          case 'bool': return 'boolean';
          case 'string': case 'uuid': return 'string';
          case 'bytes': case 'records': return 'Buffer';
          default: return 'number';
        }
    }
  }

  fieldType(field: FieldSpec): string {
    const t = this.tsType(field.type);
    return this.canBeNull(field) ? `${t} | null` : t;
  }

  defaultExpr(field: FieldSpec): string {
    const d = field.defaultValue;
    const t = field.type;
    if (d === 'null') return 'null';
    if (t.kind === 'array') return '[]';
    if (t.kind === 'struct') return `default${this.typeName(t.name)}()`;
    switch (t.name) {
      case 'bool':
        return d === true || d === 'true' ? 'true' : 'false';
      case 'string':
        return JSON.stringify(d === undefined ? '' : String(d));
      case 'uuid':
        return 'ZERO_UUID';
      case 'bytes': case 'records':
        return 'EMPTY_BYTES';
      case 'float64':
        return d === undefined ? '0' : String(Number(d));
      default: {
        if (d === undefined || d === '') return '0';
        const text = String(d).trim();
        const negative = text.startsWith('-');
        const body = negative ? text.slice(1) : text;
        const value = body.startsWith('0x') ? parseInt(body.slice(2), 16) : Number(body);
        if (!Number.isFinite(value)) throw new Error(`field ${field.name}: bad default ${text}`);
        return String(negative ? -value : value);
      }
    }
  }

  /** Expression true when `x` holds the field's default (what an absent version may carry). */
  private isDefaultExpr(field: FieldSpec, x: string): string {
    const d = this.defaultExpr(field);
    const t = field.type;
    if (d === 'null') return `${x} === null`;
    const nullable = this.canBeNull(field);
    if (t.kind === 'array' || (t.kind === 'primitive' && (t.name === 'bytes' || t.name === 'records'))) {
      return nullable ? `(${x} !== null && ${x}.length === 0)` : `${x}.length === 0`;
    }
    if (t.kind === 'struct') {
      const fn = `isDefault${this.typeName(t.name)}`;
      return nullable ? `(${x} !== null && ${fn}(${x}))` : `${fn}(${x})`;
    }
    return `${x} === ${d}`;
  }

  private flexibleRange(field: FieldSpec): VersionRange {
    return field.flexibleVersions ?? this.message.flexibleVersions;
  }

  // ---- reading ----

  private readPrimitive(name: string, flexible: Cond, nullable: Cond): string {
    switch (name) {
      case 'bool': return 'r.readBool()';
      case 'int8': return 'r.readInt8()';
      case 'int16': return 'r.readInt16()';
      case 'uint16': return 'r.readUInt16()';
      case 'int32': return 'r.readInt32()';
      case 'int64': return 'r.readInt64()';
      case 'float64': return 'r.readFloat64()';
      case 'uuid': return 'r.readUuid()';
      case 'string':
        return ternary(flexible,
          ternary(nullable, 'r.readCompactNullableString()', 'r.readCompactString()'),
          ternary(nullable, 'r.readNullableString()', 'r.readString()'));
      case 'bytes': case 'records':
        return ternary(flexible,
          ternary(nullable, 'r.readCompactNullableBytes()', 'r.readCompactBytes()'),
          ternary(nullable, 'r.readNullableBytes()', 'r.readBytes()'));
    }
    throw new Error(`unknown primitive ${name}`);
  }

  /** Statements that read one field's value into `target` (already declared). */
  private readValue(field: FieldSpec, target: string, within: VersionRange): string[] {
    const flexible = cond(this.flexibleRange(field), within);
    const nullable = cond(field.nullableVersions, within);
    const t = field.type;
    const name = fieldName(field.name);
    if (t.kind === 'primitive') return [`${target} = ${this.readPrimitive(t.name, flexible, nullable)};`];
    if (t.kind === 'struct') {
      const read = `read${this.typeName(t.name)}(r, version)`;
      if (nullable === false) return [`${target} = ${read};`];
      return branch(nullable, [`${target} = r.readInt8() < 0 ? null : ${read};`], [`${target} = ${read};`]);
    }
    const element = t.element;
    const readElement = element.kind === 'struct'
      ? `read${this.typeName(element.name)}(r, version)`
      : element.kind === 'primitive'
        ? this.readPrimitive(element.name, flexible, false)
        : (() => { throw new Error('nested arrays are not in any spec'); })();
    const length = ternary(flexible, 'r.readCompactArrayLength()', 'r.readArrayLength()');
    const onNull = branch(nullable, [`${target} = null;`], [`throw new ProtocolError(${JSON.stringify(`${this.message.name}: ${name} is null, but version `)} + version + ' does not allow null');`]);
    return [
      '{',
      `  const n = ${length};`,
      '  if (n < 0) {',
      ...indent(indent(onNull)),
      '  } else {',
      `    const a: ${this.tsType(element)}[] = [];`,
      `    for (let i = 0; i < n; i++) a.push(${readElement});`,
      `    ${target} = a;`,
      '  }',
      '}',
    ];
  }

  emitRead(struct: StructSpec): string[] {
    const typeName = this.typeName(struct.name);
    const within = this.structRange(struct);
    const body: string[] = [];
    const tagged: FieldSpec[] = [];
    for (const field of struct.fields) {
      const name = fieldName(field.name);
      const local = `v_${name}`;
      const present = intersect(field.versions, within);
      const inline = inlineRange(field, present);
      if (field.tag !== undefined && !isEmpty(intersect(field.taggedVersions, present))) tagged.push(field);
      const inlineCond = cond(inline, within);
      const read = inlineCond === false ? [] : this.readValue(field, local, inline);
      if (inlineCond === true && read.length === 1) {
        body.push(`${tagged.includes(field) ? 'let' : 'const'} ${local}: ${this.fieldType(field)} = ${read[0]!.slice(local.length + 3)}`);
        continue;
      }
      // Always read and never tagged: the read assigns it on every path, so no default first.
      const initial = inlineCond === true && !tagged.includes(field) ? '' : ` = ${this.defaultExpr(field)}`;
      body.push(`let ${local}: ${this.fieldType(field)}${initial};`);
      body.push(...branch(inlineCond, read, []));
    }
    const flexible = cond(this.message.flexibleVersions, within);
    if (flexible !== false) {
      const cases: string[] = [];
      for (const field of tagged.sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0))) {
        const local = `v_${fieldName(field.name)}`;
        const taggedRange = intersect(intersect(field.taggedVersions, field.versions), within);
        const c = cond(taggedRange, within);
        cases.push(`case ${field.tag}:`);
        cases.push(...indent(branch(c, this.readValue(field, local, taggedRange), ['r.skip(size);'])));
        cases.push('  break;');
      }
      const loop = [
        'const count = r.readUnsignedVarint();',
        'for (let t = 0; t < count; t++) {',
        '  const tag = r.readUnsignedVarint();',
        '  const size = r.readUnsignedVarint();',
        '  const end = r.pos + size;',
        ...(cases.length === 0
          ? ['  void tag;', '  r.skip(size);']
          : ['  switch (tag) {', ...indent(indent(cases)), '    default:', '      r.skip(size);', '  }']),
        `  if (r.pos !== end) throw new ProtocolError(\`${this.message.name}: tagged field \${tag} is not \${size} bytes long\`);`,
        '}',
      ];
      body.push(...branch(flexible, loop, []));
    }
    const fields = struct.fields.map((f) => `${fieldName(f.name)}: v_${fieldName(f.name)}`);
    body.push(fields.length === 0 ? 'return {};' : `return { ${fields.join(', ')} };`);
    const params = `r: Reader, ${usesVersion(body) ? 'version' : '_version'}: number`;
    return [`function read${typeName}(${params}): ${typeName} {`, ...indent(body), '}'];
  }

  // ---- writing ----

  private writePrimitive(name: string, x: string, flexible: Cond, nullable: Cond): string[] {
    switch (name) {
      case 'bool': return [`w.writeBool(${x});`];
      case 'int8': return [`w.writeInt8(${x});`];
      case 'int16': return [`w.writeInt16(${x});`];
      case 'uint16': return [`w.writeUInt16(${x});`];
      case 'int32': return [`w.writeInt32(${x});`];
      case 'int64': return [`w.writeInt64(${x});`];
      case 'float64': return [`w.writeFloat64(${x});`];
      case 'uuid': return [`w.writeUuid(${x});`];
      case 'string':
        return branch(flexible,
          branch(nullable, [`w.writeCompactNullableString(${x});`], [`w.writeCompactString(${x});`]),
          branch(nullable, [`w.writeNullableString(${x});`], [`w.writeString(${x});`]));
      case 'bytes': case 'records':
        return branch(flexible,
          branch(nullable, [`w.writeCompactNullableBytes(${x});`], [`w.writeCompactBytes(${x});`]),
          branch(nullable, [`w.writeNullableBytes(${x});`], [`w.writeBytes(${x});`]));
    }
    throw new Error(`unknown primitive ${name}`);
  }

  /** Statements writing the value held in local `x` (narrowed to non-null where it must be). */
  private writeValue(field: FieldSpec, x: string, within: VersionRange, writer = 'w'): string[] {
    const flexible = cond(this.flexibleRange(field), within);
    const nullable = cond(field.nullableVersions, within);
    const canBeNull = this.canBeNull(field);
    const t = field.type;
    const name = fieldName(field.name);
    const nullCheck = canBeNull
      ? [`if (${x} === null) throw nullField(${JSON.stringify(this.message.name)}, ${JSON.stringify(name)}, version);`]
      : [];
    let nonNull: string[];
    let nullableWrite: string[];
    if (t.kind === 'primitive') {
      nonNull = [...nullCheck, ...this.writePrimitive(t.name, x, flexible, false)];
      nullableWrite = this.writePrimitive(t.name, x, flexible, true);
    } else if (t.kind === 'struct') {
      const write = `write${this.typeName(t.name)}(w, ${x}, version);`;
      nonNull = [...nullCheck, write];
      nullableWrite = [`if (${x} === null) {`, '  w.writeInt8(-1);', '} else {', '  w.writeInt8(1);', `  ${write}`, '}'];
    } else {
      const element = t.element;
      const writeElement = element.kind === 'struct'
        ? [`write${this.typeName(element.name)}(w, e, version);`]
        : element.kind === 'primitive' ? this.writePrimitive(element.name, 'e', flexible, false) : [];
      const length = (n: string): string[] => branch(flexible, [`w.writeCompactArrayLength(${n});`], [`w.writeArrayLength(${n});`]);
      const loop = [`for (const e of ${x}) {`, ...indent(writeElement), '}'];
      nonNull = [...nullCheck, ...length(`${x}.length`), ...loop];
      nullableWrite = [`if (${x} === null) {`, ...indent(length('-1')), '} else {', ...indent(length(`${x}.length`)), ...indent(loop), '}'];
    }
    const lines = canBeNull ? branch(nullable, nullableWrite, nonNull) : nonNull;
    return writer === 'w' ? lines : lines.map((l) => l.replace(/\bw\./g, `${writer}.`).replace(/\(w, /g, `(${writer}, `));
  }

  emitWrite(struct: StructSpec): string[] {
    const typeName = this.typeName(struct.name);
    const within = this.structRange(struct);
    const messageName = JSON.stringify(this.message.name);
    const body: string[] = [];
    const tagged: FieldSpec[] = [];
    for (const field of struct.fields) {
      const name = fieldName(field.name);
      const present = intersect(field.versions, within);
      const inline = inlineRange(field, present);
      const presentCond = cond(field.versions, within);
      const inlineCond = cond(inline, within);
      if (field.tag !== undefined && !isEmpty(intersect(field.taggedVersions, present))) tagged.push(field);
      const x = `v.${name}`;
      const write = isEmpty(inline) ? [] : ['{', `  const x = ${x};`, ...indent(this.writeValue(field, 'x', inline)), '}'];
      const droppable = field.ignorable || DROP_ABSENT_FIELDS_OF.includes(this.message.type);
      const absent = droppable || presentCond === true
        ? []
        : branch(not(presentCond), [`if (!(${this.isDefaultExpr(field, x)})) throw nonDefaultField(${messageName}, ${JSON.stringify(name)}, version);`], []);
      const absentUnchecked = droppable ? [] : [`if (!(${this.isDefaultExpr(field, x)})) throw nonDefaultField(${messageName}, ${JSON.stringify(name)}, version);`];
      if (inlineCond === false) body.push(...absent);
      else if (absent.length === 0) body.push(...branch(inlineCond, write, []));
      else if (inline.min === present.min && inline.max === present.max) body.push(...branch(inlineCond, write, absentUnchecked));
      else body.push(...branch(inlineCond, write, absent));
    }
    const flexible = cond(this.message.flexibleVersions, within);
    if (flexible !== false) {
      const section: string[] = [];
      const sorted = tagged.sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
      if (sorted.length === 0) {
        section.push('w.writeUnsignedVarint(0);');
      } else {
        section.push('let count = 0;');
        const conds = sorted.map((field) => {
          const taggedRange = intersect(intersect(field.taggedVersions, field.versions), within);
          return and(cond(taggedRange, within), `!(${this.isDefaultExpr(field, `v.${fieldName(field.name)}`)})`);
        });
        conds.forEach((c) => section.push(...branch(c, ['count++;'], [])));
        section.push('w.writeUnsignedVarint(count);');
        sorted.forEach((field, i) => {
          const taggedRange = intersect(intersect(field.taggedVersions, field.versions), within);
          const inner = [
            'const t = new Writer(64);',
            `const x = v.${fieldName(field.name)};`,
            ...this.writeValue(field, 'x', taggedRange, 't'),
            `w.writeTaggedField(${field.tag}, t);`,
          ];
          section.push(...branch(conds[i]!, inner, []));
        });
      }
      body.push(...branch(flexible, section, []));
    }
    const text = body.join('\n');
    const params = [
      /\bw\./.test(text) || /\(w, /.test(text) ? 'w' : '_w',
      /\bv\./.test(text) ? 'v' : '_v',
    ];
    return [`function write${typeName}(${params[0]}: Writer, ${params[1]}: ${typeName}, ${usesVersion(body) ? 'version' : '_version'}: number): void {`, ...indent(body), '}'];
  }

  emitInterface(struct: StructSpec): string[] {
    const typeName = this.typeName(struct.name);
    if (struct.fields.length === 0) return [`export type ${typeName} = Record<string, never>;`];
    return [
      `export interface ${typeName} {`,
      ...struct.fields.map((f) => `  ${fieldName(f.name)}: ${this.fieldType(f)};`),
      '}',
    ];
  }

  emitDefaults(struct: StructSpec): string[] {
    const typeName = this.typeName(struct.name);
    const defaults = struct.fields.map((f) => `${fieldName(f.name)}: ${this.defaultExpr(f)}`);
    const checks = struct.fields.map((f) => this.isDefaultExpr(f, `v.${fieldName(f.name)}`));
    return [
      `export function default${typeName}(): ${typeName} {`,
      defaults.length === 0 ? '  return {};' : `  return { ${defaults.join(', ')} };`,
      '}',
      '',
      `export function isDefault${typeName}(${checks.length === 0 ? '_v' : 'v'}: ${typeName}): boolean {`,
      `  return ${checks.length === 0 ? 'true' : checks.join(' &&\n    ')};`,
      '}',
    ];
  }
}
