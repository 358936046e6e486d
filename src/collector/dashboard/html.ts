/** HTML building blocks: escaping and number/time formatting for the server-rendered pages. */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** JSON inside a <script type="application/json">: `<` escaped so no `</script>` can end it early. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Three significant figures, no exponent for everyday magnitudes. */
export function sig3(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000 || a < 0.001) return v.toPrecision(3);
  return Number(v.toPrecision(3)).toString();
}

/** Seconds with an automatic unit (ns, µs, ms, s). */
export function fmtSeconds(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a === 0) return '0 s';
  if (a < 1e-6) return `${sig3(v * 1e9)} ns`;
  if (a < 1e-3) return `${sig3(v * 1e6)} µs`;
  if (a < 1) return `${sig3(v * 1e3)} ms`;
  return `${sig3(v)} s`;
}

export function fmtNum(v: number | null | undefined, unit = '', digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(digits)).toString();
  return unit ? `${s} ${unit}` : s;
}

/** UTC, to the second: pages are shared across time zones, and the fleet runs on UTC. */
export function fmtTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}
