import type { EditionSummary, EditionView, PreSendCheck, PreSendCheckItem } from '@app/core';
import { EditionStatus } from '@app/database';
import { issueLabel } from '@app/content';
import type { RenderedEmail } from '@app/email';
import type { Request } from 'express';
import { csrfField, csrfToken } from '../../auth/csrf';
import { escapeHtml, html, raw, type SafeHtml } from '../../pages/html';
import { canRole, formatTime } from '../console.layout';
import * as ui from '../console.widgets';
import { EDITABLE_FIELDS } from './edition.forms';

export function editionsListBody(req: Request, editions: EditionSummary[]): SafeHtml {
  const writer = canRole(req, 'admin', 'editor');
  return html`<h1>Editions</h1>
    ${
      writer
        ? html`<p>
            <a class="button" href="/admin/editions/import">Import a draft</a>
            <a href="/admin/editions/welcome" id="welcome-link">Welcome message</a>
          </p>`
        : ''
    }
    ${
      editions.length === 0
        ? html`<div class="card">
            <p>No edition yet.</p>
            ${
              writer
                ? html`<p>
                    <a href="/admin/editions/import">Import the month's draft</a> (paste the plain-text file
                    or upload it) to create the first one.
                  </p>`
                : html`<p class="muted">An editor imports the month's draft here.</p>`
            }
          </div>`
        : html`${ui.dataTable({
            caption: 'Editions, newest month first',
            columns: ['Month', 'Subject', 'Status', 'Updated', 'Sent'],
            rows: editions.map(
              (e) =>
                html`<tr data-edition-id="${e.id}">
                  <td><a href="/admin/editions/${e.id}">${issueLabel(e.slug)}</a></td>
                  <td>${e.subject}</td>
                  <td>${ui.statusBadge('edition', e.status)}</td>
                  <td>${formatTime(e.updatedAt)}</td>
                  <td>${formatTime(e.sentAt)}</td>
                </tr>`,
            ),
          })}`
    }`;
}

export interface DraftError {
  message: string;
  line?: number;
  /** The Word document's or pasted HTML's paragraph (then `line` is the line of its draft text). */
  paragraph?: number;
  expected?: string;
  found?: string;
}

/** The lines around the one the parser stopped at, numbered as in the editor's file. */
export function numberedListing(text: string, line: number, around = 3): SafeHtml {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const from = Math.max(1, line - around);
  const to = Math.min(lines.length, line + around);
  if (from > to) return html``;
  const items: SafeHtml[] = [];
  for (let n = from; n <= to; n++) {
    const bad = n === line;
    // Built as a plain string: the line is shown with white-space preserved, so no template formatting
    // whitespace may surround it.
    const attrs = bad ? ' class="bad" aria-current="true"' : '';
    const note = bad ? '<span class="sr-only"> (the line with the error)</span>' : '';
    items.push(
      raw(`<li value="${n}"${attrs} data-line="${n}">${escapeHtml(lines[n - 1] ?? '')}${note}</li>`),
    );
  }
  return html`<p class="small muted">Lines ${from}–${to} of the draft (line ${line} highlighted):</p>
    <ol class="listing" start="${from}" aria-label="Draft lines around line ${line}">
      ${items}
    </ol>`;
}

function draftErrorBlock(err: DraftError, text: string, describedId: string): SafeHtml {
  const where =
    err.paragraph !== undefined
      ? `Paragraph ${err.paragraph} of the Word document${err.line !== undefined && err.line !== err.paragraph ? ` (line ${err.line} below)` : ''}: `
      : err.line !== undefined
        ? `Line ${err.line}: `
        : '';
  return html`<div id="${describedId}" class="error" role="alert">
      <strong>${where}the draft cannot be imported.</strong>
      ${
        err.expected !== undefined
          ? html`Expected ${err.expected}${err.found !== undefined ? html`, found “${err.found}”` : ''}.`
          : err.message
      }
    </div>
    ${
      err.paragraph !== undefined
        ? html`<p class="small">
            The text box below now holds the Word document as draft text: correct it there and import it, or
            correct the document and upload it again.
          </p>`
        : ''
    }
    ${err.line !== undefined ? numberedListing(text, err.line) : ''}`;
}

export function importBody(
  req: Request,
  values: { draft: string; format: string },
  err?: DraftError,
): SafeHtml {
  const action = `/admin/editions/import?_csrf=${encodeURIComponent(csrfToken(req))}`;
  return html`<h1>Import a draft</h1>
    <p>
      Paste the month's draft in the editors' plain-text format (see
      <a href="/admin/editions/draft-format">the draft format</a>), or choose the file: the plain-text draft
      or the Word document itself (.docx). Text pasted from Word or Google Docs keeps its links, bold and
      italic. Importing replaces that month's draft; a scheduled or sent edition is never overwritten.
    </p>
    <form method="post" action="${action}" enctype="multipart/form-data" class="card" id="import-form">
      ${csrfField(req)}
      <label for="draft">Draft text</label>
      ${err ? draftErrorBlock(err, values.draft, 'draft-error') : ''}
      <textarea
        id="draft"
        name="draft"
        data-convert-url="/api/admin/editions/convert"
        data-status="paste-status"
        rows="24"
        spellcheck="false"
        ${err ? html`aria-invalid="true" aria-describedby="draft-error"` : ''}
      >
${values.draft}</textarea>
      <p id="paste-status" class="small muted" role="status" aria-live="polite"></p>
      <label for="draft-file">Or upload the file (plain text, Markdown or the Word document)</label>
      <input
        type="file"
        id="draft-file"
        name="file"
        accept=".txt,.md,.docx,text/plain,text/markdown,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
      />
      <p class="small muted">A chosen file is imported instead of the text above.</p>
      <label for="format">Format</label>
      <select id="format" name="format">
        <option value="text" ${values.format !== 'markdown' ? 'selected' : ''}>Plain-text draft</option>
        <option value="markdown" ${values.format === 'markdown' ? 'selected' : ''}>Markdown</option>
      </select>
      <button type="submit">Import draft</button>
    </form>`;
}

export function checkSection(check: PreSendCheck, headingLevel: 'h2' | 'h1' = 'h2'): SafeHtml {
  const icon = (i: PreSendCheckItem) =>
    i.ok === true
      ? html`<span class="badge status-ok">pass</span>`
      : i.ok === 'warn'
        ? html`<span class="badge status-warn">warning</span>`
        : html`<span class="badge status-bad">fail</span>`;
  const failed = check.items.filter((i) => i.ok === false).length;
  const warned = check.items.filter((i) => i.ok === 'warn').length;
  const heading = html`Pre-send check`;
  return html`<section
    id="pre-send-check"
    class="card"
    aria-labelledby="pre-send-check-title"
    data-ok="${check.ok}"
  >
    ${
      headingLevel === 'h1'
        ? html`<h1 id="pre-send-check-title">${heading}</h1>`
        : html`<h2 id="pre-send-check-title">${heading}</h2>`
    }
    <p class="${failed ? 'status-bad' : warned ? 'status-warn' : 'status-ok'}">
      ${
        failed
          ? `${failed} check${failed === 1 ? '' : 's'} failed`
          : warned
            ? `All checks passed, ${warned} warning${warned === 1 ? '' : 's'}`
            : 'All checks passed'
      }
      — for this edition as it would be sent (a sample reader's message).
    </p>
    <ul class="checks">
      ${check.items.map(
        (i) =>
          html`<li data-check="${i.id}" data-ok="${String(i.ok)}">
            ${icon(i)} <strong>${i.label}</strong>: <span class="detail">${i.detail}</span>
            ${i.id === 'content-links' && check.links.length ? linkList(check.links) : ''}
          </li>`,
      )}
    </ul>
  </section>`;
}

/** Every link of the edition's text, where it stands, and what is wrong with it: the editor can open each. */
function linkList(links: PreSendCheck['links']): SafeHtml {
  return html`<details>
    <summary>The ${links.length} link${links.length === 1 ? '' : 's'}</summary>
    <ol class="link-list">
      ${links.map(
        (l) =>
          html`<li data-field="${l.field}" data-ok="${String(l.problem === null)}">
            <a href="${l.href}" rel="noopener noreferrer" target="_blank">${l.text}</a>
            <span class="muted">(${l.field})</span> <code>${l.href}</code>
            ${l.problem ? html`<span class="status-bad">${l.problem}</span>` : ''}
          </li>`,
      )}
    </ol>
  </details>`;
}

export interface EditionPageData {
  edition: EditionView;
  preview: RenderedEmail;
  check: PreSendCheck;
  draftText: string | null;
  draftTextProblem?: string;
  fieldValues?: Record<string, string>;
  fieldErrors?: string[];
  draftError?: { err: DraftError; text: string };
  testTo?: string;
  testError?: string;
}

const FIELDS: {
  name: (typeof EDITABLE_FIELDS)[number];
  label: string;
  hint?: string;
  multiline?: boolean;
}[] = [
  { name: 'subject', label: 'Subject' },
  { name: 'description', label: 'Description (the standing paragraph under the title)', multiline: true },
  { name: 'highlightsTitle', label: 'Highlights heading', hint: 'e.g. “April 2025 Highlights”' },
  { name: 'publicationName', label: 'Publication name' },
  { name: 'slug', label: 'Issue month (YYYY-MM)' },
  { name: 'mastheadTitle', label: 'Masthead title' },
];

export function fieldValuesOf(e: EditionView): Record<string, string> {
  const c = e.content;
  return {
    subject: c.subject,
    description: c.description,
    highlightsTitle: c.highlightsTitle,
    publicationName: c.publicationName,
    slug: c.slug,
    mastheadTitle: c.mastheadTitle,
  };
}

function previewBlock(id: number, preview: RenderedEmail): SafeHtml {
  return html`<section aria-labelledby="preview-title">
    <h2 id="preview-title">Preview</h2>
    <p class="small muted">
      What a reader gets, with sample unsubscribe and preferences links.
      <a href="/admin/editions/${id}/preview.html" target="_blank" rel="noopener">Open the HTML alone</a>.
    </p>
    <div class="previews">
      <figure>
        <figcaption>Desktop</figcaption>
        <iframe
          id="preview-desktop"
          class="preview"
          src="/admin/editions/${id}/preview.html"
          title="HTML preview at desktop width"
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          loading="lazy"
        ></iframe>
      </figure>
      <figure>
        <figcaption>Phone (375 px)</figcaption>
        <iframe
          id="preview-phone"
          class="preview"
          src="/admin/editions/${id}/preview.html"
          title="HTML preview at phone width (375 pixels)"
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          loading="lazy"
        ></iframe>
      </figure>
      <figure class="preview-text">
        <figcaption>Plain text</figcaption>
        <pre id="preview-text" tabindex="0" aria-label="Plain-text part">${preview.text}</pre>
      </figure>
    </div>
  </section>`;
}

export function editionBody(req: Request, d: EditionPageData): SafeHtml {
  const e = d.edition;
  const writer = canRole(req, 'admin', 'editor');
  const editable = writer && e.status === EditionStatus.Draft;
  const values = d.fieldValues ?? fieldValuesOf(e);
  const campaign = d.check.campaign;
  return html`<p class="small"><a href="/admin/editions">← Editions</a></p>
    <h1>${e.subject}</h1>
    <p>
      ${ui.statusBadge('edition', e.status)} <span>${issueLabel(e.slug)}</span> ·
      <span class="muted">updated ${formatTime(e.updatedAt)}</span>
      ${e.sentAt ? html` · <span class="muted">sent ${formatTime(e.sentAt)}</span>` : ''}
    </p>
    <nav aria-label="Edition actions">
      <p>
        <a href="/admin/editions/${e.id}/check">Pre-send check</a>
        ${writer ? html` · <a href="#test-send">Send a test</a>` : ''}
        ${
          writer && e.status === EditionStatus.Draft && !campaign
            ? html` · <a href="/admin/editions/${e.id}/send">Send or schedule</a>`
            : ''
        }
        ${
          campaign
            ? html` ·
                <a href="/admin/campaigns/${campaign.id}">Campaign ${campaign.id} (${campaign.status})</a>`
            : ''
        }
        · <a href="/api/admin/editions/${e.id}/export.md">Download as Markdown</a>
      </p>
    </nav>
    ${previewBlock(e.id, d.preview)} ${checkSection(d.check)}
    ${writer ? testSendForm(req, e.id, d.testTo ?? req.principal?.email ?? '', d.testError) : ''}
    ${editable ? editForms(req, e, values, d) : ''}
    ${
      writer && !editable
        ? html`<p class="muted">This edition is ${e.status}; only a draft can be changed.</p>`
        : ''
    }`;
}

function testSendForm(req: Request, id: number, to: string, error?: string): SafeHtml {
  return html`<section id="test-send" class="card" aria-labelledby="test-send-title">
    <h2 id="test-send-title">Send a test</h2>
    <form method="post" action="/admin/editions/${id}/test">
      ${csrfField(req)}
      <label for="test-to">Send to (1 to 10 addresses, separated by commas)</label>
      ${error ? html`<p id="test-to-error" class="field-error" role="alert">${error}</p>` : ''}
      <input
        type="text"
        id="test-to"
        name="to"
        value="${to}"
        autocomplete="email"
        required
        ${error ? html`aria-invalid="true" aria-describedby="test-to-error"` : ''}
      />
      <p class="small muted">
        The subject starts with “[TEST]”; the links are samples. No subscriber is touched.
      </p>
      <button type="submit">Send test</button>
    </form>
  </section>`;
}

function editForms(
  req: Request,
  e: EditionView,
  values: Record<string, string>,
  d: EditionPageData,
): SafeHtml {
  return html`<section id="edit" class="card" aria-labelledby="edit-title">
      <h2 id="edit-title">Edit</h2>
      <form method="post" action="/admin/editions/${e.id}">
        ${csrfField(req)}
        ${
          d.fieldErrors?.length
            ? html`<div id="edit-errors" class="error" role="alert">
                <p>The edition was not saved:</p>
                <ul>
                  ${d.fieldErrors.map((m) => html`<li>${m}</li>`)}
                </ul>
              </div>`
            : ''
        }
        ${FIELDS.map(
          (f) =>
            html`<label for="field-${f.name}">${f.label}</label> ${
                f.multiline
                  ? html`<textarea id="field-${f.name}" name="${f.name}" rows="4" class="short">
${values[f.name] ?? ''}</textarea>`
                  : html`<input
                      type="text"
                      id="field-${f.name}"
                      name="${f.name}"
                      value="${values[f.name] ?? ''}"
                    />`
              }
              ${f.hint ? html`<p class="small muted">${f.hint}</p>` : ''}`,
        )}
        <button type="submit">Save changes</button>
      </form>
    </section>
    <section id="edit-draft" class="card" aria-labelledby="edit-draft-title">
      <h2 id="edit-draft-title">Edit as draft text</h2>
      <p class="small muted">
        Highlights, links, analysis, perspectives and masthead are edited here, in the same plain-text format
        as the import (text pasted from Word or Google Docs keeps its links, bold and italic). Saving replaces
        this edition's whole content.
      </p>
      ${
        d.draftText === null
          ? html`<p class="muted">${d.draftTextProblem ?? 'This edition cannot be shown as draft text.'}</p>`
          : html`<form method="post" action="/admin/editions/${e.id}/draft">
              ${csrfField(req)}
              <label for="draft-text">Draft text</label>
              ${d.draftError ? draftErrorBlock(d.draftError.err, d.draftError.text, 'draft-text-error') : ''}
              <textarea
                id="draft-text"
                name="draft"
                data-convert-url="/api/admin/editions/convert"
                data-status="draft-text-status"
                rows="24"
                spellcheck="false"
                ${d.draftError ? html`aria-invalid="true" aria-describedby="draft-text-error"` : ''}
              >
${d.draftError ? d.draftError.text : d.draftText}</textarea>
              <p id="draft-text-status" class="small muted" role="status" aria-live="polite"></p>
              <button type="submit">Save draft text</button>
            </form>`
      }
    </section>`;
}

export interface SendPageData {
  edition: EditionView;
  check: PreSendCheck;
  scheduledAt?: string;
  error?: string;
  /** The count the editor confirmed earlier, when it no longer matches. */
  staleCount?: number;
}

export function sendBody(req: Request, d: SendPageData): SafeHtml {
  const e = d.edition;
  const n = d.check.recipients;
  const who = `${n} subscriber${n === 1 ? '' : 's'}`;
  const campaign = d.check.campaign;
  const blocked = e.status !== EditionStatus.Draft || campaign !== null;
  const failed = d.check.items.filter((i) => i.ok === false);
  const f = failed.length;
  // With failed checks the buttons stay disabled until "send anyway" is ticked (assets/js/editions.js);
  // the box is also required, and the server refuses the form without it.
  const gated = f > 0 ? raw('disabled') : '';
  const gate =
    f > 0
      ? html`<div class="send-gate" id="send-gate">
          <p class="field-error" id="failed-checks-title">${f} pre-send check${f === 1 ? '' : 's'} failed:</p>
          <ul id="failed-checks" aria-labelledby="failed-checks-title">
            ${failed.map((i) => html`<li data-check="${i.id}"><strong>${i.label}</strong>: ${i.detail}</li>`)}
          </ul>
          ${ui.checkbox({
            id: 'override-failed-checks',
            name: 'overrideFailedChecks',
            value: 'yes',
            label: `Send anyway, despite ${f} failed check${f === 1 ? '' : 's'}`,
            required: true,
          })}
          <p class="hint">The campaign records that you sent it despite these checks.</p>
        </div>`
      : '';
  return html`<p class="small"><a href="/admin/editions/${e.id}">← ${e.subject}</a></p>
    <h1>Send “${e.subject}”</h1>
    ${
      d.staleCount !== undefined
        ? html`<p class="error" role="alert" id="count-changed">
            The number of confirmed subscribers changed from ${d.staleCount} to ${n} since the page was shown.
            Check the new count and confirm again.
          </p>`
        : ''
    }
    ${d.error ? html`<p class="error" role="alert" id="send-error">${d.error}</p>` : ''}
    ${checkSection(d.check)}
    <section class="card" aria-labelledby="confirm-title">
      <h2 id="confirm-title">Confirm</h2>
      <p>
        Confirmed recipients now: <strong id="recipient-count" data-count="${n}">${n}</strong>. Subscribers
        who confirm before the send starts receive it too.
      </p>
      ${
        campaign
          ? html`<p>
              This edition already has
              <a href="/admin/campaigns/${campaign.id}">campaign ${campaign.id} (${campaign.status})</a>: an
              edition is sent once.
            </p>`
          : ''
      }
      ${
        !blocked
          ? html`<form
              method="post"
              action="/admin/editions/${e.id}/send"
              data-send-gate="${f > 0 ? 'closed' : 'open'}"
            >
              ${csrfField(req)}
              <input type="hidden" name="expectedRecipients" value="${n}" />
              ${gate}
              <fieldset>
                <legend>When</legend>
                ${
                  n > 0
                    ? html`<p>
                        <button type="submit" name="mode" value="now" id="send-now" ${gated}>
                          Send to ${who} now
                        </button>
                      </p>`
                    : html`<p class="muted">Nobody is confirmed yet, so it cannot be sent now.</p>`
                }
                ${ui.textField({
                  id: 'scheduled-at',
                  name: 'scheduledAt',
                  label: 'Or schedule at (UTC)',
                  type: 'datetime-local',
                  value: d.scheduledAt,
                  hint: `The date and time are read as UTC (now: ${formatTime(new Date())}).`,
                })}
                <button
                  type="submit"
                  name="mode"
                  value="schedule"
                  id="send-schedule"
                  class="secondary"
                  ${gated}
                >
                  Schedule for ${who}
                </button>
              </fieldset>
            </form>`
          : e.status !== EditionStatus.Draft
            ? html`<p class="muted">This edition is ${e.status}; only a draft can be sent.</p>`
            : ''
      }
    </section>`;
}

/** The console page for a check alone. */
export function checkBody(e: EditionView, check: PreSendCheck): SafeHtml {
  return html`<p class="small"><a href="/admin/editions/${e.id}">← ${e.subject}</a></p>
    ${checkSection(check, 'h1')}
    <p class="small muted">
      HTML: ${check.htmlBytes ?? '—'} bytes; whole message: ${check.messageBytes ?? '—'} bytes (one reader's
      copy, quoted-printable encoded).
    </p>`;
}

export interface WelcomePageData {
  publicationName: string;
  /** The line as stored (empty: the default), or as typed when refused. */
  line: string;
  /** The default lines, shown when the stored line is empty. */
  defaultWithIssue: string;
  defaultWithoutIssue: string;
  /** Whether welcome messages are sent at all (WELCOME_ISSUE). */
  enabled: boolean;
  maxLength: number;
  error?: string;
}

/** The welcome message's line: what a reader who confirms reads above the latest issue. */
export function welcomeBody(req: Request, d: WelcomePageData): SafeHtml {
  return html`<p class="small"><a href="/admin/editions">← Editions</a></p>
    <h1>Welcome message</h1>
    <p>
      A reader who confirms their subscription gets a welcome message once: this line above the latest sent
      issue in full, or, before any issue has been sent, the line alone with a short note.
    </p>
    ${
      d.enabled
        ? ''
        : html`<p class="error" id="welcome-disabled">
            Welcome messages are turned off on this deployment (WELCOME_ISSUE=false): nobody receives this.
          </p>`
    }
    ${d.error ? html`<p class="error" role="alert" id="welcome-error">${d.error}</p>` : ''}
    <section class="card">
      <form method="post" action="/admin/editions/welcome">
        ${csrfField(req)}
        ${ui.textField({
          id: 'welcome-line',
          name: 'welcomeLine',
          label: 'Welcome line',
          value: d.line,
          attrs: raw(`maxlength="${d.maxLength}"`),
          hint: `One line, at most ${d.maxLength} characters. Leave it empty for the default: “${d.defaultWithIssue}” (before the first issue: “${d.defaultWithoutIssue}”).`,
        })}
        <p><button type="submit">Save the welcome line</button></p>
      </form>
    </section>`;
}
