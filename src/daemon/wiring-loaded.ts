/**
 * Which optional subsystems this daemon process has loaded (imported) so far, in load order.
 * The wiring imports each of them only when the configuration (or a first use) needs it, and
 * notes it here; `stratum1d status --json` shows the list as `footprint.loaded`, so an operator
 * (and the footprint test) can see that a daemon with MCP off never loaded the MCP SDK.
 */
const loaded: string[] = [];

export function noteLoaded(name: string): void {
  if (!loaded.includes(name)) loaded.push(name);
}

export function loadedSubsystems(): readonly string[] {
  return loaded;
}
