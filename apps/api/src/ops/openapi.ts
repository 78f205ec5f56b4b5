import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SESSION_COOKIE } from '../auth/session-cookie';

export const DOCS_PATH = 'api/docs';

/** Only the JSON API and the operators' endpoints; console pages are HTML for people, not an API. */
function documented(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/health') || path === '/metrics';
}

/**
 * OpenAPI at /api/docs (UI) and /api/docs-json. Every /api/admin operation is marked as needing the bearer
 * token or the console session, whether or not its controller says so.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Newsletter API')
    .setDescription(
      'Admin API (`/api/admin/*`): `Authorization: Bearer <token>` with the bootstrap ADMIN_API_TOKEN or a personal ' +
        'API token (create one with POST /api/admin/tokens), or the console session cookie plus an `X-CSRF-Token` ' +
        'header on writes. Roles: admin (everything), editor (editions, campaigns, subscribers), ops (read, pause).',
    )
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'ADMIN_API_TOKEN or a personal API token (nlt_...)',
    })
    .addCookieAuth(SESSION_COOKIE)
    .build();
  const doc = SwaggerModule.createDocument(app, config);
  for (const path of Object.keys(doc.paths)) {
    if (!documented(path)) {
      delete doc.paths[path];
      continue;
    }
    if (!path.startsWith('/api/admin')) continue;
    const item = doc.paths[path] as Record<string, { security?: unknown[] } | undefined>;
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']) {
      const op = item[method];
      if (op && !op.security?.length) op.security = [{ bearer: [] }, { [SESSION_COOKIE]: [] }];
    }
  }
  return doc;
}

export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    customSiteTitle: 'Newsletter API',
    jsonDocumentUrl: 'api/docs-json',
  });
}
