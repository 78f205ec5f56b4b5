export * from './click-tracker.service';
export * from './click.repository';
export * from './link-scanners';
export * from './report.repository';
export * from './report.service';
export * from './clicks.module';
export * from './report.csv';
