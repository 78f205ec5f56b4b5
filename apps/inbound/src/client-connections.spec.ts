import { ClientConnections } from './client-connections';

describe('ClientConnections', () => {
  it('refuses a client address beyond its limit, whatever other clients hold', () => {
    const c = new ClientConnections(2);
    expect(c.acquire('a1', '192.0.2.1')).toBe(true);
    expect(c.acquire('a2', '192.0.2.1')).toBe(true);
    expect(c.acquire('a3', '192.0.2.1')).toBe(false);
    expect(c.acquire('b1', '192.0.2.2')).toBe(true);
    expect(c.size).toBe(3);
  });

  it('gives a place back on close, and a refused connection that closes gives back nothing', () => {
    const c = new ClientConnections(1);
    expect(c.acquire('a1', '192.0.2.1')).toBe(true);
    expect(c.acquire('a2', '192.0.2.1')).toBe(false);
    c.release('a2'); // the refused one closes: a1 still holds the only place
    expect(c.acquire('a3', '192.0.2.1')).toBe(false);
    c.release('a1');
    c.release('a1'); // closing twice frees one place only
    expect(c.size).toBe(0);
    expect(c.acquire('a4', '192.0.2.1')).toBe(true);
    expect(c.acquire('a5', '192.0.2.1')).toBe(false);
  });
});
