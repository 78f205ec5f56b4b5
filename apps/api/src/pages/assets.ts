import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/**
 * apps/api/assets: the pages' stylesheets and browser scripts, as files. nest-cli.json copies the folder to
 * the same place relative to this file in dist, so the one path works from the sources (tests) and the build.
 */
export const ASSET_DIR = join(__dirname, '..', '..', 'assets');

/**
 * The ALTCHA widget (the `altcha` package's browser build), served from node_modules rather than a CDN, under a
 * stable URL because forms embedded on other sites link it.
 */
export const ALTCHA_WIDGET_PATH = '/assets/altcha.js';
export function altchaWidgetFile(): string {
  // the package's CommonJS entry is dist/main/altcha.umd.cjs; the ES module build sits beside it
  return join(dirname(require.resolve('altcha')), 'altcha.min.js');
}

/** Every asset a page may link; the manifest refuses to load without each of them. */
export const ASSET_NAMES = [
  'reader.css',
  'console.css',
  'campaign-progress.js',
  'campaign-live.js',
  'editions.js',
] as const;
export type AssetName = (typeof ASSET_NAMES)[number];
export type ScriptName = Extract<AssetName, `${string}.js`>;

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
};

export interface Asset {
  /** e.g. console.css */
  name: string;
  /** The name with its content hash, e.g. console.3f9a0c1b2d4e.css: the last segment of `url`. */
  file: string;
  url: string;
  contentType: string;
  body: Buffer;
}

/**
 * The assets with a hash of their content in the URL (/assets/console.3f9a0c1b2d4e.css). Built once at boot:
 * a changed file gets a new URL, so browsers and proxies may keep every URL for a year, and a page never
 * meets a stylesheet or script from another deploy.
 */
export class AssetManifest {
  private readonly byName = new Map<string, Asset>();
  private readonly byFile = new Map<string, Asset>();

  private constructor(assets: Asset[]) {
    for (const a of assets) {
      if (this.byName.has(a.name)) throw new Error(`Two assets are named ${a.name}`);
      this.byName.set(a.name, a);
      this.byFile.set(a.file, a);
    }
  }

  /** Reads every .css and .js file in `dir`'s subfolders (css/, js/); names must be unique across them. */
  static load(dir: string, required: readonly string[] = ASSET_NAMES): AssetManifest {
    const assets: Asset[] = [];
    for (const sub of readdirSync(dir, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      for (const entry of readdirSync(join(dir, sub.name), { withFileTypes: true })) {
        const ext = extname(entry.name);
        const contentType = CONTENT_TYPES[ext];
        if (!entry.isFile() || contentType === undefined) continue;
        const body = readFileSync(join(dir, sub.name, entry.name));
        const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
        const file = `${entry.name.slice(0, -ext.length)}.${hash}${ext}`;
        assets.push({ name: entry.name, file, url: `/assets/${file}`, contentType, body });
      }
    }
    const manifest = new AssetManifest(assets);
    const missing = required.filter((n) => !manifest.byName.has(n));
    if (missing.length) throw new Error(`Assets missing from ${dir}: ${missing.join(', ')}`);
    return manifest;
  }

  /** The hashed URL of an asset, for a page's <link> or <script>. */
  url(name: AssetName): string {
    const a = this.byName.get(name);
    if (!a) throw new Error(`No asset named ${name}`);
    return a.url;
  }

  /** The asset a hashed file name stands for; undefined for unknown names and for hashes of older contents. */
  find(file: string): Asset | undefined {
    return this.byFile.get(file);
  }
}

/** The manifest every page links through, computed when the app boots. */
export const ASSETS = AssetManifest.load(ASSET_DIR);
