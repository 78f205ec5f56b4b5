import type { Request } from 'express';
import { statusClass } from '../../assets/js/campaign-progress';
import { csrfField } from '../auth/csrf';
import { html, raw, type SafeHtml } from '../pages/html';

/** The console's small building blocks, one of each: a status badge, a data table, field lists and errors. */

/** Each kind of thing with a status, and the colour its badge takes for each (the text says the status too). */
const BADGE_CLASS = {
  campaign: statusClass,
  edition: (s: string) =>
    ({ draft: 'status-warn', scheduled: 'status-warn', sending: 'status-warn', sent: 'status-ok' })[s],
  subscriber: (s: string) =>
    ({
      confirmed: 'status-ok',
      pending: 'status-warn',
      unsubscribed: 'muted',
      bounced: 'status-bad',
      complained: 'status-bad',
    })[s],
  delivery: (s: string) =>
    ({
      sent: 'status-ok',
      failed: 'status-bad',
      bounced: 'status-bad',
      complained: 'status-bad',
      skipped: 'status-warn',
    })[s],
  /** an inbound message's processing status */
  inbound: (s: string) =>
    ({ processed: 'status-ok', received: 'status-warn', unparsed: 'status-bad', ignored: 'muted' })[s],
  /** what an inbound message or a feedback event was: its classification or kind */
  feedback: (s: string) =>
    ({
      'hard-bounce': 'status-bad',
      'soft-bounce': 'status-warn',
      complaint: 'status-bad',
      unsubscribe: 'muted',
      'auto-reply': 'muted',
      other: 'status-warn',
    })[s],
  /** users and API tokens */
  account: (s: string) =>
    ({ active: 'status-ok', disabled: 'status-bad', expired: 'status-bad', revoked: 'status-bad' })[s],
} satisfies Record<string, (status: string) => string | undefined>;

export type BadgeKind = keyof typeof BADGE_CLASS;

/**
 * The one status badge of the console. `id` lets a script update it (the live campaign page); `text` replaces
 * the status as the badge's words (e.g. "revoked 2026-01-02 10:00 UTC").
 */
export function statusBadge(
  kind: BadgeKind,
  status: string,
  opts: { id?: string; text?: string } = {},
): SafeHtml {
  const id = opts.id ? html`id="${opts.id}" ` : '';
  return html`<span ${id}class="badge ${BADGE_CLASS[kind](status) ?? ''}">${opts.text ?? status}</span>`;
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
  return tableScroll(
    opts.caption,
    html`<table ${opts.id ? html`id="${opts.id}"` : ''}>
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
    </table>`,
  );
}

/**
 * A wide table in a box of its own width that scrolls sideways, so the page itself fits a phone (390 px).
 * The box is a named region and takes focus, so a keyboard can scroll it too.
 */
export function tableScroll(label: string, table: SafeHtml): SafeHtml {
  return html`<div class="table-scroll" role="region" aria-label="${label}" tabindex="0">${table}</div>`;
}

/** A form field's own error under it (role=alert), or nothing. */
export function fieldError(id: string, message: string | undefined): SafeHtml | string {
  return message ? html`<p class="field-error" id="${id}" role="alert">${message}</p>` : '';
}

/** Label and value pairs as a definition list; an empty value shows as a dash. */
export function fieldList(rows: [string, unknown][]): SafeHtml {
  return html`<dl class="fields">
    ${rows.map(
      ([label, value]) =>
        html`<dt>${label}</dt>
          <dd>${value === null || value === undefined || value === '' ? '—' : value}</dd>`,
    )}
  </dl>`;
}

export interface FieldOptions {
  id: string;
  name: string;
  label: string | SafeHtml;
  type?: 'text' | 'email' | 'password' | 'date' | 'datetime-local';
  value?: string;
  /** Said under the field, and read with it by screen readers (aria-describedby). */
  hint?: string | SafeHtml;
  /** Further attributes, e.g. html`required maxlength="100"`. */
  attrs?: SafeHtml;
}

/** A form field with its label and, when given, a hint under it. */
export function textField(f: FieldOptions): SafeHtml {
  const hintId = `${f.id}-hint`;
  const described = f.hint ? html`aria-describedby="${hintId}"` : '';
  return html`<label for="${f.id}">${f.label}</label>
    <input
      id="${f.id}"
      name="${f.name}"
      type="${f.type ?? 'text'}"
      value="${f.value ?? ''}"
      ${described}
      ${f.attrs}
    />
    ${f.hint ? html`<p class="hint" id="${hintId}">${f.hint}</p>` : ''}`;
}

/** A checkbox with its label beside it; `required` for a box that confirms something that cannot be undone. */
export function checkbox(f: {
  id: string;
  name: string;
  value: string;
  label: string | SafeHtml;
  checked?: boolean;
  required?: boolean;
}): SafeHtml {
  const state = html`${f.checked ? raw('checked') : ''} ${f.required ? raw('required') : ''}`;
  return html`<div class="check">
    <input id="${f.id}" name="${f.name}" type="checkbox" value="${f.value}" ${state} />
    <label for="${f.id}">${f.label}</label>
  </div>`;
}

/** A choice among fixed values, with its label and a hint under it. */
export function selectField(f: {
  id: string;
  name: string;
  label: string;
  options: readonly string[];
  selected: string;
  hint: string | SafeHtml;
}): SafeHtml {
  const options = f.options.map(
    (o) => html`<option value="${o}" ${o === f.selected ? raw('selected') : ''}>${o}</option>`,
  );
  return html`<label for="${f.id}">${f.label}</label>
    <select id="${f.id}" name="${f.name}" aria-describedby="${f.id}-hint">
      ${options}
    </select>
    <p class="hint" id="${f.id}-hint">${f.hint}</p>`;
}

/** One action's form on a page of several (a user's, a subscriber's): `key` names it and its error's id. */
export interface FormCard {
  key: string;
  action: string;
  title: string;
  button: string;
  danger?: boolean;
  fields: SafeHtml;
  /** The refusal of this form, shown above its button (role=alert, id `<key>-error`). */
  error?: string;
}

/** A FormCard in a card: posted with the session's CSRF token, its heading, fields, refusal and button. */
export function formCard(req: Request, f: FormCard): SafeHtml {
  return html`<form method="post" action="${f.action}" class="card">
    ${csrfField(req)}
    <h2 class="flush">${f.title}</h2>
    ${f.fields} ${fieldError(`${f.key}-error`, f.error)}
    <button type="submit" ${f.danger ? raw('class="danger"') : ''}>${f.button}</button>
  </form>`;
}
