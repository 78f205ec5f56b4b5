import { UserRole } from '@app/database';
import type { Request } from 'express';
import { csrfField } from '../auth/csrf';
import { html, raw, type SafeHtml } from '../pages/html';
import { documentHead } from '../pages/layout';

export type ConsoleSection = 'home' | 'editions' | 'campaigns' | 'subscribers' | 'users' | 'tokens';

/**
 * The console's own look: denser than the reader pages (tables, side-by-side previews), system fonts,
 * the same colour variables so light and dark both keep WCAG AA contrast.
 */
const STYLE = `
:root{color-scheme:light dark;--fg:#1a1a1a;--bg:#f6f6f3;--muted:#555;--accent:#8b1e1e;--card:#fff;--border:#cfccc2;--ok:#1b6e35;--warn:#8a5a00;--bad:#a11d1d;--focus:#1f6feb}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#15171a;--muted:#b5b5b5;--accent:#ff8a80;--card:#1e2125;--border:#3a3d42;--ok:#6fd08c;--warn:#f3c360;--bad:#ff8a80}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);background:var(--bg)}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1.25rem;padding:.6rem 1.25rem;border-bottom:1px solid var(--border);background:var(--card)}
header.top .brand{font-weight:700;letter-spacing:.1em;text-transform:uppercase;color:var(--accent);margin-right:.5rem}
header.top nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
header.top nav a{color:var(--fg);text-decoration:none;padding:.2rem .1rem;border-bottom:2px solid transparent}
header.top nav a[aria-current=page]{border-bottom-color:var(--accent);font-weight:600}
header.top .who{margin-left:auto;color:var(--muted);font-size:.9rem}
main{max-width:80rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.5rem;margin:.3rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .6rem}
a{color:var(--accent)}
.card{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:1rem 1.1rem;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;background:var(--card)}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--border);vertical-align:top}
th{font-size:.85rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
label{display:block;font-weight:600;margin:.8rem 0 .25rem}
input[type=text],input[type=email],input[type=password],input[type=search],input[type=datetime-local],input[type=date],input[type=number],select,textarea{width:100%;padding:.5rem .6rem;font:inherit;border:1px solid var(--border);border-radius:6px;background:var(--bg);color:var(--fg)}
textarea{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9rem;min-height:12rem}
button,.button{display:inline-block;margin:.6rem .4rem 0 0;padding:.5rem 1rem;font:600 .95rem system-ui,sans-serif;color:#fff;background:var(--accent);border:0;border-radius:6px;cursor:pointer;text-decoration:none}
@media (prefers-color-scheme:dark){button,.button{color:#15171a}}
button.secondary,.button.secondary{background:transparent;color:var(--accent);border:1px solid var(--accent)}
button.danger{background:var(--bad)}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,iframe:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.muted{color:var(--muted)}.small{font-size:.88rem}form.inline{display:inline}
.flash{padding:.6rem .8rem;border-radius:6px;border:1px solid var(--ok);color:var(--ok);background:var(--card);margin:0 0 1rem}
.error{padding:.6rem .8rem;border-radius:6px;border:1px solid var(--bad);color:var(--bad);background:var(--card);margin:0 0 1rem}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:999px;border:1px solid currentColor;font-size:.8rem;font-weight:600}
.status-ok{color:var(--ok)}.status-warn{color:var(--warn)}.status-bad{color:var(--bad)}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr))}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}.filters label{margin:0 0 .2rem}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);border:0}
pre{white-space:pre-wrap;word-break:break-word}
`;

interface NavItem {
  section: ConsoleSection | 'queues' | 'docs';
  href: string;
  label: string;
  roles: UserRole[];
}

const ALL = [UserRole.Admin, UserRole.Editor, UserRole.Ops];
const NAV: NavItem[] = [
  { section: 'home', href: '/admin', label: 'Dashboard', roles: ALL },
  { section: 'editions', href: '/admin/editions', label: 'Editions', roles: ALL },
  { section: 'campaigns', href: '/admin/campaigns', label: 'Campaigns', roles: ALL },
  { section: 'subscribers', href: '/admin/subscribers', label: 'Subscribers', roles: ALL },
  { section: 'queues', href: '/admin/queues', label: 'Queues', roles: [UserRole.Admin, UserRole.Ops] },
  { section: 'users', href: '/admin/users', label: 'Users', roles: [UserRole.Admin] },
  { section: 'tokens', href: '/admin/tokens', label: 'API tokens', roles: ALL },
  { section: 'docs', href: '/api/docs', label: 'API docs', roles: ALL },
];

export interface ConsolePageOptions {
  section?: ConsoleSection;
  /** A success message (role=status). */
  notice?: string;
  /** An error message (role=alert). */
  error?: string;
  /** Extra scripts served by ConsoleAssetsController, e.g. '/admin/assets/campaign-live.js'. */
  scripts?: string[];
}

/** Whether the signed-in principal may see something meant for these roles (pages hide what the API refuses). */
export function canRole(req: Request, ...roles: `${UserRole}`[]): boolean {
  const role = req.principal?.role;
  return role !== undefined && (roles as string[]).includes(role);
}

/**
 * A full console page: navigation for the principal's role, flash/error messages, the body. Every value is
 * escaped by `html`; only `body` (already SafeHtml) is trusted.
 */
export function consolePage(
  req: Request,
  title: string,
  body: SafeHtml,
  opts: ConsolePageOptions = {},
): string {
  const p = req.principal;
  const items = NAV.filter((n) => p && n.roles.includes(p.role));
  return html`<!doctype html>
    <html lang="en">
      ${documentHead(`${title} · CRANK Call console`, STYLE)}
      <body>
        <header class="top">
          <span class="brand">CRANK Call</span>
          <nav aria-label="Console">
            <ul>
              ${items.map(
                (n) =>
                  html`<li>
                    <a href="${n.href}" ${n.section === opts.section ? raw('aria-current="page"') : ''}
                      >${n.label}</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
          <span class="who"
            >${p?.email ?? 'bootstrap token'} (${p?.role ?? '?'})
            ${
              p?.via === 'session'
                ? html`<form method="post" action="/admin/logout" class="inline">
                    ${csrfField(req)}<button type="submit" class="secondary" style="margin:0 0 0 .5rem">
                      Sign out
                    </button>
                  </form>`
                : ''
            }</span
          >
        </header>
        <main id="main">
          ${opts.notice ? html`<p class="flash" role="status">${opts.notice}</p>` : ''}
          ${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''} ${body}
        </main>
        ${(opts.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
      </body>
    </html>`.value;
}

/** Human date-time in UTC (the console shows UTC everywhere so editors and operators agree). */
export function formatTime(d: Date | string | null | undefined): string {
  if (!d) return '—';
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return '—';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface TableColumn {
  label: string;
  /** Right-aligned, tabular figures. */
  num?: boolean;
}

/**
 * A data table as every console list draws it: a caption for screen readers, column headers with scope, the
 * rows as given (`<tr>` SafeHtml, or a message row when empty).
 */
export function dataTable(opts: {
  id?: string;
  caption: string;
  columns: (string | TableColumn)[];
  rows: SafeHtml | SafeHtml[] | string;
}): SafeHtml {
  const cols = opts.columns.map((c) => (typeof c === 'string' ? { label: c } : c));
  return html`<table ${opts.id ? html`id="${opts.id}"` : ''}>
    <caption class="sr-only">
      ${opts.caption}
    </caption>
    <thead>
      <tr>
        ${cols.map((c) =>
          c.num ? html`<th scope="col" class="num">${c.label}</th>` : html`<th scope="col">${c.label}</th>`,
        )}
      </tr>
    </thead>
    <tbody>
      ${opts.rows}
    </tbody>
  </table>`;
}
