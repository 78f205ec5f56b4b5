"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAIL_TRANSPORT = exports.MailSendError = void 0;
exports.classifySmtpError = classifySmtpError;
/**
 * Why a send failed, in the terms the sender acts on: `transient` (4xx, connection trouble, timeouts: retry later),
 * `permanent` (5xx for this recipient: bounce it).
 */
class MailSendError extends Error {
    kind;
    responseCode;
    response;
    constructor(message, kind, responseCode, response) {
        super(message);
        this.kind = kind;
        this.responseCode = responseCode;
        this.response = response;
        this.name = 'MailSendError';
    }
}
exports.MailSendError = MailSendError;
exports.MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');
/** Maps a nodemailer error to transient/permanent. */
function classifySmtpError(err) {
    const e = err;
    const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
    const response = (e.response ?? e.message ?? String(err)).slice(0, 1000);
    if (code !== undefined && code >= 500 && code < 600) {
        return new MailSendError(response, 'permanent', code, response);
    }
    return new MailSendError(response, 'transient', code, response);
}
//# sourceMappingURL=mail-transport.js.map