import { Module } from '@nestjs/common';
import { FeedbackReportRepository } from './feedback-report.repository';
import { FeedbackReportService } from './feedback-report.service';

/**
 * The read side of feedback for the console (FeedbackReportService), apart from FeedbackModule so the API
 * reads it without the processing side. Needs the global DatabaseModule.
 */
@Module({
  providers: [FeedbackReportRepository, FeedbackReportService],
  exports: [FeedbackReportService],
})
export class FeedbackReportModule {}
