import { AppConfig, envSchema } from '@app/config';
import { TokenPurpose, TokenService } from '../tokens/token.service';
import { SubscriberLinks } from './subscriber-links';

describe('SubscriberLinks', () => {
  const config = new AppConfig(
    envSchema.parse({
      PUBLIC_URL: 'https://news.example.test/',
      SECRET_KEY: 'k'.repeat(40),
      NODE_ENV: 'test',
    }),
  );
  const tokens = new TokenService(config);
  const links = new SubscriberLinks(config, tokens);
  const uid = '3f1c2b9e-7a55-4e1b-9d7e-0c1a2b3c4d5e';
  const tokenOf = (url: string) => new URL(url).searchParams.get('token');

  it('builds absolute links under PUBLIC_URL, each with a token for its own purpose only', () => {
    const cases: [string, string, TokenPurpose][] = [
      [links.confirmUrl(uid), '/confirm', TokenPurpose.Confirm],
      [links.unsubscribeUrl(uid), '/unsubscribe', TokenPurpose.Unsubscribe],
      [links.preferencesUrl(uid), '/preferences', TokenPurpose.Preferences],
    ];
    for (const [url, path, purpose] of cases) {
      const u = new URL(url);
      expect(`${u.origin}${u.pathname}`).toBe(`https://news.example.test${path}`);
      expect(tokens.verify(tokenOf(url), purpose)).toMatchObject({ ok: true, subscriberUid: uid });
      for (const other of Object.values(TokenPurpose).filter((p) => p !== purpose)) {
        expect(tokens.verify(tokenOf(url), other)).toMatchObject({ ok: false, reason: 'forged' });
      }
    }
  });

  it('forCampaign gives the per-recipient unsubscribe and preferences links', () => {
    const l = links.forCampaign(uid);
    expect(tokens.verify(tokenOf(l.unsubscribeUrl), TokenPurpose.Unsubscribe).ok).toBe(true);
    expect(tokens.verify(tokenOf(l.preferencesUrl), TokenPurpose.Preferences).ok).toBe(true);
  });
});
