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
exports.JobQueue = void 0;
const bullmq_1 = require("@nestjs/bullmq");
const common_1 = require("@nestjs/common");
const queue_constants_1 = require("./queue.constants");
/** Typed producer: the only way the rest of the code puts jobs on queues. */
let JobQueue = class JobQueue {
    queues;
    constructor(mail, campaign, delivery) {
        this.queues = { [queue_constants_1.QueueName.Mail]: mail, [queue_constants_1.QueueName.Campaign]: campaign, [queue_constants_1.QueueName.Delivery]: delivery };
    }
    queue(name) {
        return this.queues[name];
    }
    all() {
        return Object.values(this.queues);
    }
    async add(name, payload, opts) {
        await this.queues[queue_constants_1.JOB_QUEUE[name]].add(name, payload, opts);
    }
    async addBulk(name, items) {
        if (items.length === 0)
            return;
        await this.queues[queue_constants_1.JOB_QUEUE[name]].addBulk(items.map((i) => ({ name, data: i.payload, opts: i.opts })));
    }
};
exports.JobQueue = JobQueue;
exports.JobQueue = JobQueue = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, bullmq_1.InjectQueue)(queue_constants_1.QueueName.Mail)),
    __param(1, (0, bullmq_1.InjectQueue)(queue_constants_1.QueueName.Campaign)),
    __param(2, (0, bullmq_1.InjectQueue)(queue_constants_1.QueueName.Delivery)),
    __metadata("design:paramtypes", [Function, Function, Function])
], JobQueue);
//# sourceMappingURL=job.queue.js.map