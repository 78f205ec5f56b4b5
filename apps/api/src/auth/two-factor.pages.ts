import type { Enrolment } from '@app/core/accounts';
import QRCode from 'qrcode';
import { html, type SafeHtml } from '../pages/html';

/** The enrolment QR code as an SVG image (a data: URL, which the CSP allows for images). */
export async function qrImage(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The secret in groups of four, easier to type into an app by hand. */
function grouped(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? [secret]).join(' ');
}

/** The code field of the second-factor and enrolment forms. */
export function codeField(label: string, hint: string, recovery = false): SafeHtml {
  return html`<label for="code">${label}</label>
    <p class="small muted" id="code-hint">${hint}</p>
    <input
      id="code"
      name="code"
      type="text"
      ${recovery ? '' : html`inputmode="numeric" pattern="[0-9 ]{6,7}"`}
      autocomplete="one-time-code"
      required
      maxlength="${recovery ? 32 : 7}"
      aria-describedby="code-hint"
    />`;
}

/** What enrolment shows once: the QR code, the secret as text, and what to do. */
export async function enrolmentPanel(e: Enrolment): Promise<SafeHtml> {
  return html`<ol class="steps">
      <li>Open an authenticator app (for example FreeOTP, Aegis, Google Authenticator or 1Password).</li>
      <li>Scan this QR code, or type the key below into the app.</li>
      <li>Type the 6-digit code the app then shows.</li>
    </ol>
    <p class="qr">
      <img src="${await qrImage(e.uri)}" width="200" height="200" alt="QR code for your authenticator app" />
    </p>
    <p class="small">
      Key for typing it in: <code class="secret" id="totp-secret">${grouped(e.secret)}</code>
    </p>
    <p class="small muted">This key is shown only while you set up. Nobody else can see it again.</p>`;
}

/** The recovery codes, shown once after enrolment. */
export function recoveryCodesPanel(codes: string[]): SafeHtml {
  return html`<p>
      Keep these recovery codes somewhere safe (a password manager, or on paper). Each one signs you in once
      if you lose your phone. <strong>They are shown only now.</strong>
    </p>
    <ul class="recovery-codes" aria-label="Recovery codes">
      ${codes.map((c) => html`<li><code>${c}</code></li>`)}
    </ul>`;
}
