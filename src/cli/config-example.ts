import { schemaTree, type SchemaNode } from '../config/schema-walk.js';
import { type CliIo, UsageError } from './flags.js';

// The commented starting config.yaml (the Debian package ships it as /etc/stratum1d/config.yaml).
// Every key is commented out, so the file means "all defaults" and a package upgrade never has
// to merge values. Removing exactly one leading `#` from a key line and from its sections' lines
// gives valid YAML: doc lines stay comments after that (`#  # ...`), and so do the header lines
// (`## ...`) and keys without a default (`#  # key: ...`), which would otherwise fail validation.

const WIDTH = 100;

const HEADER = [
  '## stratum1d configuration.',
  '##',
  '## Every key is commented out and shows its default: this file as shipped means "all defaults".',
  '## To change a key, remove the leading "#" from its line and from the lines of the sections',
  '## above it (e.g. "gnss:"), keeping the indentation. Unknown keys and bad values stop the',
  '## daemon with exit status 78 and the key\'s path in the journal.',
  '##',
  '## Any key can also be set from the environment, STRATUM1D_<SECTION>__<KEY>=value',
  '## (e.g. STRATUM1D_GNSS__DEVICE=/dev/ttyUSB0; the service reads /etc/default/stratum1d).',
  '##',
  '## After editing:  stratum1d config check /etc/stratum1d/config.yaml',
  '##                 systemctl reload stratum1d      (re-reads this file)',
  '##                 stratum1d config apply          (renders and installs chrony\'s include)',
  '## Reference:      stratum1d config doc',
];

/** `stratum1d config example`: prints the commented configuration to stdout. */
export function runConfigExample(argv: string[], io: CliIo): number {
  if (argv[0] === '--help') {
    io.stdout.write('usage: stratum1d config example   (a commented config.yaml with every key and its default)\n');
    return 0;
  }
  if (argv.length > 0) throw new UsageError(`config example takes no arguments (got ${argv[0]})`);
  io.stdout.write(renderConfigExample());
  return 0;
}

export function renderConfigExample(): string {
  const lines = [...HEADER];
  for (const section of schemaTree.children ?? []) {
    lines.push('');
    renderNode(section, 0, lines);
  }
  return `${lines.join('\n')}\n`;
}

function renderNode(node: SchemaNode, depth: number, lines: string[]): void {
  const indent = '  '.repeat(depth);
  const key = node.path[node.path.length - 1]!;
  for (const d of wrap(describe(node), WIDTH - indent.length - 4)) lines.push(`#${indent}# ${d}`.trimEnd());
  if (node.kind === 'section') {
    lines.push(`#${indent}${key}:`);
    for (const child of node.children ?? []) renderNode(child, depth + 1, lines);
    return;
  }
  if (node.defaultValue === undefined) {
    lines.push(`#${indent}# ${key}: (not set by default)`);
    return;
  }
  lines.push(`#${indent}${key}: ${yamlValue(node.defaultValue)}`);
}

function describe(node: SchemaNode): string {
  const text = node.description.trim();
  if (node.kind === 'enum') return `${text} One of: ${node.options!.join(', ')}.`;
  return text;
}

/** JSON is valid YAML; plain strings are written bare when that cannot change their meaning. */
function yamlValue(v: unknown): string {
  if (typeof v === 'string' && /^[A-Za-z/][\w./-]*$/.test(v) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(v)) return v;
  return JSON.stringify(v);
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out;
}
