import { AccountsService } from '@app/core/accounts';
import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../../auth/roles.decorator';
import { messageText } from '../../common/error-answer';
import { ParseIdPipe } from '../../common/parse-id.pipe';
import { sendPage } from '../../pages/send-page';
import { ConsoleController } from '../console-controller.decorator';
import { NoticeQuery, noticeFrom, readForm, submitForm } from '../console-forms';
import { CreateUserForm, DeleteUserForm, newPassword, PasswordForm, RoleForm } from './account.forms';
import { USER_NOTICES, type UserFormState, userPage, usersPage } from './users.pages';

/**
 * Console pages for users (admins only): list, create, change role, disable or enable, set a password,
 * delete. Password hashes never leave AccountsService (its views carry none).
 */
@ConsoleController('admin/users')
@Roles('admin')
export class UsersConsoleController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response, @Query() q: NoticeQuery): Promise<void> {
    const users = await this.accounts.listUsers();
    sendPage(res, 200, usersPage(req, users, { notice: noticeFrom(USER_NOTICES, q.notice) }));
  }

  @Post()
  async create(@Req() req: Request, @Res() res: Response): Promise<void> {
    const body = req.body as Record<string, unknown> | undefined;
    await submitForm(
      res,
      async () => {
        const form = await readForm(CreateUserForm, body);
        const user = await this.accounts.createUser({
          email: form.email ?? '',
          role: form.role ?? '',
          password: newPassword(form),
        });
        return `/admin/users/${user.id}?notice=user-created`;
      },
      async (refusal) =>
        usersPage(req, await this.accounts.listUsers(), {
          error: messageText(refusal),
          email: typeof body?.email === 'string' ? body.email.slice(0, 254) : '',
          role: typeof body?.role === 'string' ? body.role.slice(0, 16) : '',
        }),
    );
  }

  @Get(':id')
  async view(
    @Param('id', ParseIdPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
    @Query() q: NoticeQuery,
  ): Promise<void> {
    const user = await this.accounts.getUser(id);
    sendPage(res, 200, userPage(req, user, { notice: noticeFrom(USER_NOTICES, q.notice) }));
  }

  @Post(':id/role')
  async changeRole(
    @Param('id', ParseIdPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.change(req, res, id, 'role', async () => {
      await this.accounts.updateUser(id, { role: (await readForm(RoleForm, req.body)).role ?? '' });
      return 'role-changed';
    });
  }

  @Post(':id/disable')
  async disable(
    @Param('id', ParseIdPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.change(req, res, id, 'disable', async () => {
      await this.accounts.updateUser(id, { disabled: true });
      return 'user-disabled';
    });
  }

  @Post(':id/enable')
  async enable(
    @Param('id', ParseIdPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.change(req, res, id, 'disable', async () => {
      await this.accounts.updateUser(id, { disabled: false });
      return 'user-enabled';
    });
  }

  @Post(':id/password')
  async setPassword(
    @Param('id', ParseIdPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.change(req, res, id, 'password', async () => {
      await this.accounts.updateUser(id, { password: newPassword(await readForm(PasswordForm, req.body)) });
      return 'password-changed';
    });
  }

  @Post(':id/delete')
  async remove(
    @Param('id', ParseIdPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.change(req, res, id, 'delete', async () => {
      await readForm(DeleteUserForm, req.body);
      await this.accounts.deleteUser(id);
      return 'user-deleted';
    });
  }

  /** Runs one change; shows the result (303) with a notice, or the user's page again with the error by its form. */
  private change(
    req: Request,
    res: Response,
    id: number,
    form: NonNullable<UserFormState['form']>,
    run: () => Promise<string>,
  ): Promise<void> {
    return submitForm(
      res,
      async () => {
        const code = await run();
        return code === 'user-deleted'
          ? '/admin/users?notice=user-deleted'
          : `/admin/users/${id}?notice=${code}`;
      },
      async (refusal) =>
        userPage(req, await this.accounts.getUser(id), { form, error: messageText(refusal) }),
    );
  }
}
