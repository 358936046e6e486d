import { existsSync } from 'node:fs';
import type { Config } from '../../../config/schema.js';
import { stateDir } from '../../../config/paths.js';
import { VERSION } from '../../version.js';
import type { RenderFacts } from '../render/render-types.js';
import { kernelPpsFact } from './kernel-pps-fact.js';
import { readStoredOffset } from './nmea-offset-file.js';

export interface FactOptions {
  configSource: string;
  /** `--offset S`: wins over everything. */
  offsetOverrideS?: number | null;
  daemonManagesRtc?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where device nodes live (`/dev`); tests point it elsewhere. */
  devDir?: string;
}

/**
 * The machine facts the renderers need, read now: which devices exist, and the NMEA offset
 * (override, else the persisted calibration, else the configured initial value). Works with
 * no daemon running. Returns the reasons a stored calibration was ignored as notes.
 */
export async function gatherFacts(config: Config, o: FactOptions): Promise<{ facts: RenderFacts; notes: string[] }> {
  const notes: string[] = [];
  let nmeaOffsetS = config.timekeeper.nmeaOffset.initialS;
  let offsetSource = 'timekeeper.nmeaOffset.initialS (not calibrated yet)';
  if (o.offsetOverrideS !== undefined && o.offsetOverrideS !== null) {
    nmeaOffsetS = o.offsetOverrideS;
    offsetSource = 'given with --offset';
  } else {
    const stored = await readStoredOffset(stateDir(config, o.env));
    if (stored.kind === 'ok') {
      nmeaOffsetS = stored.valueS;
      const extra = [stored.samples !== null ? `${stored.samples} samples` : null, stored.spreadS !== null ? `spread ${stored.spreadS} s` : null].filter(Boolean);
      offsetSource = `calibrated${extra.length ? ` (${extra.join(', ')})` : ''}`;
    } else if (stored.kind === 'unusable') {
      notes.push(`ignored ${stored.path}: ${stored.reason}`);
    }
  }
  return {
    facts: {
      generator: `stratum1d ${VERSION}`,
      configSource: o.configSource,
      nmeaOffsetS,
      offsetSource,
      daemonManagesRtc: o.daemonManagesRtc ?? false,
      pathExists: (p) => existsSync(p),
      interfaceExists: (name) => /^[\w.:-]+$/.test(name) && existsSync(`/sys/class/net/${name}`),
      kernelPps: kernelPpsFact({ want: config.pps.kernel.device, sysfsRoot: config.pps.kernel.sysfsRoot, ...(o.devDir ? { devDir: o.devDir } : {}) }),
    },
    notes,
  };
}
