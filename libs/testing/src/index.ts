export * from './smtp-sink';
export * from './test-database';
export * from './redis-cleanup';
export * from './wait';
export * from './private-postgres';
export * from './net';
export * from './private-redis';
export * from './process';
