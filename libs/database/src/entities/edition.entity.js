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
exports.Edition = exports.EditionStatus = void 0;
const typeorm_1 = require("typeorm");
var EditionStatus;
(function (EditionStatus) {
    EditionStatus["Draft"] = "draft";
    EditionStatus["Scheduled"] = "scheduled";
    EditionStatus["Sending"] = "sending";
    EditionStatus["Sent"] = "sent";
})(EditionStatus || (exports.EditionStatus = EditionStatus = {}));
let Edition = class Edition {
    id;
    publicationId;
    /** Issue month, "YYYY-MM". */
    slug;
    subject;
    content;
    status;
    sentAt;
    createdAt;
    updatedAt;
};
exports.Edition = Edition;
__decorate([
    (0, typeorm_1.PrimaryGeneratedColumn)('identity', { type: 'int' }),
    __metadata("design:type", Number)
], Edition.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'publication_id', type: 'int' }),
    __metadata("design:type", Number)
], Edition.prototype, "publicationId", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 7 }),
    __metadata("design:type", String)
], Edition.prototype, "slug", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 300 }),
    __metadata("design:type", String)
], Edition.prototype, "subject", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'jsonb' }),
    __metadata("design:type", Object)
], Edition.prototype, "content", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 16, default: EditionStatus.Draft }),
    __metadata("design:type", String)
], Edition.prototype, "status", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'sent_at', type: 'timestamptz', nullable: true }),
    __metadata("design:type", Object)
], Edition.prototype, "sentAt", void 0);
__decorate([
    (0, typeorm_1.CreateDateColumn)({ name: 'created_at', type: 'timestamptz' }),
    __metadata("design:type", Date)
], Edition.prototype, "createdAt", void 0);
__decorate([
    (0, typeorm_1.UpdateDateColumn)({ name: 'updated_at', type: 'timestamptz' }),
    __metadata("design:type", Date)
], Edition.prototype, "updatedAt", void 0);
exports.Edition = Edition = __decorate([
    (0, typeorm_1.Entity)('edition'),
    (0, typeorm_1.Index)(['publicationId', 'slug'], { unique: true })
], Edition);
//# sourceMappingURL=edition.entity.js.map