import { escapeXml } from './svg-charts.js';

/** HTML-escapes text for element content and attribute values. */
export const escapeHtml = escapeXml;

export interface HtmlSection {
  readonly title?: string;
  /** Trusted HTML (charts from svgLineChart/svgBarChart, tables from htmlTable). */
  readonly body: string;
}

/** A table; every cell is escaped. */
export function htmlTable(headers: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A complete, self-contained HTML page (inline CSS, no scripts, no external resources). */
export function htmlPage(title: string, sections: readonly HtmlSection[]): string {
  const css = [
    'body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1240px;padding:0 16px;color:#222}',
    'h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}',
    'table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}',
    'th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}svg{max-width:100%;height:auto;display:block;margin:8px 0}',
    '.note{color:#666;font-size:13px}',
  ].join('');
  const body = sections
    .map((s) => (s.title ? `<section><h2>${escapeHtml(s.title)}</h2>\n${s.body}\n</section>` : `<section>${s.body}</section>`))
    .join('\n');
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${css}</style></head>\n<body>\n<h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`
  );
}
