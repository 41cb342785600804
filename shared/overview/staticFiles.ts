/**
 * The page's only style sheet and script, served by the app itself (no CDN: the machines that run
 * Vigil may have no internet). The script only enhances: every table sorts and filters through
 * links and a form without it.
 */
const stylesheet = `
:root { --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --bg:#fff; --accent:#0b5cad; --crit:#a40e26; --high:#d1242f; --med:#bf8700; --low:#57606a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus, button:focus, select:focus, input:focus, summary:focus { outline: 3px solid #f6b73c; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
header { display: flex; gap: 24px; align-items: center; padding: 10px 24px; border-bottom: 1px solid var(--line); background: #f6f8fa; }
.brand { font-weight: 700; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 16px; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); }
main { padding: 16px 24px; max-width: 1300px; }
footer { padding: 16px 24px; color: var(--muted); font-size: 13px; }
h1 { font-size: 22px; margin: 4px 0 16px; } h2 { font-size: 17px; margin: 24px 0 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 16px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; min-width: 160px; }
.card .n { font-size: 26px; font-weight: 700; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px 32px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th a { color: var(--fg); }
td.num, th.num { text-align: right; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.sev-critical { color: var(--crit); fill: var(--crit); } .sev-high { color: var(--high); fill: var(--high); }
.sev-medium { color: var(--med); fill: var(--med); } .sev-low { color: var(--low); fill: var(--low); }
.bar { fill: var(--accent); } .bar.opened { fill: #d1242f; } .bar.resolved { fill: #1a7f37; }
.bar.sev-critical { fill: var(--crit); } .bar.sev-high { fill: var(--high); } .bar.sev-medium { fill: var(--med); } .bar.sev-low { fill: var(--low); }
.axis { stroke: var(--line); }
.chart-label, .chart-value, .chart-tick { font-size: 12px; fill: var(--fg); }
.chart-tick { fill: var(--muted); }
form.filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: end; margin: 8px 0 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
.muted { color: var(--muted); }
.pager { margin: 12px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; } dl.facts dt { color: var(--muted); }
`;

const script = `
// Progressive enhancement only: the filter form submits itself when a choice changes.
document.addEventListener('change', function (event) {
  var target = event.target;
  if (target && target.form && target.form.classList.contains('filters') && target.tagName === 'SELECT') target.form.submit();
});
`;

const favicon =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1l6 2v5c0 3.5-2.6 6-6 7-3.4-1-6-3.5-6-7V3z" fill="#0b5cad"/></svg>';

export const staticFiles: Record<string, { contentType: string; body: string }> = {
  'overview.css': { contentType: 'text/css; charset=utf-8', body: stylesheet },
  'overview.js': { contentType: 'text/javascript; charset=utf-8', body: script },
  'favicon.svg': { contentType: 'image/svg+xml', body: favicon },
};
