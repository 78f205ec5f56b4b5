import type { AppConfig } from '@app/config';
import { postalAddressOutcome, TokenPurpose, TokenService } from '@app/core';
import { adminApi, createEdition, header, seedAudience, tokens } from './campaign.fixtures';
import { crankCallApril2025 } from './fixtures/crank-call-2025-04.expected';
import { consoleWorld } from './helpers/scenarios';
import { localPath } from './subscriptions.helpers';

/**
 * The send that cannot go out broken: the 422 gate of POST /api/admin/campaigns and the console's "send
 * anyway" box, the override recorded on the campaign (API view and page); SENDER_ADDRESS in the footers and
 * the pre-send check; test sends whose links work (the preview link, the test-message page, List-Unsubscribe).
 */
describe('send gate, postal address and test-send links', () => {
  const SENDER_ADDRESS = '1025 Connecticut Ave NW, Suite 1200, Washington, DC 20036';
  const { h, api, sessions, get, post } = consoleWorld({
    roles: ['editor'],
    inProcessWorker: true,
    env: { SENDER_ADDRESS },
  });
  const admin = () => adminApi(h);
  const inAWeek = () => new Date(Date.now() + 7 * 86400_000).toISOString();

  describe('POST /api/admin/campaigns with failed pre-send checks', () => {
    let editionId = 0;

    beforeAll(async () => {
      // Nobody confirmed: the check's "Confirmed recipients" item fails.
      await h.query(`UPDATE subscriber SET status = 'unsubscribed' WHERE status = 'confirmed'`);
      editionId = await createEdition(h, '2024-01');
    });

    it('answers 422 with failedChecks and creates no campaign', async () => {
      const res = await admin().post('/api/admin/campaigns', { editionId, scheduledAt: inAWeek() });
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(/1 pre-send check failed \(Confirmed recipients\)/);
      expect(res.body.failedChecks).toEqual([
        {
          id: 'recipients',
          label: 'Confirmed recipients',
          detail: 'No confirmed subscriber: nobody would receive it',
        },
      ]);
      expect(await h.query('SELECT id FROM campaign WHERE edition_id = $1', [editionId])).toEqual([]);
      const refused = await admin().post('/api/admin/campaigns', {
        editionId,
        overrideFailedChecks: 'yes',
      });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body.message)).toContain('overrideFailedChecks must be true or false');
    });

    it('sends with overrideFailedChecks: true, and the campaign records who overrode which checks', async () => {
      const res = await admin().post('/api/admin/campaigns', {
        editionId,
        scheduledAt: inAWeek(),
        overrideFailedChecks: true,
      });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('scheduled');
      expect(res.body.override).toEqual({
        byUserId: null, // the bootstrap ADMIN_API_TOKEN belongs to nobody
        byEmail: null,
        at: expect.any(String),
        failedChecks: [expect.objectContaining({ id: 'recipients', label: 'Confirmed recipients' })],
      });
      const again = await admin().get(`/api/admin/campaigns/${res.body.id}`);
      expect(again.body.override).toEqual(res.body.override);
      const [row] = await h.query<{ override_checks: unknown[]; override_at: Date | null }>(
        'SELECT override_checks, override_at FROM campaign WHERE id = $1',
        [res.body.id],
      );
      expect(row!.override_checks).toEqual(res.body.override.failedChecks);
      expect(row!.override_at).toBeInstanceOf(Date);

      // Sent once: asked again, the edition's campaign answers (409), whatever its checks say.
      const again2 = await admin().post('/api/admin/campaigns', { editionId });
      expect(again2.status).toBe(409);
      expect(again2.body.campaignId).toBe(res.body.id);
    });

    it('the console: buttons disabled until "Send anyway" is ticked; the override is shown on the campaign', async () => {
      const id = await createEdition(h, '2024-02');
      const page = await get(sessions.editor, `/admin/editions/${id}/send`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Send anyway, despite 1 failed check');
      expect(page.text).toMatch(/<li data-check="recipients"><strong>Confirmed recipients<\/strong>/);
      expect(page.text).toMatch(
        /<button\s+type="submit"\s+name="mode"\s+value="schedule"\s+id="send-schedule"[^>]*disabled/,
      );
      expect(page.text).toMatch(
        /<input id="override-failed-checks" name="overrideFailedChecks" type="checkbox" value="yes"\s+required/,
      );
      const form = { expectedRecipients: '0', mode: 'schedule', scheduledAt: inAWeek().slice(0, 16) };

      const unticked = await post(sessions.editor, `/admin/editions/${id}/send`, form);
      expect(unticked.status).toBe(422);
      expect(unticked.text).toContain('1 pre-send check failed');
      expect(await h.query('SELECT id FROM campaign WHERE edition_id = $1', [id])).toEqual([]);

      const ticked = await post(sessions.editor, `/admin/editions/${id}/send`, {
        ...form,
        overrideFailedChecks: 'yes',
      });
      expect(ticked.status).toBe(303);
      const campaignPath = ticked.headers.location as string;
      expect(campaignPath).toMatch(/^\/admin\/campaigns\/\d+$/);
      const campaign = await get(sessions.editor, campaignPath);
      expect(campaign.text).toContain('Sent despite 1 failed check');
      expect(campaign.text).toContain(`<strong id="override-by">${sessions.editor.email}</strong>`);
      expect(campaign.text).toMatch(/<li data-check="recipients"><strong>Confirmed recipients<\/strong>/);
      const viaApi = await admin().get(`/api/admin${campaignPath.slice('/admin'.length)}`);
      expect(viaApi.body.override.byEmail).toBe(sessions.editor.email);
      expect(viaApi.body.override.byUserId).toEqual(expect.any(Number));
    });

    it('a send whose checks pass needs no override and records none; its send page has no box', async () => {
      await seedAudience(h, 'gate', 2);
      const id = await createEdition(h, '2024-03');
      const page = await get(sessions.editor, `/admin/editions/${id}/send`);
      expect(page.text).not.toContain('override-failed-checks');
      expect(page.text).not.toMatch(/id="send-now"[^>]*disabled/);
      const res = await admin().post('/api/admin/campaigns', { editionId: id, scheduledAt: inAWeek() });
      expect(res.status).toBe(201);
      expect(res.body.override).toBeNull();
    });
  });

  describe('the welcome line (console)', () => {
    it('is shown, saved on the publication, refused over 500 characters with the form again', async () => {
      const page = await get(sessions.editor, '/admin/editions/welcome');
      expect(page.status).toBe(200);
      expect(page.text).toContain(
        'Welcome to CRANK Call: your subscription is confirmed. Here is the latest issue.',
      );
      expect((await get(sessions.editor, '/admin/editions')).text).toContain(
        'href="/admin/editions/welcome"',
      );

      const saved = await post(sessions.editor, '/admin/editions/welcome', {
        welcomeLine: ' Hello <new> reader. ',
      });
      expect(saved.status).toBe(303);
      expect(saved.headers.location).toBe('/admin/editions/welcome?notice=welcome-saved');
      const [row] = await h.query<{ welcome_line: string }>('SELECT welcome_line FROM publication');
      expect(row!.welcome_line).toBe('Hello <new> reader.');
      const shown = await get(sessions.editor, '/admin/editions/welcome?notice=welcome-saved');
      expect(shown.text).toContain('value="Hello &#60;new&#62; reader."');
      expect(shown.text).toContain('Welcome line saved');

      const tooLong = await post(sessions.editor, '/admin/editions/welcome', {
        welcomeLine: 'x'.repeat(501),
      });
      expect(tooLong.status).toBe(400);
      expect(tooLong.text).toContain('at most 500 characters');
      const [after] = await h.query<{ welcome_line: string }>('SELECT welcome_line FROM publication');
      expect(after!.welcome_line).toBe('Hello <new> reader.');
    });
  });

  describe('SENDER_ADDRESS', () => {
    it('fails the pre-send check in production without it, warns otherwise, passes with it', () => {
      expect(postalAddressOutcome('', 'production').ok).toBe(false);
      expect(postalAddressOutcome('  ', 'development').ok).toBe('warn');
      expect(postalAddressOutcome('', 'test').detail).toMatch(/CAN-SPAM/);
      expect(postalAddressOutcome(SENDER_ADDRESS, 'production')).toMatchObject({
        ok: true,
        id: 'postal-address',
      });
    });

    it('the check of this deployment shows it', async () => {
      const id = await createEdition(h, '2024-04');
      const check = await admin().get(`/api/admin/editions/${id}/check`);
      const item = (check.body.items as { id: string; ok: unknown; detail: string }[]).find(
        (i) => i.id === 'postal-address',
      );
      expect(item).toEqual(
        expect.objectContaining({ ok: true, detail: `Every footer shows: ${SENDER_ADDRESS}` }),
      );
    });
  });

  describe('a test send', () => {
    const to = 'desk@example.test';
    let editionId = 0;
    let mail: (typeof h.smtp.messages)[number];

    beforeAll(async () => {
      editionId = await createEdition(h, '2024-05');
      const res = await admin().post(`/api/admin/editions/${editionId}/test`, { to: [to] });
      expect(res.status).toBeLessThan(300);
      await h.waitUntil(() => h.smtp.to(to).length > 0, { what: 'the test message' });
      mail = h.smtp.to(to)[0]!;
    });

    const text = () => mail.parsed.text ?? '';
    const link = (label: string) => new RegExp(`${label}: (https://\\S+)`).exec(text())?.[1];

    it('has the campaign message headers: List-Unsubscribe (one-click) at the test-message page, List-Id', () => {
      expect(mail.parsed.subject).toBe(`[TEST] ${crankCallApril2025.subject}`);
      expect(header(mail, 'List-Unsubscribe')).toBe(
        '<https://news.example.test/test-message?link=unsubscribe>',
      );
      expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(header(mail, 'List-Id')).toBe('CRANK Call <crank-call.news.example.test>');
    });

    it('shows SENDER_ADDRESS in its footer (HTML and text)', () => {
      expect(text()).toContain(`\nCRANK Call\n${SENDER_ADDRESS}\n`);
      expect(String(mail.parsed.html)).toContain(`<span class="cc-postal">${SENDER_ADDRESS}</span>`);
    });

    it('its unsubscribe and preferences links open the test-message page (200), one-click POST too', async () => {
      for (const l of [link('Unsubscribe'), link('Manage preferences')]) {
        expect(l).toMatch(/^https:\/\/news\.example\.test\/test-message\?link=(unsubscribe|preferences)$/);
        const page = await api().get(localPath(l!));
        expect(page.status).toBe(200);
        expect(page.text).toContain('This was a test message; this link works in the real issue.');
      }
      const oneClick = await api()
        .post('/test-message?link=unsubscribe')
        .type('form')
        .send('List-Unsubscribe=One-Click');
      expect(oneClick.status).toBe(200);
      expect(oneClick.text).toContain('This was a test message');
    });

    it('its "View in browser" opens the edition, not yet sent, through a signed preview link', async () => {
      const view = link('View in browser');
      expect(view).toMatch(/^https:\/\/news\.example\.test\/archive\/preview\?token=/);
      expect(String(mail.parsed.html)).toContain(`href="${view!.replace(/&/g, '&amp;')}"`);
      const page = await api().get(localPath(view!));
      expect(page.status).toBe(200);
      expect(page.text).toContain('China rejects Gazprom offer of additional gas via Kazakhstan');
      expect((await api().get('/archive/2024-05')).status).toBe(404); // a draft: not in the archive
    });

    it('a forged, altered or expired preview token answers 404', async () => {
      const t = tokens(h);
      const expired = t.signEditionPreview(editionId, Math.floor(Date.now() / 1000) - 31 * 86400);
      const fresh = t.signEditionPreview(editionId, Math.floor(Date.now() / 1000) - 29 * 86400);
      expect((await api().get(`/archive/preview?token=${fresh}`)).status).toBe(200);
      const forged = new TokenService({
        secretKey: 'another-key-of-at-least-32-characters!',
      } as AppConfig).signEditionPreview(editionId);
      // A token of another purpose over the same 32 hex digits must not open a preview.
      const unsubscribeToken = t.sign(TokenPurpose.Unsubscribe, editionId.toString(16).padStart(32, '0'));
      const altered = fresh.slice(0, -2) + (fresh.endsWith('AA') ? 'BB' : 'AA');
      for (const token of [expired, forged, unsubscribeToken, altered, 'SAMPLE-TOKEN-preview', '']) {
        const res = await api().get(`/archive/preview?token=${encodeURIComponent(token)}`);
        expect(res.status).toBe(404);
      }
    });
  });
});
