import { PublicationModule } from '@app/core';
import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { AssetsController } from './assets.controller';
import { PublicationMiddleware } from './publication';

/** What every page shares: the stylesheets and scripts under /assets, and the publication's name. */
@Module({ imports: [PublicationModule], controllers: [AssetsController], providers: [PublicationMiddleware] })
export class PagesModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(PublicationMiddleware).forRoutes('*');
  }
}
