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
exports.SubscriberEvent = void 0;
const typeorm_1 = require("typeorm");
/** Append-only history of a subscriber's states and the consent evidence behind each change. */
let SubscriberEvent = class SubscriberEvent {
    id;
    subscriberId;
    /** subscribed, confirmation_sent, confirmed, unsubscribed, resubscribed, bounced, complained, status_changed, imported, erased, name_changed */
    type;
    fromStatus;
    toStatus;
    ip;
    userAgent;
    source;
    detail;
    createdAt;
};
exports.SubscriberEvent = SubscriberEvent;
__decorate([
    (0, typeorm_1.PrimaryGeneratedColumn)('identity', { type: 'bigint' }),
    __metadata("design:type", Number)
], SubscriberEvent.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'subscriber_id', type: 'int' }),
    __metadata("design:type", Number)
], SubscriberEvent.prototype, "subscriberId", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 32 }),
    __metadata("design:type", String)
], SubscriberEvent.prototype, "type", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'from_status', type: 'varchar', length: 16, nullable: true }),
    __metadata("design:type", Object)
], SubscriberEvent.prototype, "fromStatus", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'to_status', type: 'varchar', length: 16, nullable: true }),
    __metadata("design:type", Object)
], SubscriberEvent.prototype, "toStatus", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 64, nullable: true }),
    __metadata("design:type", Object)
], SubscriberEvent.prototype, "ip", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'user_agent', type: 'varchar', length: 512, nullable: true }),
    __metadata("design:type", Object)
], SubscriberEvent.prototype, "userAgent", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 100, nullable: true }),
    __metadata("design:type", Object)
], SubscriberEvent.prototype, "source", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 500, nullable: true }),
    __metadata("design:type", Object)
], SubscriberEvent.prototype, "detail", void 0);
__decorate([
    (0, typeorm_1.CreateDateColumn)({ name: 'created_at', type: 'timestamptz' }),
    __metadata("design:type", Date)
], SubscriberEvent.prototype, "createdAt", void 0);
exports.SubscriberEvent = SubscriberEvent = __decorate([
    (0, typeorm_1.Entity)('subscriber_event'),
    (0, typeorm_1.Index)(['subscriberId', 'id'])
], SubscriberEvent);
//# sourceMappingURL=subscriber-event.entity.js.map