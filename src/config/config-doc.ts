import { schemaTree, type SchemaNode } from './schema-walk.js';

/** The configuration reference as Markdown, generated from the schema (README section). */
export function renderConfigDoc(): string {
  const lines: string[] = [];
  for (const section of schemaTree.children ?? []) {
    renderSection(section, lines);
  }
  return lines.join('\n');
}

function renderSection(node: SchemaNode, lines: string[]): void {
  lines.push(`### \`${node.path.join('.')}\``, '', node.description, '');
  lines.push('| key | type | default | meaning |', '|---|---|---|---|');
  const nested: SchemaNode[] = [];
  for (const child of node.children ?? []) {
    if (child.kind === 'section') {
      nested.push(child);
      continue;
    }
    const type = child.kind === 'enum' ? child.options!.map((o) => `\`${o}\``).join(' \\| ') : child.kind;
    const def = child.defaultValue === undefined ? '—' : `\`${JSON.stringify(child.defaultValue)}\``;
    lines.push(`| \`${child.path.join('.')}\` | ${type} | ${def} | ${child.description.replace(/\|/g, '\\|')} |`);
  }
  lines.push('');
  for (const n of nested) renderSection(n, lines);
}
