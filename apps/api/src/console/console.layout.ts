import { UserRole } from '@app/database';
import type { Request } from 'express';
import { csrfField } from '../auth/csrf';
import { formatTime } from '../../assets/js/campaign-progress';
import { ASSETS, type ScriptName } from '../pages/assets';
import { html, raw, type SafeHtml } from '../pages/html';
import { documentHead } from '../pages/layout';

export { formatTime };

export type ConsoleSection =
  'home' | 'editions' | 'campaigns' | 'reports' | 'subscribers' | 'feedback' | 'users' | 'tokens';

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
  { section: 'reports', href: '/admin/reports', label: 'Reports', roles: ALL },
  { section: 'subscribers', href: '/admin/subscribers', label: 'Subscribers', roles: ALL },
  { section: 'feedback', href: '/admin/feedback', label: 'Bounces & complaints', roles: ALL },
  { section: 'queues', href: '/admin/queues', label: 'Queues', roles: [UserRole.Admin, UserRole.Ops] },
  { section: 'users', href: '/admin/users', label: 'Users', roles: [UserRole.Admin] },
  { section: 'tokens', href: '/admin/tokens', label: 'API tokens', roles: ALL },
  { section: 'docs', href: '/api/docs', label: 'API docs', roles: ALL },
];

/** A console page: the body in the layout with the navigation for the principal's role. */
export interface ConsolePage {
  layout: 'console';
  req: Request;
  title: string;
  body: SafeHtml;
  /** The navigation entry marked as current. */
  section?: ConsoleSection;
  /** A success message (role=status). */
  notice?: string;
  /** An error message (role=alert). */
  error?: string;
  /** Scripts from apps/api/assets/js, in order (campaign-live.js needs campaign-progress.js first). */
  scripts?: ScriptName[];
}

export type ConsolePageOptions = Pick<ConsolePage, 'section' | 'notice' | 'error' | 'scripts'>;

export function consolePage(
  req: Request,
  title: string,
  body: SafeHtml,
  opts: ConsolePageOptions = {},
): ConsolePage {
  return { layout: 'console', req, title, body, ...opts };
}

/** Whether the signed-in principal may see something meant for these roles (pages hide what the API refuses). */
export function canRole(req: Request, ...roles: `${UserRole}`[]): boolean {
  const role = req.principal?.role;
  return role !== undefined && (roles as string[]).includes(role);
}

/** The console's sections this request's principal may open, as the navigation lists them. */
export function sectionsFor(req: Request): { section: NavItem['section']; href: string; label: string }[] {
  const p = req.principal;
  return NAV.filter((n) => p && n.roles.includes(p.role));
}

/**
 * A full console page: navigation for the principal's role, flash/error messages, the body. Every value is
 * escaped by `html`; only `body` (already SafeHtml) is trusted.
 */
export function consoleLayout(page: ConsolePage, publication: string): SafeHtml {
  const { req } = page;
  const p = req.principal;
  return html`<!doctype html>
    <html lang="en">
      ${documentHead(`${page.title} · ${publication} console`, 'console.css')}
      <body>
        <header class="top">
          <span class="brand">${publication}</span>
          <nav aria-label="Console">
            <ul>
              ${sectionsFor(req).map(
                (n) =>
                  html`<li>
                    <a href="${n.href}" ${n.section === page.section ? raw('aria-current="page"') : ''}
                      >${n.label}</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
          <span class="who"
            >${
              p?.via === 'session'
                ? html`<a href="/admin/account/two-factor" title="Your two-factor sign-in">${p.email}</a>`
                : (p?.email ?? (p ? 'bootstrap token' : 'not signed in'))
            }
            ${p ? `(${p.role})` : ''}
            ${
              p?.via === 'session'
                ? html`<form method="post" action="/admin/logout" class="inline">
                    ${csrfField(req)}<button type="submit" class="secondary">Sign out</button>
                  </form>`
                : ''
            }</span
          >
        </header>
        <main id="main">
          ${page.notice ? html`<p class="flash" role="status">${page.notice}</p>` : ''}
          ${page.error ? html`<p class="error" role="alert">${page.error}</p>` : ''} ${page.body}
        </main>
        ${(page.scripts ?? []).map((name) => html`<script src="${ASSETS.url(name)}" defer></script>`)}
      </body>
    </html>`;
}
