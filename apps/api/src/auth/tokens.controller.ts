import { AccountsService } from '@app/core/accounts';
import { UserRole } from '@app/database';
import { Body, Controller, Delete, ForbiddenException, Get, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiTokenDto, CreatedApiTokenDto, CreateTokenDto, TokenListQueryDto } from './accounts.dto';
import { AdminAuthGuard } from './admin-auth.guard';
import { CurrentPrincipal, type Principal } from './principal';
import { Roles, SessionOnly } from './roles.decorator';
import { SESSION_COOKIE } from './session-cookie';
import { IdParam } from '../common/parse-id.pipe';

/** Why a bearer token cannot create a token (the JSON API and the console say the same). */
export const TOKEN_NEEDS_SESSION =
  'Creating an API token needs a console session: sign in at /admin/login. A bearer token (personal or ' +
  'ADMIN_API_TOKEN) cannot create tokens.';

/** Personal API tokens: everyone manages their own; admins may also list and revoke other users'. */
@ApiTags('tokens')
@ApiBearerAuth()
@ApiCookieAuth(SESSION_COOKIE)
@Controller('api/admin/tokens')
@UseGuards(AdminAuthGuard)
@Roles('admin', 'editor', 'ops')
export class TokensController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({
    summary: 'List your tokens',
    description:
      "Admins: `?userId=` lists that user's tokens; with the bootstrap ADMIN_API_TOKEN, all tokens.",
  })
  @ApiResponse({ status: 200, type: [ApiTokenDto] })
  list(@CurrentPrincipal() p: Principal, @Query() q: TokenListQueryDto): Promise<ApiTokenDto[]> {
    if (q.userId !== undefined && q.userId !== p.userId && p.role !== UserRole.Admin) {
      throw new ForbiddenException("Only admins may list other users' tokens");
    }
    return this.accounts.listApiTokens(q.userId ?? p.userId);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a token (its value is shown only in this response)',
    description:
      'Needs a console session (cookie and CSRF token): a bearer token, personal or ADMIN_API_TOKEN, cannot ' +
      'create tokens (403), so a leaked token cannot make itself a successor.',
  })
  @ApiResponse({ status: 201, type: CreatedApiTokenDto })
  @ApiResponse({ status: 403, description: 'Called with a bearer token rather than a console session' })
  @SessionOnly(TOKEN_NEEDS_SESSION)
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateTokenDto): Promise<CreatedApiTokenDto> {
    // SessionOnly has refused bearer tokens already; a session always has a user
    if (p.via !== 'session' || p.userId === undefined) throw new ForbiddenException(TOKEN_NEEDS_SESSION);
    const expiresAt = dto.expiresAt == null ? null : new Date(dto.expiresAt);
    return this.accounts.createApiToken(p.userId, dto.name, expiresAt);
  }

  @Delete(':id')
  @ApiOperation({ summary: "Revoke a token (yours; admins: anyone's)" })
  @ApiResponse({ status: 200, type: ApiTokenDto })
  revoke(@CurrentPrincipal() p: Principal, @IdParam() id: number): Promise<ApiTokenDto> {
    // non-admins are always users (session or personal token); a token of someone else is "not found" to them
    const owner = p.role === UserRole.Admin ? undefined : p.userId;
    return this.accounts.revokeApiToken(id, owner);
  }
}
