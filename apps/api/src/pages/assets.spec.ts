import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASSET_DIR, ASSET_NAMES, AssetManifest, ASSETS } from './assets';

describe('AssetManifest', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'assets-'));
    mkdirSync(join(dir, 'css'));
    mkdirSync(join(dir, 'js'));
    writeFileSync(join(dir, 'css', 'site.css'), 'body{color:red}');
    writeFileSync(join(dir, 'js', 'app.js'), "'use strict';");
    writeFileSync(join(dir, 'js', 'app.d.ts'), 'export {};'); // types beside a script are not served
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = () => AssetManifest.load(dir, ['site.css', 'app.js']);

  it('names each file by a hash of its content, and finds it only by that name', () => {
    const m = load();
    const url = m.url('site.css' as never);
    const hash = createHash('sha256').update('body{color:red}').digest('hex').slice(0, 12);
    expect(url).toBe(`/assets/site.${hash}.css`);
    const asset = m.find(`site.${hash}.css`)!;
    expect(asset.contentType).toBe('text/css; charset=utf-8');
    expect(asset.body.toString()).toBe('body{color:red}');
    expect(m.find(`app.${hash}.js`)).toBeUndefined();
    expect(m.find('site.css')).toBeUndefined();
    expect(m.find('app.d.ts')).toBeUndefined();
    expect(m.url('app.js' as never)).toMatch(/^\/assets\/app\.[0-9a-f]{12}\.js$/);
  });

  it('gives a changed file a new URL and forgets the old one; an unchanged file keeps its URL', () => {
    const before = load();
    writeFileSync(join(dir, 'css', 'site.css'), 'body{color:blue}');
    const after = load();
    const oldFile = before.url('site.css' as never).slice('/assets/'.length);
    expect(after.url('site.css' as never)).not.toBe(before.url('site.css' as never));
    expect(after.find(oldFile)).toBeUndefined();
    expect(after.url('app.js' as never)).toBe(before.url('app.js' as never));
  });

  it('refuses to start without an asset a page links, or with two files of one name', () => {
    expect(() => AssetManifest.load(dir, ['site.css', 'missing.js'])).toThrow(/missing\.js/);
    writeFileSync(join(dir, 'js', 'site.css'), 'p{}');
    expect(() => load()).toThrow(/Two assets are named site\.css/);
  });

  it('serves the real folder: every asset a page may link, hashed from the file on disk', () => {
    for (const name of ASSET_NAMES) {
      const sub = name.endsWith('.css') ? 'css' : 'js';
      const hash = createHash('sha256')
        .update(readFileSync(join(ASSET_DIR, sub, name)))
        .digest('hex')
        .slice(0, 12);
      expect(ASSETS.url(name)).toBe(`/assets/${name.replace(/\.(css|js)$/, `.${hash}.$1`)}`);
    }
  });
});
