/**
 * Naming rules from spec names to TypeScript names, shared by the generator and the codec tests
 * so both agree on what a field is called.
 */

/** `ThrottleTimeMs` → `throttleTimeMs`, `ISRNodes` → `isrNodes`, `offset` stays `offset`. */
export function fieldName(specName: string): string {
  const leadingCaps = /^[A-Z]+/.exec(specName);
  if (!leadingCaps) return specName;
  const run = leadingCaps[0];
  if (run.length === specName.length) return specName.toLowerCase();
  if (run.length === 1) return specName[0]!.toLowerCase() + specName.slice(1);
  // "ISRNodes": the last capital of the run starts the next word.
  return run.slice(0, -1).toLowerCase() + specName.slice(run.length - 1);
}

/** `ProduceRequest` → `produce-request`, `ApiVersions` → `api-versions`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Type name of a struct nested in a message: the message name, then the struct's. */
export function structTypeName(messageName: string, structName: string): string {
  return structName === messageName ? messageName : `${messageName}${structName}`;
}
