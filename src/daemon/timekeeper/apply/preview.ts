import { readFile } from 'node:fs/promises';
import type { Config } from '../../../config/schema.js';
import { renderChronyInclude } from '../render/chrony-include.js';
import { renderNtpsecFragment } from '../render/ntpsec-fragment.js';
import type { RenderFacts, Rendered } from '../render/render-types.js';
import { unifiedDiff } from './unified-diff.js';

export type TimekeeperKind = 'chrony' | 'ntpsec';

export interface ConfigPreview {
  kind: TimekeeperKind;
  path: string;
  rendered: Rendered;
  /** The installed file, or null when there is none. */
  installed: string | null;
  /** Unified diff installed -> rendered; '' when equal. */
  diff: string;
}

export function renderFor(kind: TimekeeperKind, config: Config, facts: RenderFacts): Rendered {
  return kind === 'chrony' ? renderChronyInclude(config, facts) : renderNtpsecFragment(config, facts);
}

export function installPathFor(kind: TimekeeperKind, config: Config): string {
  return kind === 'chrony' ? config.timekeeper.chrony.includeFile : config.timekeeper.ntpsec.fragmentFile;
}

/** What `config apply --dry-run` shows, as data (for MCP and the HTTP surface): nothing is written or validated. */
export async function previewTimekeeperConfig(kind: TimekeeperKind, config: Config, facts: RenderFacts): Promise<ConfigPreview> {
  const path = installPathFor(kind, config);
  const rendered = renderFor(kind, config, facts);
  let installed: string | null = null;
  try {
    installed = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { kind, path, rendered, installed, diff: unifiedDiff(installed, rendered.text, `${path} (installed)`, `${path} (rendered)`) };
}
