import { AccountsService, TwoFactorService } from '@app/core/accounts';
import { Body, Controller, Delete, Get, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreateUserDto, UpdateUserDto, UserDto } from './accounts.dto';
import { AdminAuthGuard } from './admin-auth.guard';
import { CurrentPrincipal, type Principal } from './principal';
import { SESSION_COOKIE } from './session-cookie';
import { Roles } from './roles.decorator';
import { IdParam } from '../common/parse-id.pipe';

/** Console users. Admins only. */
@ApiTags('users')
@ApiBearerAuth()
@ApiCookieAuth(SESSION_COOKIE)
@Controller('api/admin/users')
@UseGuards(AdminAuthGuard)
@Roles('admin')
export class UsersController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly twoFactor: TwoFactorService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List users' })
  @ApiResponse({ status: 200, type: [UserDto] })
  list(): Promise<UserDto[]> {
    return this.accounts.listUsers();
  }

  @Post()
  @ApiOperation({ summary: 'Create a user' })
  @ApiResponse({ status: 201, type: UserDto })
  @ApiResponse({ status: 409, description: 'A user with this email address already exists' })
  create(@Body() dto: CreateUserDto): Promise<UserDto> {
    return this.accounts.createUser(dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user' })
  @ApiResponse({ status: 200, type: UserDto })
  get(@IdParam() id: number): Promise<UserDto> {
    return this.accounts.getUser(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change role, password or disabled state',
    description:
      "A new password or disabling ends the user's sessions. The last active admin cannot be demoted or disabled.",
  })
  @ApiResponse({ status: 200, type: UserDto })
  update(@IdParam() id: number, @Body() dto: UpdateUserDto): Promise<UserDto> {
    return this.accounts.updateUser(id, dto);
  }

  @Post(':id/two-factor/reset')
  @HttpCode(200)
  @ApiOperation({
    summary: "Reset a user's two-factor sign-in",
    description:
      'For a lost phone: removes the TOTP secret and recovery codes and ends the sessions; recorded with the time and the admin. The user sets it up again (at the next sign-in when REQUIRE_2FA is on).',
  })
  @ApiResponse({ status: 200, type: UserDto })
  async resetTwoFactor(
    @IdParam() id: number,
    @CurrentPrincipal() p: Principal | undefined,
  ): Promise<UserDto> {
    await this.twoFactor.reset(id, p?.userId ?? null);
    return this.accounts.getUser(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user with their sessions and tokens' })
  async remove(@IdParam() id: number): Promise<void> {
    await this.accounts.deleteUser(id);
  }
}
