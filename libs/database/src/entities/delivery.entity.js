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
exports.Delivery = exports.DeliveryStatus = void 0;
const typeorm_1 = require("typeorm");
var DeliveryStatus;
(function (DeliveryStatus) {
    DeliveryStatus["Queued"] = "queued";
    DeliveryStatus["Sending"] = "sending";
    DeliveryStatus["Sent"] = "sent";
    DeliveryStatus["Failed"] = "failed";
    DeliveryStatus["Bounced"] = "bounced";
    DeliveryStatus["Skipped"] = "skipped";
})(DeliveryStatus || (exports.DeliveryStatus = DeliveryStatus = {}));
/** One row per (campaign, subscriber): the ledger that makes a send resumable and countable. */
let Delivery = class Delivery {
    id;
    campaignId;
    subscriberId;
    status;
    attempts;
    lastResponse;
    /** Message-ID we generated; set before sending so a crashed send can be looked up at the SMTP side. */
    messageId;
    claimedAt;
    sentAt;
    updatedAt;
};
exports.Delivery = Delivery;
__decorate([
    (0, typeorm_1.PrimaryGeneratedColumn)('identity', { type: 'bigint' }),
    __metadata("design:type", Number)
], Delivery.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'campaign_id', type: 'int' }),
    __metadata("design:type", Number)
], Delivery.prototype, "campaignId", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'subscriber_id', type: 'int' }),
    __metadata("design:type", Number)
], Delivery.prototype, "subscriberId", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 16, default: DeliveryStatus.Queued }),
    __metadata("design:type", String)
], Delivery.prototype, "status", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'int', default: 0 }),
    __metadata("design:type", Number)
], Delivery.prototype, "attempts", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'last_response', type: 'varchar', length: 1000, nullable: true }),
    __metadata("design:type", Object)
], Delivery.prototype, "lastResponse", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'message_id', type: 'varchar', length: 255, nullable: true }),
    __metadata("design:type", Object)
], Delivery.prototype, "messageId", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'claimed_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Delivery.prototype, "claimedAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'sent_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Delivery.prototype, "sentAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }),
    __metadata("design:type", Date)
], Delivery.prototype, "updatedAt", void 0);
exports.Delivery = Delivery = __decorate([
    (0, typeorm_1.Entity)('delivery'),
    (0, typeorm_1.Index)(['campaignId', 'subscriberId'], { unique: true }),
    (0, typeorm_1.Index)(['campaignId', 'status'])
], Delivery);
//# sourceMappingURL=delivery.entity.js.map