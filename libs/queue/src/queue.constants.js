"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JOB_QUEUE = exports.JobName = exports.QueueName = void 0;
var QueueName;
(function (QueueName) {
    /** Transactional mail: double opt-in confirmations, test sends. */
    QueueName["Mail"] = "mail";
    /** Campaign orchestration: scheduled starts, fan-out, completion checks, recovery. */
    QueueName["Campaign"] = "campaign";
    /** Campaign message batches. */
    QueueName["Delivery"] = "delivery";
})(QueueName || (exports.QueueName = QueueName = {}));
var JobName;
(function (JobName) {
    JobName["SendConfirmation"] = "send-confirmation";
    JobName["SendTest"] = "send-test";
    JobName["StartCampaign"] = "start-campaign";
    JobName["FanOutCampaign"] = "fan-out-campaign";
    JobName["CheckCampaign"] = "check-campaign";
    JobName["DeliverBatch"] = "deliver-batch";
})(JobName || (exports.JobName = JobName = {}));
exports.JOB_QUEUE = {
    [JobName.SendConfirmation]: QueueName.Mail,
    [JobName.SendTest]: QueueName.Mail,
    [JobName.StartCampaign]: QueueName.Campaign,
    [JobName.FanOutCampaign]: QueueName.Campaign,
    [JobName.CheckCampaign]: QueueName.Campaign,
    [JobName.DeliverBatch]: QueueName.Delivery,
};
//# sourceMappingURL=queue.constants.js.map