import {
  API_TOKEN_NAME_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  ROLES,
} from '@app/core/accounts';
import { UserRole } from '@app/database';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsAddress, normalizeAddress } from '../common/is-address';

const roleMessage = { message: `role must be one of: ${ROLES.join(', ')}` };

export class CreateUserDto {
  @ApiProperty({ example: 'editor@example.org', maxLength: 254 })
  @Transform(({ value }) => normalizeAddress(value))
  @IsAddress({ message: 'email must be a valid email address' })
  @MaxLength(254)
  email!: string;

  @ApiProperty({ enum: UserRole })
  @IsIn(ROLES, roleMessage)
  role!: UserRole;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, {
    message: `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
  })
  password!: string;
}

export class UpdateUserDto {
  // ValidateIf, not IsOptional: IsOptional lets null through to the service (a 500 there, not a 400).
  @ApiPropertyOptional({ enum: UserRole })
  @ValidateIf((_o, v) => v !== undefined)
  @IsIn(ROLES, roleMessage)
  role?: UserRole;

  @ApiPropertyOptional({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @ValidateIf((_o, v) => v !== undefined)
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, {
    message: `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
  })
  password?: string;

  @ApiPropertyOptional({ description: 'true disables sign-in and every token of the user' })
  @ValidateIf((_o, v) => v !== undefined)
  @IsBoolean()
  disabled?: boolean;
}

export class UserDto {
  @ApiProperty() id!: number;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: UserRole }) role!: UserRole;
  @ApiProperty() disabled!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'Two-factor sign-in (TOTP) is set up' }) twoFactor!: boolean;
}

export class CreateTokenDto {
  @ApiProperty({ example: 'deploy script', maxLength: API_TOKEN_NAME_MAX_LENGTH })
  @IsString()
  @Length(1, API_TOKEN_NAME_MAX_LENGTH, {
    message: `name must be 1 to ${API_TOKEN_NAME_MAX_LENGTH} characters`,
  })
  name!: string;

  @ApiPropertyOptional({
    example: '2026-12-31T23:59:59Z',
    description: 'When the token stops working (ISO 8601 date-time, in the future). Left out or null: never.',
    nullable: true,
    type: String,
  })
  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsISO8601(
    { strict: true },
    { message: 'expiresAt must be an ISO 8601 date-time, e.g. 2026-12-31T23:59:59Z' },
  )
  expiresAt?: string | null;
}

export class TokenListQueryDto {
  @ApiPropertyOptional({ description: "Admins only: another user's tokens" })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  userId?: number;
}

export class ApiTokenDto {
  @ApiProperty() id!: number;
  @ApiProperty() userId!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'First characters of the token, to recognise it' }) prefix!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'null: never expires' })
  expiresAt!: string | null;
}

export class CreatedApiTokenDto extends ApiTokenDto {
  @ApiProperty({ description: 'The token itself. Shown only in this response: store it now.' })
  token!: string;
}
