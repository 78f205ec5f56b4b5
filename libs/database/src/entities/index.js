"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.ENTITIES = void 0;
const api_token_entity_1 = require("./api-token.entity");
const campaign_entity_1 = require("./campaign.entity");
const delivery_entity_1 = require("./delivery.entity");
const edition_entity_1 = require("./edition.entity");
const publication_entity_1 = require("./publication.entity");
const session_entity_1 = require("./session.entity");
const subscriber_event_entity_1 = require("./subscriber-event.entity");
const subscriber_entity_1 = require("./subscriber.entity");
const suppression_entity_1 = require("./suppression.entity");
const user_entity_1 = require("./user.entity");
__exportStar(require("./api-token.entity"), exports);
__exportStar(require("./campaign.entity"), exports);
__exportStar(require("./delivery.entity"), exports);
__exportStar(require("./edition.entity"), exports);
__exportStar(require("./publication.entity"), exports);
__exportStar(require("./session.entity"), exports);
__exportStar(require("./subscriber-event.entity"), exports);
__exportStar(require("./subscriber.entity"), exports);
__exportStar(require("./suppression.entity"), exports);
__exportStar(require("./user.entity"), exports);
exports.ENTITIES = [
    api_token_entity_1.ApiToken,
    campaign_entity_1.Campaign,
    delivery_entity_1.Delivery,
    edition_entity_1.Edition,
    publication_entity_1.Publication,
    session_entity_1.Session,
    subscriber_event_entity_1.SubscriberEvent,
    subscriber_entity_1.Subscriber,
    suppression_entity_1.Suppression,
    user_entity_1.User,
];
//# sourceMappingURL=index.js.map