/**
 * The dashboard's stylesheet, shipped as a string module so `tsc` alone puts it into dist/ (and
 * so into the package). Mobile first: tables become cards under 760 px, nothing wider than the
 * screen.
 */
export const STYLE_CSS = String.raw`
:root { --fg:#1b1f24; --muted:#5b6470; --bg:#f6f7f9; --card:#fff; --line:#dde1e6; --accent:#1f77b4; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); overflow-wrap: anywhere; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1rem; padding: .5rem 1rem; background: #18324a; color: #fff; }
header.top a { color: #fff; text-decoration: none; }
header.top .brand { font-weight: 700; }
header.top nav { display: flex; gap: .8rem; flex-wrap: wrap; }
header.top nav a[aria-current] { text-decoration: underline; }
header.top form.logout { margin-left: auto; display: flex; align-items: center; gap: .4rem; }
header.top button { font: inherit; padding: .15rem .6rem; }
.live-state { font-size: .8rem; opacity: .8; }
main { padding: .8rem 1rem 2rem; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .3rem 0 .6rem; }
h2 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
h2 small { color: var(--muted); font-weight: normal; }
.hint { color: var(--muted); font-size: .85rem; margin: .2rem 0 .6rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin: .6rem 0; }
.login { max-width: 24rem; margin: 2rem auto; }
form label { display: block; margin: .5rem 0; }
form input { display: block; width: 100%; max-width: 24rem; font: inherit; padding: .35rem .5rem; margin-top: .2rem; }
button { font: inherit; padding: .35rem .9rem; border-radius: 5px; border: 1px solid #8a96a3; background: #fff; cursor: pointer; }
button.danger { border-color: #b00020; color: #b00020; }
.error { color: #b00020; font-weight: 600; }
.empty { color: var(--muted); }
table { border-collapse: collapse; width: 100%; background: var(--card); font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: #eef1f4; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.silent td { background: #fff4e5; }
.sev { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .78rem; font-weight: 600; color: #fff; background: #777; white-space: nowrap; }
.sev-critical { background: #b00020; } .sev-major { background: #e65100; } .sev-minor { background: #f9a825; color: #222; }
.sev-warning { background: #fbc02d; color: #222; } .sev-info { background: #1976d2; } .sev-ok { background: #2e7d32; }
.alarm-id { font-family: ui-monospace, monospace; font-size: .8rem; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin: .3rem 0 .8rem; font-size: 1rem; }
.ranges { display: flex; gap: .3rem; flex-wrap: wrap; margin-bottom: .5rem; }
.ranges a { padding: .15rem .6rem; border: 1px solid var(--line); border-radius: 5px; background: #fff; text-decoration: none; color: var(--fg); }
.ranges a[aria-current] { background: var(--accent); color: #fff; border-color: var(--accent); }
dl.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .4rem 1rem; margin: .3rem 0; }
dl.summary div { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .3rem .5rem; }
dl.summary dt { font-size: .75rem; color: var(--muted); } dl.summary dd { margin: 0; font-weight: 600; }
.chart-card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .4rem .6rem; margin: .7rem 0; }
.chart { width: 100%; min-height: 220px; }
.chart .u-legend { font-size: .8rem; }
svg.timeline { width: 100%; height: auto; min-height: 24px; background: #fff; border: 1px solid var(--line); border-radius: 6px; display: block; margin-bottom: .5rem; }
svg.timeline .tl-label { font: 12px system-ui, sans-serif; fill: #222; }
pre { background: #f0f2f5; padding: .5rem; border-radius: 5px; white-space: pre-wrap; word-break: break-all; }
.scroll { overflow-x: auto; }
@media (max-width: 760px) {
  main { padding: .5rem .5rem 2rem; }
  table.cards, table.cards tbody, table.cards tr, table.cards td, table.cards th[scope=row] { display: block; width: 100%; }
  table.cards thead { display: none; }
  table.cards tr { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 .6rem; background: #fff; padding: .2rem .4rem; }
  table.cards td, table.cards th[scope=row] { border: 0; padding: .15rem .2rem; text-align: left; display: flex; justify-content: space-between; gap: 1rem; }
  table.cards td::before { content: attr(data-label); color: var(--muted); font-weight: normal; }
  table.cards td.name { font-size: 1.05rem; font-weight: 700; }
  .scroll { overflow-x: visible; }
}
`;
