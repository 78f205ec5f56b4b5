"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AppConfig = exports.ConfigError = void 0;
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const config_schema_1 = require("./config.schema");
class ConfigError extends Error {
}
exports.ConfigError = ConfigError;
/** Validated, typed configuration. Built once at boot; a bad value stops the process with a clear message. */
class AppConfig {
    env;
    /** HMAC key for link tokens. Generated per process when SECRET_KEY is unset (development only). */
    secretKey;
    secretKeyIsEphemeral;
    constructor(env) {
        this.env = env;
        this.secretKeyIsEphemeral = !env.SECRET_KEY;
        this.secretKey = env.SECRET_KEY ?? AppConfig.devSecret();
    }
    static fromEnvironment(source = process.env) {
        // Empty strings mean "unset" (docker-compose writes VAR= for optional variables).
        const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
        const parsed = config_schema_1.envSchema.safeParse(cleaned);
        if (!parsed.success) {
            const lines = parsed.error.issues.map((i) => {
                const name = i.path.join('.') || '(environment)';
                const value = cleaned[name];
                const shown = value === undefined || /SECRET|TOKEN|KEY|PASSWORD/.test(name) ? '' : ` (got "${value}")`;
                return `  - ${name}: ${i.message}${shown}`;
            });
            throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
        }
        return new AppConfig(parsed.data);
    }
    /**
     * Without SECRET_KEY, tokens must still survive a restart and be shared by the api and worker processes
     * on this machine, so a generated key is kept in var/secret.key (development only; production refuses to boot).
     */
    static devSecret(file = 'var/secret.key') {
        try {
            const existing = (0, node_fs_1.readFileSync)(file, 'utf8').trim();
            if (existing.length >= 32)
                return existing;
        }
        catch {
            // first run: fall through and create it
        }
        const key = (0, node_crypto_1.randomBytes)(32).toString('hex');
        (0, node_fs_1.mkdirSync)((0, node_path_1.dirname)(file), { recursive: true });
        try {
            (0, node_fs_1.writeFileSync)(file, key, { mode: 0o600, flag: 'wx' });
            return key;
        }
        catch {
            // another process created it first: use theirs
            return (0, node_fs_1.readFileSync)(file, 'utf8').trim();
        }
    }
    get smtpEnabled() {
        return this.env.SMTP_URL !== undefined;
    }
    get publicUrlIsHttps() {
        return this.env.PUBLIC_URL.startsWith('https:');
    }
    get dkim() {
        const { DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY } = this.env;
        if (!DKIM_DOMAIN || !DKIM_SELECTOR || !DKIM_PRIVATE_KEY)
            return undefined;
        return { domainName: DKIM_DOMAIN, keySelector: DKIM_SELECTOR, privateKey: DKIM_PRIVATE_KEY.replace(/\\n/g, '\n') };
    }
    /** Absolute link under PUBLIC_URL. */
    url(path, query) {
        const u = new URL(this.env.PUBLIC_URL + path);
        for (const [k, v] of Object.entries(query ?? {}))
            u.searchParams.set(k, v);
        return u.toString();
    }
}
exports.AppConfig = AppConfig;
//# sourceMappingURL=app-config.js.map