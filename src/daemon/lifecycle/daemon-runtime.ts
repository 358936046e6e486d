import type { Config } from '../../config/schema.js';
import type { AlarmService } from '../alarms/alarm-service.js';
import type { ApplianceStore } from '../core/appliance-state.js';
import type { PendingKey } from '../core/reload-status.js';
import type { ControlServer } from '../control/control-server.js';
import type { GnssService } from '../gnss/gnss-service.js';
import type { PpsService } from '../pps/pps-service.js';
import type { RtcService } from '../rtc/rtc-service.js';
import type { HoldoverMonitor } from '../rtc/holdover-monitor.js';
import type { Logger } from '../logger.js';
import type { Notifier } from '../notify/sd-notify.js';
import type { Drivers } from '../wiring.js';
import type { GpsdExport } from '../wiring-gpsd.js';
import type { TimekeeperFeed } from '../wiring-timekeeper.js';
import type { McpWiring } from '../wiring-mcp.js';
import type { HttpWiring } from '../wiring-http.js';
import type { FleetHandle } from '../wiring-fleet.js';

export interface LifecycleOptions {
  configFile: string | null;
  simulate: boolean;
  env: NodeJS.ProcessEnv;
}

/**
 * What start-up, reload and stop share. Start-up fills it in step by step and a failed start-up
 * stops whatever it holds by then, so each service is recorded here the moment it exists; a
 * reload replaces services in place, so closures read them from here at call time.
 */
export class DaemonRuntime {
  /** What runs: the file's values except keys that wait for a restart. */
  config!: Config;
  pending: PendingKey[] = [];
  log!: Logger;
  notifier!: Notifier;
  store!: ApplianceStore;
  drivers!: Drivers;
  stateDir = '';
  control: ControlServer | null = null;
  gnss: GnssService | null = null;
  pps: PpsService | null = null;
  rtc: RtcService | null = null;
  holdover: HoldoverMonitor | null = null;
  gpsd: GpsdExport | null = null;
  feed: TimekeeperFeed | null = null;
  mcp: McpWiring | null = null;
  http: HttpWiring | null = null;
  fleet: FleetHandle | null = null;
  alarms: AlarmService | null = null;
  statusTimer: NodeJS.Timeout | null = null;
  settle: { cancel(): void } | null = null;
  /** The STATUS= line last sent, so an unchanged one is not sent again. */
  lastStatus = '';

  constructor(readonly options: LifecycleOptions) {}

  get source(): string {
    return this.options.configFile ?? '(defaults)';
  }

  /** What get_config shows: the running configuration and, when some, the keys waiting for a restart. */
  configView(): unknown {
    return this.pending.length === 0 ? this.config : { ...this.config, pendingRestart: this.pending };
  }
}
