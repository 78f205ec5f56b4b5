"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.QueueModule = void 0;
const config_1 = require("../../config/src/index.js");
const bullmq_1 = require("@nestjs/bullmq");
const common_1 = require("@nestjs/common");
const job_queue_1 = require("./job.queue");
const queue_constants_1 = require("./queue.constants");
const redis_options_1 = require("./redis-options");
let QueueModule = class QueueModule {
};
exports.QueueModule = QueueModule;
exports.QueueModule = QueueModule = __decorate([
    (0, common_1.Global)(),
    (0, common_1.Module)({
        imports: [
            bullmq_1.BullModule.forRootAsync({
                inject: [config_1.AppConfig],
                useFactory: (config) => ({
                    connection: (0, redis_options_1.redisOptions)(config.env.REDIS_URL),
                    prefix: config.env.REDIS_PREFIX,
                    defaultJobOptions: {
                        attempts: 5,
                        backoff: { type: 'exponential', delay: 2000 },
                        // Keep Redis small: finished jobs are history in PostgreSQL, not in Redis.
                        removeOnComplete: { count: 1000 },
                        removeOnFail: { count: 5000 },
                    },
                }),
            }),
            bullmq_1.BullModule.registerQueue({ name: queue_constants_1.QueueName.Mail }, { name: queue_constants_1.QueueName.Campaign }, { name: queue_constants_1.QueueName.Delivery }),
        ],
        providers: [job_queue_1.JobQueue],
        exports: [job_queue_1.JobQueue, bullmq_1.BullModule],
    })
], QueueModule);
//# sourceMappingURL=queue.module.js.map