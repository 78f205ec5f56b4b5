import { TwoFactorService } from '@app/core/accounts';
import { Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles, SessionOnly } from '../../auth/roles.decorator';
import { messageText } from '../../common/error-answer';
import { sendPage } from '../../pages/send-page';
import { ConsoleController } from '../console-controller.decorator';
import { readForm, submitForm } from '../console-forms';
import { CodeForm } from './account.forms';
import { twoFactorDonePage, twoFactorPage } from './two-factor.pages';

const FOR_PEOPLE = 'Two-factor sign-in belongs to a person: sign in to the console to set it up.';

/**
 * A signed-in user's own second factor: its state, or (not set up) the QR code and the confirming code,
 * after which the recovery codes are shown once. Turning it off is an admin's reset (a lost phone).
 */
@ConsoleController('admin/account/two-factor')
@Roles('admin', 'editor', 'ops')
@SessionOnly(FOR_PEOPLE)
export class TwoFactorConsoleController {
  constructor(private readonly twoFactor: TwoFactorService) {}

  @Get()
  async view(@Req() req: Request, @Res() res: Response): Promise<void> {
    sendPage(res, 200, await this.page(req));
  }

  @Post()
  async confirm(@Req() req: Request, @Res() res: Response): Promise<void> {
    const userId = req.principal!.userId!;
    await submitForm(
      res,
      async () => {
        const form = await readForm(CodeForm, req.body);
        const codes = await this.twoFactor.confirmEnrolment(userId, form.code ?? '');
        return { status: 200, page: twoFactorDonePage(req, codes) };
      },
      (refusal) => this.page(req, messageText(refusal)),
    );
  }

  private async page(req: Request, error?: string) {
    const userId = req.principal!.userId!;
    const status = await this.twoFactor.status(userId);
    const enrolment = status.enabled ? undefined : await this.twoFactor.beginEnrolment(userId);
    return twoFactorPage(req, status, enrolment, error);
  }
}
