import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString } from 'class-validator';

/** The name of the hidden honeypot field: people never see it, form-filling bots do. */
export const HONEYPOT_FIELD = 'website';

/** POST /api/subscriptions and POST /subscribe. Format and length are checked by the domain (checkEmail). */
export class SubscribeDto {
  @ApiProperty({ example: 'reader@example.org' })
  @IsDefined({ message: 'email is required' })
  @IsString({ message: 'email must be a string' })
  email!: string;

  @ApiPropertyOptional({ example: 'Ada Reader' })
  @IsOptional()
  @IsString({ message: 'name must be a string' })
  name?: string;

  @ApiPropertyOptional({
    description:
      'The solved proof-of-work challenge (ALTCHA payload, base64) from GET /api/subscriptions/challenge; ' +
      'required while SUBSCRIBE_CHALLENGE=pow, unless the request carries a bearer API token.',
  })
  @IsOptional()
  @IsString({ message: 'altcha must be a string' })
  altcha?: string;

  @ApiPropertyOptional({ description: 'Honeypot: leave empty.' })
  @IsOptional()
  @IsString({ message: 'website must be a string' })
  website?: string;
}

/** Forms that carry a link token: POST /confirm, /confirm/resend, /preferences/unsubscribe, ... */
export class TokenFormDto {
  @IsDefined({ message: 'token is required' })
  @IsString({ message: 'token must be a string' })
  token!: string;
}

/** The preferences page's unsubscribe form: `c` is the campaign whose preferences link opened the page. */
export class UnsubscribeFormDto extends TokenFormDto {
  @IsOptional()
  @IsString({ message: 'c must be a string' })
  c?: string;
}

export class NameFormDto extends TokenFormDto {
  @IsOptional()
  @IsString({ message: 'name must be a string' })
  name?: string;
}

export class EraseFormDto extends TokenFormDto {
  /** The "I understand" checkbox. */
  @IsOptional()
  @IsString({ message: 'confirm must be a string' })
  confirm?: string;
}
