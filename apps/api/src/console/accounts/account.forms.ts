import { API_TOKEN_NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH } from '@app/core/accounts';
import { BadRequestException } from '@nestjs/common';
import { Equals } from 'class-validator';
import { FormText } from '../console-forms';

/** A new password and its repetition (the length rule is AccountsService's). */
export class PasswordForm {
  @FormText('password', PASSWORD_MAX_LENGTH, { secret: true })
  password?: string;

  @FormText('password', PASSWORD_MAX_LENGTH, { secret: true })
  confirm?: string;
}

/** The new password, once both fields say the same. */
export function newPassword(form: PasswordForm): string {
  if ((form.password ?? '') !== (form.confirm ?? '')) {
    throw new BadRequestException('The two passwords do not match');
  }
  return form.password ?? '';
}

/** POST /admin/users */
export class CreateUserForm extends PasswordForm {
  @FormText('email', 254)
  email?: string;

  @FormText('role', 16)
  role?: string;
}

/** POST /admin/users/:id/role */
export class RoleForm {
  @FormText('role', 16)
  role?: string;
}

/** POST /admin/users/:id/delete */
export class DeleteUserForm {
  @Equals('yes', { message: 'Tick the box to confirm the deletion: it cannot be undone.' })
  confirm!: 'yes';
}

/** POST /admin/tokens */
export class CreateTokenForm {
  @FormText('name', API_TOKEN_NAME_MAX_LENGTH)
  name?: string;

  @FormText('Valid until', 10)
  validUntil?: string;
}

/**
 * The console's "Valid until" date (YYYY-MM-DD, UTC): the token works through that whole day, so it
 * expires at the start of the next. Empty: never expires.
 */
export function endOfDay(value: string): Date | null {
  if (value === '') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const day = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!day || day.toISOString().slice(0, 10) !== value) {
    throw new BadRequestException('Valid until must be a date like 2026-12-31, or empty for no expiry');
  }
  const end = new Date(day.getTime() + 24 * 3600 * 1000);
  if (end.getTime() <= Date.now()) throw new BadRequestException('Valid until must be today or a later day');
  return end;
}

/** POST /admin/account/two-factor: the code confirming an enrolment. */
export class CodeForm {
  @FormText('code', 64, { secret: true })
  code?: string;
}
