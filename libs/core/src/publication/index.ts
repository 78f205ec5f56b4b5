export * from './publication.repository';
export * from './publication.service';
export * from './publication.module';
