import { AccountsService, TwoFactorService } from '@app/core/accounts';
import { Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../../auth/roles.decorator';
import { messageText } from '../../common/error-answer';
import { IdParam } from '../../common/parse-id.pipe';
import { sendPage } from '../../pages/send-page';
import { ConsoleController } from '../console-controller.decorator';
import { NoticeQuery, noticeFrom, readForm, submitForm, typed } from '../console-forms';
import { CreateUserForm, DeleteUserForm, newPassword, PasswordForm, RoleForm } from './account.forms';
import { USER_NOTICES, type UserFormState, userPage, usersPage } from './users.pages';

type UserForm = NonNullable<UserFormState['form']>;

/**
 * Console pages for users (admins only): list, create, change role, disable or enable, set a password,
 * delete. Password hashes never leave AccountsService (its views carry none).
 */
@ConsoleController('admin/users')
@Roles('admin')
export class UsersConsoleController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly twoFactor: TwoFactorService,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(NoticeQuery, req.query);
    const users = await this.accounts.listUsers();
    sendPage(res, 200, usersPage(req, users, { notice: noticeFrom(USER_NOTICES, q.notice) }));
  }

  @Post()
  async create(@Req() req: Request, @Res() res: Response): Promise<void> {
    await submitForm(
      res,
      async () => {
        const form = await readForm(CreateUserForm, req.body);
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
          email: typed(req, 'email', 254),
          role: typed(req, 'role', 16),
        }),
    );
  }

  @Get(':id')
  async view(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(NoticeQuery, req.query);
    const user = await this.accounts.getUser(id);
    sendPage(res, 200, userPage(req, user, { notice: noticeFrom(USER_NOTICES, q.notice) }));
  }

  @Post(':id/role')
  async changeRole(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, id, 'role', async () => {
      await this.accounts.updateUser(id, { role: (await readForm(RoleForm, req.body)).role ?? '' });
      return `/admin/users/${id}?notice=role-changed`;
    });
  }

  @Post(':id/disable')
  async disable(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, id, 'disable', async () => {
      await this.accounts.updateUser(id, { disabled: true });
      return `/admin/users/${id}?notice=user-disabled`;
    });
  }

  @Post(':id/enable')
  async enable(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, id, 'disable', async () => {
      await this.accounts.updateUser(id, { disabled: false });
      return `/admin/users/${id}?notice=user-enabled`;
    });
  }

  @Post(':id/password')
  async setPassword(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, id, 'password', async () => {
      await this.accounts.updateUser(id, { password: newPassword(await readForm(PasswordForm, req.body)) });
      return `/admin/users/${id}?notice=password-changed`;
    });
  }

  @Post(':id/two-factor/reset')
  async resetTwoFactor(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, id, 'two-factor', async () => {
      await this.twoFactor.reset(id, req.principal?.userId ?? null);
      return `/admin/users/${id}?notice=two-factor-reset`;
    });
  }

  @Post(':id/delete')
  async remove(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, id, 'delete', async () => {
      await readForm(DeleteUserForm, req.body);
      await this.accounts.deleteUser(id);
      return '/admin/users?notice=user-deleted';
    });
  }

  /** Runs one change, which says where to go next (303); a refusal shows the user's page with it by the form. */
  private change(
    req: Request,
    res: Response,
    id: number,
    form: UserForm,
    run: () => Promise<string>,
  ): Promise<void> {
    return submitForm(res, run, async (refusal) =>
      userPage(req, await this.accounts.getUser(id), { form, error: messageText(refusal) }),
    );
  }
}
