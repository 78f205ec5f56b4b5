import { AccountsService } from '@app/core/accounts';
import { Body, Controller, Delete, Get, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreateUserDto, UpdateUserDto, UserDto } from './accounts.dto';
import { AdminAuthGuard } from './admin-auth.guard';
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
  constructor(private readonly accounts: AccountsService) {}

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

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user with their sessions and tokens' })
  async remove(@IdParam() id: number): Promise<void> {
    await this.accounts.deleteUser(id);
  }
}
