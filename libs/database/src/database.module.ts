import { AppConfig } from '@app/config';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source';
import { ENTITIES } from './entities';
import { Database } from './sql';

/** The connection pool and `Database`, the one way repositories run SQL; global so every module's repositories get it. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.env.DATABASE_URL),
        // Fail fast at boot rather than retrying for minutes with a half-started app.
        retryAttempts: 2,
        retryDelay: 1000,
      }),
    }),
    TypeOrmModule.forFeature(ENTITIES),
  ],
  providers: [Database],
  exports: [TypeOrmModule, Database],
})
export class DatabaseModule {}
