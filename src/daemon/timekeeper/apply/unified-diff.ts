/**
 * A unified diff (`diff -u` layout, 3 lines of context) of two small text files. Config files
 * are tens of lines, so a plain LCS table is fast enough and keeps this dependency-free.
 */
export function unifiedDiff(oldText: string | null, newText: string, oldName: string, newName: string, context = 3): string {
  const a = splitLines(oldText ?? '');
  const b = splitLines(newText);
  const ops = diffOps(a, b);
  if (ops.every((o) => o.kind === ' ')) return '';
  const out = [`--- ${oldText === null ? '/dev/null' : oldName}`, `+++ ${newName}`];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') {
      i++;
      continue;
    }
    // Grow a hunk while changes are within 2*context lines of each other.
    const start = Math.max(0, i - context);
    let end = i;
    let lastChange = i;
    while (end < ops.length && end - lastChange <= 2 * context) {
      if (ops[end]!.kind !== ' ') lastChange = end;
      end++;
    }
    end = Math.min(ops.length, lastChange + context + 1);
    const hunk = ops.slice(start, end);
    const aStart = ops[start]!.aIndex;
    const bStart = ops[start]!.bIndex;
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${aLen === 0 ? aStart : aStart + 1},${aLen} +${bLen === 0 ? bStart : bStart + 1},${bLen} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
    i = end;
  }
  return `${out.join('\n')}\n`;
}

interface Op {
  kind: ' ' | '-' | '+';
  line: string;
  /** Lines of a / b before this op. */
  aIndex: number;
  bIndex: number;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..]
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]!, aIndex: i, bIndex: j });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // Deletions before insertions, as diff(1) prints them.
      ops.push({ kind: '-', line: a[i]!, aIndex: i, bIndex: j });
      i++;
    } else {
      ops.push({ kind: '+', line: b[j]!, aIndex: i, bIndex: j });
      j++;
    }
  }
  return ops;
}
