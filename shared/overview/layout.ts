import { html, type SafeHtml } from './html';

/** Where the pages live: under the Functions route prefix, so the same paths work in Azure and on the local host. */
export const overviewBase = '/api/overview';

export const views = [
  { id: 'overview', title: 'Overview', path: overviewBase },
  { id: 'risks', title: 'Risks', path: `${overviewBase}/risks` },
  { id: 'repositories', title: 'Repositories', path: `${overviewBase}/repositories` },
  { id: 'pipelines', title: 'Pipelines', path: `${overviewBase}/pipelines` },
  { id: 'connections', title: 'Service connections', path: `${overviewBase}/connections` },
  { id: 'operations', title: 'Operations', path: `${overviewBase}/operations` },
] as const;
export type ViewId = (typeof views)[number]['id'];

/** A whole page: no inline script or style (the CSP allows only files from the app itself). */
export function page(active: ViewId, title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Vigil</title>
<link rel="stylesheet" href="${overviewBase}/static/overview.css">
<link rel="icon" href="${overviewBase}/static/favicon.svg" type="image/svg+xml">
<script src="${overviewBase}/static/overview.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><span class="brand">Vigil</span>
<nav aria-label="Views"><ul>${views.map(
    (view) => html`<li><a href="${view.path}"${view.id === active ? html` aria-current="page"` : ''}>${view.title}</a></li>`,
  )}</ul></nav></header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${body}
</main>
<footer>Read-only. Secrets are never shown: only redacted previews.</footer>
</body>
</html>
`.text;
}

export function ago(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400 * 2) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400 * 2) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** A link to the same page with some query parameters changed (sorting, paging); empty values are dropped. */
export function withQuery(
  path: string,
  current: Record<string, string | number | undefined>,
  changes: Record<string, string | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...current, ...changes })) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
