import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsModule } from '../metrics/metrics.module';
import { HealthController } from './health.controller';
import { RedisPing } from './redis-ping';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), MetricsModule],
  controllers: [HealthController],
  providers: [RedisPing],
})
export class HealthModule {}
