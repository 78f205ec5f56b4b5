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
exports.Suppression = void 0;
const typeorm_1 = require("typeorm");
/**
 * Addresses erased on request, kept only as a keyed hash so that an import cannot silently re-add a
 * person who asked to be forgotten. No address is recoverable from it.
 */
let Suppression = class Suppression {
    emailHash;
    reason;
    createdAt;
};
exports.Suppression = Suppression;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ name: 'email_hash', type: 'varchar', length: 64 }),
    __metadata("design:type", String)
], Suppression.prototype, "emailHash", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'varchar', length: 32 }),
    __metadata("design:type", String)
], Suppression.prototype, "reason", void 0);
__decorate([
    (0, typeorm_1.CreateDateColumn)({ name: 'created_at', type: 'timestamptz' }),
    __metadata("design:type", Date)
], Suppression.prototype, "createdAt", void 0);
exports.Suppression = Suppression = __decorate([
    (0, typeorm_1.Entity)('suppression')
], Suppression);
//# sourceMappingURL=suppression.entity.js.map