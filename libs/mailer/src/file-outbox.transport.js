"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FileOutboxTransport = void 0;
const node_crypto_1 = require("node:crypto");
const promises_1 = require("node:fs/promises");
const node_path_1 = require("node:path");
const nodemailer_1 = require("nodemailer");
const mail_transport_1 = require("./mail-transport");
/**
 * Development transport: every message becomes an .eml file in the outbox directory. A write failure is
 * an error (transient), never a silent drop.
 */
class FileOutboxTransport {
    dir;
    composer = (0, nodemailer_1.createTransport)({ streamTransport: true, buffer: true, newline: 'windows' });
    description;
    constructor(dir) {
        this.dir = dir;
        this.description = `file outbox ${dir}`;
    }
    async send(mail) {
        let raw;
        let messageId;
        if (mail.kind === 'raw') {
            raw = Buffer.isBuffer(mail.raw) ? mail.raw : Buffer.from(mail.raw);
            messageId = mail.messageId;
        }
        else {
            const info = await this.composer.sendMail({
                from: mail.from,
                to: mail.to,
                subject: mail.subject,
                html: mail.html,
                text: mail.text,
                headers: mail.headers,
                messageId: mail.messageId,
            });
            raw = info.message;
            messageId = String(info.messageId);
        }
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${(0, node_crypto_1.randomUUID)()}.eml`;
        try {
            await (0, promises_1.mkdir)(this.dir, { recursive: true });
            // write then rename: a reader of the outbox never sees half a message
            const tmp = (0, node_path_1.join)(this.dir, `.${name}.tmp`);
            await (0, promises_1.writeFile)(tmp, raw);
            await (0, promises_1.rename)(tmp, (0, node_path_1.join)(this.dir, name));
        }
        catch (err) {
            throw new mail_transport_1.MailSendError(`outbox write failed: ${err.message}`, 'transient');
        }
        return { messageId, response: `250 written to ${name}` };
    }
    async verify() {
        await (0, promises_1.mkdir)(this.dir, { recursive: true });
    }
    async close() {
        return Promise.resolve();
    }
}
exports.FileOutboxTransport = FileOutboxTransport;
//# sourceMappingURL=file-outbox.transport.js.map