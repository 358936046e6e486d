import { basename, dirname } from 'node:path';

/**
 * Make a copy of the operator's chrony.conf load a candidate include instead of the installed
 * one, so `chronyd -p` checks the combination chronyd will really run (chrony.conf(5)):
 * - `include PATTERN` naming the include file is pointed at the candidate; a glob matching it
 *   becomes explicit includes of its other matches plus the candidate;
 * - `confdir DIR...` listing the include's directory gets the candidate's directory first:
 *   "if multiple directories contain a file with the same name, only the first file in the
 *   order of the specified directories will be included", so the candidate shadows the
 *   installed file of the same name and every other fragment still loads.
 * Pure: globs are expanded by the caller's `expandGlob`.
 */
export interface Substitution {
  text: string;
  /** How many directives would load the include file. 0: installing it changes nothing. */
  references: number;
}

const COMMENT = /^\s*[!;#%]/;

export function substituteInclude(
  mainText: string,
  includeFile: string,
  candidateFile: string,
  expandGlob: (pattern: string) => string[],
): Substitution {
  if (basename(candidateFile) !== basename(includeFile)) throw new Error('the candidate must carry the include file\'s name (confdir shadows by name)');
  const includeDir = dirname(includeFile);
  let references = 0;
  const lines = mainText.split('\n').map((line) => {
    if (COMMENT.test(line)) return line;
    const words = line.trim().split(/\s+/);
    const directive = words[0]?.toLowerCase();
    if (directive === 'include' && words[1] !== undefined) {
      const pattern = words[1];
      if (pattern === includeFile) {
        references++;
        return `include ${candidateFile}`;
      }
      if (/[*?[]/.test(pattern) && globMatches(pattern, includeFile)) {
        references++;
        const others = expandGlob(pattern).filter((f) => f !== includeFile);
        return [...others, candidateFile].map((f) => `include ${f}`).join('\n');
      }
    } else if (directive === 'confdir' && words.slice(1).some((d) => stripSlash(d) === includeDir) && includeFile.endsWith('.conf')) {
      references++;
      return `confdir ${dirname(candidateFile)} ${words.slice(1).join(' ')}`;
    }
    return line;
  });
  return { text: lines.join('\n'), references };
}

/** glob(7) for one path: `*` and `?` never cross a `/`; `[...]` classes. */
export function globMatches(pattern: string, path: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(path);
}

function stripSlash(d: string): string {
  return d.length > 1 ? d.replace(/\/+$/, '') : d;
}
