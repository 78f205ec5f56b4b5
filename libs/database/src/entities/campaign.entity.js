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
exports.Campaign = exports.CampaignStatus = void 0;
const typeorm_1 = require("typeorm");
var CampaignStatus;
(function (CampaignStatus) {
    CampaignStatus["Scheduled"] = "scheduled";
    CampaignStatus["Running"] = "running";
    CampaignStatus["Paused"] = "paused";
    CampaignStatus["Cancelled"] = "cancelled";
    CampaignStatus["Completed"] = "completed";
})(CampaignStatus || (exports.CampaignStatus = CampaignStatus = {}));
let Campaign = class Campaign {
    id;
    /** One full send per edition (unique). */
    editionId;
    status;
    scheduledAt;
    startedAt;
    finishedAt;
    /** Set once fan-out has written every delivery row; until then `total` is still growing. */
    fannedOutAt;
    total;
    pauseReason;
    consecutiveFailures;
    createdAt;
    updatedAt;
};
exports.Campaign = Campaign;
__decorate([
    (0, typeorm_1.PrimaryGeneratedColumn)('identity', { type: 'int' }),
    __metadata("design:type", Number)
], Campaign.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'edition_id', type: 'int', unique: true }),
    __metadata("design:type", Number)
], Campaign.prototype, "editionId", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 16 }),
    __metadata("design:type", String)
], Campaign.prototype, "status", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'scheduled_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Campaign.prototype, "scheduledAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'started_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Campaign.prototype, "startedAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'finished_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Campaign.prototype, "finishedAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'fanned_out_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Campaign.prototype, "fannedOutAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'int', default: 0 }),
    __metadata("design:type", Number)
], Campaign.prototype, "total", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'pause_reason', type: 'varchar', length: 500, nullable: true }),
    __metadata("design:type", Object)
], Campaign.prototype, "pauseReason", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'consecutive_failures', type: 'int', default: 0 }),
    __metadata("design:type", Number)
], Campaign.prototype, "consecutiveFailures", void 0);
__decorate([
    (0, typeorm_1.CreateDateColumn)({ name: 'created_at', type: 'timestamptz' }),
    __metadata("design:type", Date)
], Campaign.prototype, "createdAt", void 0);
__decorate([
    (0, typeorm_1.UpdateDateColumn)({ name: 'updated_at', type: 'timestamptz' }),
    __metadata("design:type", Date)
], Campaign.prototype, "updatedAt", void 0);
exports.Campaign = Campaign = __decorate([
    (0, typeorm_1.Entity)('campaign')
], Campaign);
//# sourceMappingURL=campaign.entity.js.map