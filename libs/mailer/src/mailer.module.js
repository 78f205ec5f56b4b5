"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.MailerModule = void 0;
exports.createMailTransport = createMailTransport;
const config_1 = require("../../config/src/index.js");
const common_1 = require("@nestjs/common");
const file_outbox_transport_1 = require("./file-outbox.transport");
const mail_transport_1 = require("./mail-transport");
const smtp_transport_1 = require("./smtp.transport");
function createMailTransport(config) {
    const { SMTP_URL, SMTP_POOL_SIZE, SMTP_TIMEOUT_MS, OUTBOX_DIR } = config.env;
    if (!SMTP_URL) {
        new common_1.Logger('Mailer').warn(`SMTP_URL is not set: mail is written as .eml files to ${OUTBOX_DIR}/`);
        return new file_outbox_transport_1.FileOutboxTransport(OUTBOX_DIR);
    }
    return new smtp_transport_1.SmtpMailTransport({
        url: SMTP_URL,
        poolSize: SMTP_POOL_SIZE,
        timeoutMs: SMTP_TIMEOUT_MS,
        dkim: config.dkim,
    });
}
let MailerModule = class MailerModule {
    transport;
    constructor(transport) {
        this.transport = transport;
    }
    async onApplicationShutdown() {
        await this.transport.close();
    }
};
exports.MailerModule = MailerModule;
exports.MailerModule = MailerModule = __decorate([
    (0, common_1.Global)(),
    (0, common_1.Module)({
        providers: [{ provide: mail_transport_1.MAIL_TRANSPORT, inject: [config_1.AppConfig], useFactory: createMailTransport }],
        exports: [mail_transport_1.MAIL_TRANSPORT],
    }),
    __param(0, (0, common_1.Inject)(mail_transport_1.MAIL_TRANSPORT)),
    __metadata("design:paramtypes", [Object])
], MailerModule);
//# sourceMappingURL=mailer.module.js.map