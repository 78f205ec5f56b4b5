import { html, raw, type SafeHtml } from './html';

const STYLE = `
:root{color-scheme:light dark;--fg:#1a1a1a;--bg:#fafaf7;--muted:#555;--accent:#8b1e1e;--card:#fff;--border:#d8d5cc}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#15171a;--muted:#b5b5b5;--accent:#ff8a80;--card:#1e2125;--border:#3a3d42}}
*{box-sizing:border-box}body{margin:0;font:17px/1.55 Georgia,'Times New Roman',serif;color:var(--fg);background:var(--bg)}
main{max-width:38rem;margin:0 auto;padding:2rem 1.25rem}
h1{font-size:1.7rem;line-height:1.2;margin:.2rem 0 1rem}.brand{font:700 .85rem/1 system-ui,sans-serif;letter-spacing:.12em;text-transform:uppercase;color:var(--accent)}
.card{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:1.25rem 1.25rem}
label{display:block;font:600 .95rem system-ui,sans-serif;margin:.9rem 0 .3rem}
input[type=email],input[type=text]{width:100%;padding:.65rem .75rem;font-size:1rem;border:1px solid var(--border);border-radius:6px;background:var(--bg);color:var(--fg)}
button,.button{display:inline-block;margin-top:1.1rem;padding:.7rem 1.3rem;font:600 1rem system-ui,sans-serif;color:#fff;background:var(--accent);border:0;border-radius:6px;cursor:pointer;text-decoration:none}
@media (prefers-color-scheme:dark){button,.button{color:#15171a}}
button.secondary{background:transparent;color:var(--accent);border:1px solid var(--accent)}
button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #1f6feb;outline-offset:2px}
.muted{color:var(--muted);font-size:.92rem}.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
a{color:var(--accent)}form.inline{display:inline}
`;

/**
 * The <head> every server-rendered page shares: no indexing (pages carry personal links), no favicon request,
 * the page's own stylesheet inline (the CSP allows inline styles, not scripts).
 */
export function documentHead(title: string, style: string): SafeHtml {
  return html`<head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <link rel="icon" href="data:," />
    <title>${title}</title>
    <style>
      ${raw(style)}
    </style>
  </head>`;
}

export function page(title: string, body: SafeHtml, opts: { publication?: string } = {}): string {
  return html`<!doctype html>
    <html lang="en">
      ${documentHead(title, STYLE)}
      <body>
        <main>
          <div class="brand">${opts.publication ?? 'CRANK Call'}</div>
          ${body}
        </main>
      </body>
    </html>`.value;
}
