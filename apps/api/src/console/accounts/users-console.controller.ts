import { AccountsService, PASSWORD_MAX_LENGTH } from '@app/core/accounts';
import { Controller, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import { Roles } from '../../auth/roles.decorator';
import { FormInputError, formField, noticeFrom, parseId, refusalStatus, sendPage } from './account-forms';
import { USER_NOTICES, type UserFormState, userNotFoundPage, userPage, usersPage } from './users.pages';

/** Both password fields, which must match (the length rule is AccountsService's). */
function newPassword(req: Request): string {
  const password = formField(req, 'password', PASSWORD_MAX_LENGTH, 'password', true);
  if (password !== formField(req, 'confirm', PASSWORD_MAX_LENGTH, 'password', true)) {
    throw new FormInputError('The two passwords do not match');
  }
  return password;
}

/**
 * Console pages for users (admins only): list, create, change role, disable or enable, set a password,
 * delete. Password hashes never leave AccountsService (its views carry none).
 */
@ApiExcludeController()
@Controller('admin/users')
@UseGuards(AdminAuthGuard)
@Roles('admin')
export class UsersConsoleController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    const users = await this.accounts.listUsers();
    sendPage(res, 200, usersPage(req, users, { notice: noticeFrom(req, USER_NOTICES) }));
  }

  @Post()
  async create(@Req() req: Request, @Res() res: Response): Promise<void> {
    let email = '';
    let role = '';
    try {
      email = formField(req, 'email', 254);
      role = formField(req, 'role', 16);
      const password = newPassword(req);
      const user = await this.accounts.createUser({ email, role, password });
      res.redirect(303, `/admin/users/${user.id}?notice=user-created`);
    } catch (err) {
      const status = refusalStatus(err);
      if (status === undefined || !(err instanceof Error)) throw err;
      const users = await this.accounts.listUsers();
      sendPage(res, status, usersPage(req, users, { error: err.message, email, role }));
    }
  }

  @Get(':id')
  async view(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.render(req, res, rawId, 200, { notice: noticeFrom(req, USER_NOTICES) });
  }

  @Post(':id/role')
  async changeRole(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, rawId, 'role', async (id) => {
      await this.accounts.updateUser(id, { role: formField(req, 'role', 16) });
      return 'role-changed';
    });
  }

  @Post(':id/disable')
  async disable(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, rawId, 'disable', async (id) => {
      await this.accounts.updateUser(id, { disabled: true });
      return 'user-disabled';
    });
  }

  @Post(':id/enable')
  async enable(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, rawId, 'disable', async (id) => {
      await this.accounts.updateUser(id, { disabled: false });
      return 'user-enabled';
    });
  }

  @Post(':id/password')
  async setPassword(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, rawId, 'password', async (id) => {
      await this.accounts.updateUser(id, { password: newPassword(req) });
      return 'password-changed';
    });
  }

  @Post(':id/delete')
  async remove(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, rawId, 'delete', async (id) => {
      if (formField(req, 'confirm', 10) !== 'yes') {
        throw new FormInputError('Tick the box to confirm the deletion: it cannot be undone.');
      }
      await this.accounts.deleteUser(id);
      return 'user-deleted';
    });
  }

  /** Runs one change; redirects with a notice, or re-renders the user's page with the error by the form. */
  private async change(
    req: Request,
    res: Response,
    rawId: string,
    form: NonNullable<UserFormState['form']>,
    run: (id: number) => Promise<string>,
  ): Promise<void> {
    const id = parseId(rawId);
    if (id === undefined) {
      sendPage(res, 404, userNotFoundPage(req, 'User not found'));
      return;
    }
    try {
      const code = await run(id);
      res.redirect(
        303,
        code === 'user-deleted' ? '/admin/users?notice=user-deleted' : `/admin/users/${id}?notice=${code}`,
      );
    } catch (err) {
      const status = refusalStatus(err);
      if (status === undefined || !(err instanceof Error)) throw err;
      if (status === 404) {
        sendPage(res, 404, userNotFoundPage(req, err.message));
        return;
      }
      await this.render(req, res, rawId, status, { form, error: err.message });
    }
  }

  private async render(
    req: Request,
    res: Response,
    rawId: string,
    status: number,
    st: UserFormState & { notice?: string },
  ): Promise<void> {
    const id = parseId(rawId);
    const user =
      id === undefined
        ? undefined
        : await this.accounts.getUser(id).catch((err: unknown) => {
            if (refusalStatus(err) === 404) return undefined;
            throw err;
          });
    if (!user) {
      sendPage(res, 404, userNotFoundPage(req, 'User not found'));
      return;
    }
    sendPage(res, status, userPage(req, user, st));
  }
}
