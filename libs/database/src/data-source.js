"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.dataSourceOptions = dataSourceOptions;
exports.createDataSource = createDataSource;
exports.ensureDatabase = ensureDatabase;
exports.migrate = migrate;
const typeorm_1 = require("typeorm");
const pg_1 = require("pg");
const entities_1 = require("./entities");
const migrations_1 = require("./migrations");
// int8 ids and counts come back as strings by default; ours stay far below 2^53.
pg_1.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
function dataSourceOptions(url, poolSize = 20) {
    return {
        type: 'postgres',
        url,
        entities: entities_1.ENTITIES,
        migrations: migrations_1.MIGRATIONS,
        migrationsTableName: 'schema_migrations',
        synchronize: false,
        logging: false,
        extra: { max: poolSize, connectionTimeoutMillis: 5000 },
    };
}
function createDataSource(url, poolSize) {
    return new typeorm_1.DataSource(dataSourceOptions(url, poolSize));
}
/** Creates the database named in `url` if it does not exist (connecting to the `postgres` database). */
async function ensureDatabase(url) {
    const target = new URL(url);
    const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
    if (!/^[A-Za-z0-9_-]+$/.test(name))
        throw new Error(`Unsupported database name "${name}" in DATABASE_URL`);
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const { Client } = await import('pg');
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount === 0) {
            try {
                await client.query(`CREATE DATABASE "${name}"`);
            }
            catch (e) {
                // two processes raced to create it: fine
                if (e.code !== '42P04')
                    throw e;
            }
        }
    }
    finally {
        await client.end();
    }
}
/** Creates the database if needed and applies pending migrations; returns their names. */
async function migrate(url) {
    await ensureDatabase(url);
    const ds = createDataSource(url, 2);
    await ds.initialize();
    try {
        const ran = await ds.runMigrations({ transaction: 'each' });
        return ran.map((m) => m.name);
    }
    finally {
        await ds.destroy();
    }
}
//# sourceMappingURL=data-source.js.map