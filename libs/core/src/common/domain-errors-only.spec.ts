import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Core speaks in DomainErrors; each surface (API, console, worker) maps them once. An HTTP exception thrown
 * here would bypass that mapping and tie the domain to HTTP, so none may even be imported.
 */
const CORE = join(__dirname, '..');

/** The names a source imports from @nestjs/common that are HTTP exceptions (…Exception). */
function nestExceptionImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]@nestjs\/common['"]/g)) {
    for (const spec of m[1]!.split(',')) {
      const name = spec
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0]!;
      if (name.endsWith('Exception')) found.push(name);
    }
  }
  if (/import\s+\*\s+as\s+\w+\s+from\s*['"]@nestjs\/common['"]/.test(source))
    found.push('* (namespace import)');
  if (/require\(\s*['"]@nestjs\/common['"]\s*\)/.test(source)) found.push('require()');
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe('libs/core throws domain errors only', () => {
  it('recognises an HTTP exception import in any form', () => {
    expect(
      nestExceptionImports(
        `import {\n  Injectable,\n  NotFoundException,\n  type HttpException as H,\n} from '@nestjs/common';`,
      ),
    ).toEqual(['NotFoundException', 'HttpException']);
    expect(nestExceptionImports(`import { Injectable, Logger } from '@nestjs/common';`)).toEqual([]);
    expect(nestExceptionImports(`import * as nest from "@nestjs/common";`)).toEqual(['* (namespace import)']);
  });

  it('no file of libs/core/src imports an HTTP exception from @nestjs/common', () => {
    const files = sources(CORE);
    expect(files.length).toBeGreaterThan(50);
    const offenders = files
      .filter((f) => !f.endsWith('domain-errors-only.spec.ts'))
      .flatMap((f) => nestExceptionImports(readFileSync(f, 'utf8')).map((n) => `${relative(CORE, f)}: ${n}`));
    expect(offenders).toEqual([]);
  });
});
