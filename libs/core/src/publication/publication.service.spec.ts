import { AppConfig } from '@app/config';
import { Database } from '@app/database';
import { useTestDataSource } from '@app/testing/test-data-source';
import { PublicationRepository } from './publication.repository';
import { PublicationService } from './publication.service';

describe('PublicationService', () => {
  const ds = useTestDataSource();
  const config = AppConfig.fromEnvironment({
    SECRET_KEY: 'x'.repeat(32),
    MAIL_FROM: 'Desk <desk@news.example.org>',
    SENDER_IDENTITY: 'Example Press',
    SENDER_ADDRESS: '1 Main St, Springfield, IL 62701, USA',
  });
  const service = () => new PublicationService(new PublicationRepository(new Database(ds())), config);

  it('reads the name, slug and description from the publication row, the sender from the configuration', async () => {
    await ds().query(
      `UPDATE publication SET name = 'The Ledger', description = 'Monthly.' WHERE slug = 'crank-call'`,
    );
    expect(await service().current()).toEqual({
      id: 1,
      slug: 'crank-call',
      name: 'The Ledger',
      description: 'Monthly.',
      sender: {
        name: 'The Ledger',
        address: 'Example Press',
        postalAddress: '1 Main St, Springfield, IL 62701, USA',
      },
      mailFrom: 'Desk <desk@news.example.org>',
    });
  });

  it('finds a publication by its name, whatever the case, and nothing for another name', async () => {
    const s = service();
    expect((await s.findByName('  the LEDGER '))?.id).toBe(1);
    expect(await s.findByName('Another Gazette')).toBeUndefined();
  });

  it('reads the rows once per process', async () => {
    const s = service();
    expect((await s.current()).name).toBe('The Ledger');
    await ds().query(`UPDATE publication SET name = 'Renamed' WHERE id = 1`);
    expect((await s.current()).name).toBe('The Ledger');
    expect((await service().current()).name).toBe('Renamed');
  });

  it('reads the welcome line on every call (the console changes it in another process), and checks it', async () => {
    const s = service();
    expect(await s.welcomeLine()).toBe('');
    await service().setWelcomeLine('  Glad you are here.  ');
    expect(await s.welcomeLine()).toBe('Glad you are here.');
    await expect(s.setWelcomeLine('x'.repeat(501))).rejects.toThrow(/at most 500 characters/);
    await expect(s.setWelcomeLine('two\nlines')).rejects.toThrow(/one line/);
    expect(await s.welcomeLine()).toBe('Glad you are here.');
  });
});
