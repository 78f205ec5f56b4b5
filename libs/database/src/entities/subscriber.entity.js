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
Object.defineProperty(exports, "__esModule", { value: true });
exports.Subscriber = exports.SubscriberStatus = void 0;
const typeorm_1 = require("typeorm");
var SubscriberStatus;
(function (SubscriberStatus) {
    SubscriberStatus["Pending"] = "pending";
    SubscriberStatus["Confirmed"] = "confirmed";
    SubscriberStatus["Unsubscribed"] = "unsubscribed";
    SubscriberStatus["Bounced"] = "bounced";
    SubscriberStatus["Complained"] = "complained";
})(SubscriberStatus || (exports.SubscriberStatus = SubscriberStatus = {}));
/** Email uniqueness is case-insensitive: a unique index on lower(email) lives in the migration. */
let Subscriber = class Subscriber {
    id;
    /** Random subject of link tokens; rotated on erasure so every old link dies. */
    uid;
    /** Normalized address (trimmed, domain lowercased); null once erased. */
    email;
    name;
    status;
    consentAt;
    consentIp;
    consentUserAgent;
    /** Where consent came from: "form:hosted", "form:embed", "api", "import:<file>", "admin". */
    consentSource;
    confirmedAt;
    unsubscribedAt;
    confirmationSentAt;
    softBounceCount;
    erasedAt;
    createdAt;
    updatedAt;
};
exports.Subscriber = Subscriber;
__decorate([
    (0, typeorm_1.PrimaryGeneratedColumn)('identity', { type: 'int' }),
    __metadata("design:type", Number)
], Subscriber.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'uuid', default: () => 'gen_random_uuid()' }),
    __metadata("design:type", String)
], Subscriber.prototype, "uid", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 254, nullable: true }),
    __metadata("design:type", Object)
], Subscriber.prototype, "email", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 200, nullable: true }),
    __metadata("design:type", Object)
], Subscriber.prototype, "name", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 16, default: SubscriberStatus.Pending }),
    __metadata("design:type", String)
], Subscriber.prototype, "status", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'consent_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Subscriber.prototype, "consentAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'consent_ip', type: 'varchar', length: 64, nullable: true }),
    __metadata("design:type", Object)
], Subscriber.prototype, "consentIp", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'consent_user_agent', type: 'varchar', length: 512, nullable: true }),
    __metadata("design:type", Object)
], Subscriber.prototype, "consentUserAgent", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'consent_source', type: 'varchar', length: 100, nullable: true }),
    __metadata("design:type", Object)
], Subscriber.prototype, "consentSource", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'confirmed_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Subscriber.prototype, "confirmedAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'unsubscribed_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Subscriber.prototype, "unsubscribedAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'confirmation_sent_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Subscriber.prototype, "confirmationSentAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'soft_bounce_count', type: 'int', default: 0 }),
    __metadata("design:type", Number)
], Subscriber.prototype, "softBounceCount", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'erased_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Subscriber.prototype, "erasedAt", void 0);
__decorate([
    (0, typeorm_1.CreateDateColumn)({ name: 'created_at', type: 'timestamptz' }),
    __metadata("design:type", Date)
], Subscriber.prototype, "createdAt", void 0);
__decorate([
    (0, typeorm_1.UpdateDateColumn)({ name: 'updated_at', type: 'timestamptz' }),
    __metadata("design:type", Date)
], Subscriber.prototype, "updatedAt", void 0);
exports.Subscriber = Subscriber = __decorate([
    (0, typeorm_1.Entity)('subscriber')
], Subscriber);
//# sourceMappingURL=subscriber.entity.js.map