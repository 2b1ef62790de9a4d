/** Every key path a scenario file can hold, from the JSON Schema (`a.b`, `a[].b`), with its description. */
export function schemaPaths(schema: Record<string, unknown>): Map<string, string> {
  const definitions = (schema['definitions'] ?? {}) as Record<string, Record<string, unknown>>;
  const paths = new Map<string, string>();
  const walk = (node: Record<string, unknown>, prefix: string) => {
    const ref = node['$ref'];
    if (typeof ref === 'string') return walk(definitions[ref.replace('#/definitions/', '')]!, prefix);
    for (const branch of (node['oneOf'] ?? []) as Record<string, unknown>[]) walk(branch, prefix);
    if (node['items']) walk(node['items'] as Record<string, unknown>, `${prefix}[]`);
    for (const [key, child] of Object.entries((node['properties'] ?? {}) as Record<string, Record<string, unknown>>)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const description = typeof child['description'] === 'string' ? child['description'] : paths.get(path) ?? '';
      paths.set(path, description);
      walk(child, path);
    }
  };
  walk(schema, '');
  return paths;
}
