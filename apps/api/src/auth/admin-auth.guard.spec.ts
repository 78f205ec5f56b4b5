import { UserRole } from '@app/database';
import { ADMIN_PATH, defaultRoles } from './admin-auth.guard';
import { safeNext } from './console-auth.controller';

const { Admin, Editor, Ops } = UserRole;

describe('default admin policy', () => {
  it('lets every role read, editors and admins write', () => {
    expect(defaultRoles('GET', '/api/admin/campaigns/:id')).toEqual([Admin, Editor, Ops]);
    expect(defaultRoles('HEAD', '/api/admin/editions')).toEqual([Admin, Editor, Ops]);
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(defaultRoles(m, '/api/admin/editions/:id')).toEqual([Admin, Editor]);
    }
  });

  it('keeps users to admins, whatever the method or spelling', () => {
    for (const path of ['/api/admin/users', '/api/admin/users/:id', '/API/Admin/Users', '/admin/users/new']) {
      expect(defaultRoles('GET', path)).toEqual([Admin]);
      expect(defaultRoles('POST', path)).toEqual([Admin]);
    }
    expect(defaultRoles('GET', '/api/admin/usersettings')).toEqual([Admin, Editor, Ops]);
  });

  it('lets ops pause a campaign and nothing else that writes', () => {
    expect(defaultRoles('POST', '/api/admin/campaigns/:id/pause')).toEqual([Admin, Editor, Ops]);
    expect(defaultRoles('POST', '/admin/campaigns/:id/pause')).toEqual([Admin, Editor, Ops]);
    expect(defaultRoles('POST', '/api/admin/campaigns/:id/resume')).toEqual([Admin, Editor]);
    expect(defaultRoles('POST', '/api/admin/campaigns/:id/pause/extra')).toEqual([Admin, Editor]);
  });

  it('recognises the admin surface', () => {
    expect(ADMIN_PATH.test('/api/admin/x')).toBe(true);
    expect(ADMIN_PATH.test('/admin')).toBe(true);
    expect(ADMIN_PATH.test('/admin/queues')).toBe(true);
    expect(ADMIN_PATH.test('/administrator')).toBe(false);
    expect(ADMIN_PATH.test('/api/subscriptions')).toBe(false);
  });
});

describe('post-login redirect', () => {
  it('stays inside the console', () => {
    expect(safeNext('/admin/editions/3?tab=preview')).toBe('/admin/editions/3?tab=preview');
    expect(safeNext('/admin')).toBe('/admin');
    for (const bad of [
      '//evil.example',
      'https://evil.example/admin',
      '/admin\\@evil',
      '/adminx',
      '/admin/login',
      3,
      undefined,
    ]) {
      expect(safeNext(bad)).toBe('/admin');
    }
  });
});
