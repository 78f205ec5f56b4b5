import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

/**
 * What an edition is (@app/content) sits below everything that stores, parses or renders it: libs/content
 * depends on nothing but itself, and the database's entities describe the schema without pulling in the
 * email renderer (React, React Email) through @app/email.
 */
const ROOT = join(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** What `pick` finds on each node of a file's syntax tree (the script kind follows the file's extension). */
function collect(file: string, pick: (n: ts.Node) => string | undefined): string[] {
  const sf = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    const hit = pick(n);
    if (hit !== undefined) found.push(hit);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/** Every module specifier a file imports, re-exports, requires or loads with import(). */
function importsOf(file: string): string[] {
  return collect(file, (n) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier) {
      return ts.isStringLiteral(n.moduleSpecifier) ? n.moduleSpecifier.text : undefined;
    }
    if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      const e = n.moduleReference.expression;
      return ts.isStringLiteral(e) ? e.text : undefined;
    }
    const loads =
      ts.isCallExpression(n) &&
      (n.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(n.expression) && n.expression.text === 'require'));
    const arg = loads ? n.arguments[0] : undefined;
    return arg && ts.isStringLiteralLike(arg) ? arg.text : undefined;
  });
}

describe('library boundaries of @app/content', () => {
  it('finds the imports it checks (the scan can fail)', () => {
    expect(importsOf('libs/database/src/entities/edition.entity.ts')).toEqual(
      expect.arrayContaining(['@app/content', 'typeorm']),
    );
    expect(importsOf('libs/email/src/render.ts')).toEqual(expect.arrayContaining(['@app/content', 'react']));
  });

  it('libs/content imports only its own files (no package, no other lib)', () => {
    const outside = sources('libs/content/src')
      .filter((f) => !/\.spec\.tsx?$/.test(f))
      .flatMap((f) =>
        importsOf(f)
          .filter((m) => !m.startsWith('./'))
          .map((m) => `${f}: ${m}`),
      );
    expect(outside).toEqual([]);
  });

  it('libs/database and libs/content never import @app/email', () => {
    const renderer = [...sources('libs/database/src'), ...sources('libs/content/src')].flatMap((f) =>
      importsOf(f)
        .filter((m) => m === '@app/email' || m.startsWith('@app/email/') || m.includes('libs/email'))
        .map((m) => `${f}: ${m}`),
    );
    expect(renderer).toEqual([]);
  });
});

/** Text a file puts into the program (string and template literals, JSX text), comments excluded. */
function literalsOf(file: string): string[] {
  return collect(file, (n) => {
    if (ts.isStringLiteralLike(n) || ts.isTemplateLiteralToken(n)) return n.text;
    return ts.isJsxText(n) && n.text.trim() ? n.text.trim() : undefined;
  });
}

describe('the content, email and config libs name no publication', () => {
  it('finds the literals it checks (the scan can fail)', () => {
    expect(literalsOf('libs/email/src/templates/edition.email.tsx')).toEqual(
      expect.arrayContaining(['Recent Analysis', 'View in browser']),
    );
    expect(literalsOf('libs/config/src/config.schema.ts')).toContain('newsletter@localhost');
  });

  it('has no publication name in code: it comes from the publication row (comments may give examples)', () => {
    const named = ['libs/content/src', 'libs/email/src', 'libs/config/src']
      .flatMap(sources)
      .filter((f) => !/\.spec\.tsx?$/.test(f))
      .flatMap((f) =>
        literalsOf(f)
          .filter((t) => /crank call/i.test(t))
          .map((t) => `${f}: ${t}`),
      );
    expect(named).toEqual([]);
  });
});
