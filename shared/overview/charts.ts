import { escapeHtml, rawHtml, type SafeHtml } from './html';

/**
 * Charts drawn on the server as SVG (docs/overview.md): no CDN, no script, readable with JavaScript
 * off, and each chart carries its numbers as a title and a table beside it for screen readers.
 */
export interface Bar {
  label: string;
  value: number;
  /** A CSS class naming the colour (`sev-critical`, `opened`). */
  tone?: string;
}

export function horizontalBars(title: string, bars: Bar[]): SafeHtml {
  const width = 420;
  const rowHeight = 26;
  const labelWidth = 140;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(rowHeight, bars.length * rowHeight);
  const rows = bars.map((bar, i) => {
    const y = i * rowHeight;
    const length = bar.value === 0 ? 0 : Math.max(2, Math.round(((width - labelWidth - 50) * bar.value) / max));
    return (
      `<g><title>${escapeHtml(`${bar.label}: ${bar.value}`)}</title>` +
      `<text x="0" y="${y + 17}" class="chart-label">${escapeHtml(bar.label)}</text>` +
      `<rect x="${labelWidth}" y="${y + 5}" width="${length}" height="${rowHeight - 10}" class="bar ${escapeHtml(bar.tone ?? '')}"></rect>` +
      `<text x="${labelWidth + length + 6}" y="${y + 17}" class="chart-value">${bar.value}</text></g>`
    );
  });
  return rawHtml(
    `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" data-bars="${bars.length}">` +
      `<title>${escapeHtml(title)}</title>${rows.join('')}</svg>`,
  );
}

export interface PairedColumn {
  label: string;
  first: number;
  second: number;
}

/** Two columns per label (opened and resolved per week), with a legend. */
export function pairedColumns(title: string, names: [string, string], columns: PairedColumn[]): SafeHtml {
  const chartHeight = 160;
  const step = 34;
  const width = Math.max(200, columns.length * step + 40);
  const max = Math.max(1, ...columns.flatMap((c) => [c.first, c.second]));
  const scale = (n: number) => (n === 0 ? 0 : Math.max(2, Math.round((chartHeight * n) / max)));
  const parts: string[] = [`<line x1="30" y1="${chartHeight + 10}" x2="${width}" y2="${chartHeight + 10}" class="axis"></line>`];
  parts.push(`<text x="0" y="14" class="chart-value">${max}</text><text x="0" y="${chartHeight + 10}" class="chart-value">0</text>`);
  columns.forEach((column, i) => {
    const x = 34 + i * step;
    const a = scale(column.first);
    const b = scale(column.second);
    parts.push(
      `<g><title>${escapeHtml(`${column.label}: ${names[0]} ${column.first}, ${names[1]} ${column.second}`)}</title>` +
        `<rect x="${x}" y="${chartHeight + 10 - a}" width="12" height="${a}" class="bar opened"></rect>` +
        `<rect x="${x + 13}" y="${chartHeight + 10 - b}" width="12" height="${b}" class="bar resolved"></rect></g>`,
    );
    if (i % 2 === 0) parts.push(`<text x="${x}" y="${chartHeight + 26}" class="chart-tick">${escapeHtml(column.label.slice(5))}</text>`);
  });
  parts.push(
    `<rect x="34" y="${chartHeight + 36}" width="10" height="10" class="bar opened"></rect><text x="48" y="${chartHeight + 45}" class="chart-label">${escapeHtml(names[0])}</text>`,
    `<rect x="134" y="${chartHeight + 36}" width="10" height="10" class="bar resolved"></rect><text x="148" y="${chartHeight + 45}" class="chart-label">${escapeHtml(names[1])}</text>`,
  );
  const height = chartHeight + 52;
  return rawHtml(
    `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" data-bars="${columns.length}">` +
      `<title>${escapeHtml(title)}</title>${parts.join('')}</svg>`,
  );
}
