/**
 * A campaign's progress as the console shows it: done and total, percent, rate, its basis and the time left.
 * One plain script for both sides (UMD): the server requires it to render the campaign pages
 * (apps/api/src/console/campaigns), the browser loads it before campaign-live.js as window.CampaignProgress.
 * So the first paint and the live updates compute their figures with the same code. Types for the server are
 * in campaign-progress.d.ts beside this file.
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.CampaignProgress = factory();
})(typeof globalThis !== 'undefined' ? globalThis : self, function () {
  'use strict';

  var DASH = '\u2014';
  /** States a campaign never leaves. */
  var TERMINAL_STATUSES = ['completed', 'cancelled'];
  /** A badge's colour by status: the badge's text says the status too, colour is only a hint. */
  var STATUS_CLASS = { completed: 'status-ok', cancelled: 'status-bad', paused: 'status-warn' };

  /** Gmail's and Yahoo's bulk-sender limit on spam complaints (COMPLAINT_RATE_LIMIT in libs/core). */
  var COMPLAINT_RATE_LIMIT = 0.003;

  /** A fraction as a percentage with two decimals ("0.35 %"), a dash for null (nothing to count yet). */
  function formatShare(fraction) {
    if (fraction === null || fraction === undefined || !isFinite(fraction)) return DASH;
    return (fraction * 100).toFixed(2) + ' %';
  }

  /**
   * The feedback figures of a campaign as the page shows them: the rates in words, and whether the complaint
   * rate is at or above the limit (the server's complaintRateOverLimit, recomputed the same way).
   */
  function feedbackOf(c) {
    var over =
      c.complaintRate !== null && c.complaintRate !== undefined && c.complaintRate >= COMPLAINT_RATE_LIMIT;
    return {
      bounceRateText: formatShare(c.bounceRate),
      complaintRateText: formatShare(c.complaintRate),
      complaintOverLimit: over,
      complaintNote: over ? 'at or above the 0.3 % limit' : '',
    };
  }

  /** Human date-time in UTC (the console shows UTC everywhere so editors and operators agree). */
  function formatTime(d) {
    if (!d) return DASH;
    var date = typeof d === 'string' ? new Date(d) : d;
    if (isNaN(date.getTime())) return DASH;
    return date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }

  function formatRate(rate) {
    if (rate === null || rate === undefined || !isFinite(rate)) return DASH;
    return (rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1)) + ' msg/s';
  }

  function formatDuration(seconds) {
    var s = Math.max(0, Math.round(seconds));
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }

  /** Said while a running campaign has no recipient list to time yet (its fan-out has not written one). */
  var NO_RECIPIENTS_YET = 'not known yet (recipient list being written)';

  function etaText(pending, rate, now) {
    if (pending === 0) return 'finishing';
    if (rate === null || rate === undefined || !(rate > 0)) return DASH;
    var seconds = pending / rate;
    var at = new Date((now === undefined ? Date.now() : now) + seconds * 1000).toISOString().slice(11, 16);
    return formatDuration(seconds) + ' (about ' + at + ' UTC)';
  }

  /**
   * The figures of a campaign (status, total, pending, startedAt, finishedAt). The rate is the average since
   * the start; while the campaign runs, a caller that measured a rate over its own samples (the live page)
   * passes it as `measured` ({ rate, basis }) and the time left follows from it.
   */
  function progressOf(c, now, measured) {
    var at = now === undefined ? Date.now() : now;
    var done = c.total - c.pending;
    var percent = c.total > 0 ? Math.floor((done / c.total) * 1000) / 10 : null;
    var started = c.startedAt ? Date.parse(c.startedAt) : NaN;
    var end = c.finishedAt ? Date.parse(c.finishedAt) : at;
    var seconds = (end - started) / 1000;
    var average = isFinite(seconds) && seconds > 0 ? done / seconds : null;
    var base = { done: done, total: c.total, percent: percent };
    function figures(rate, rateBasis, eta) {
      return {
        done: base.done,
        total: base.total,
        percent: base.percent,
        rate: rate,
        rateBasis: rateBasis,
        etaText: eta,
      };
    }
    switch (c.status) {
      case 'running': {
        var rate = measured ? measured.rate : average;
        // Nothing pending means "finishing" only once there are recipients and their list is complete
        // (fannedOutAt: undefined when the caller does not know, null while the list is still being written).
        var listing = c.total === 0 || (c.pending === 0 && c.fannedOutAt === null);
        var eta = listing ? NO_RECIPIENTS_YET : etaText(c.pending, rate, at);
        return figures(rate, measured ? measured.basis : 'average since start', eta);
      }
      case 'completed':
        return figures(average, 'average over the send', 'done');
      case 'cancelled':
        return figures(average, 'average until cancelled', DASH);
      case 'paused':
        return figures(null, 'paused', 'paused');
      default:
        return figures(null, 'not started', DASH);
    }
  }

  /** "40 of 120 (33.3%)", or "no recipients yet". */
  function progressText(p) {
    return p.percent === null ? 'no recipients yet' : p.done + ' of ' + p.total + ' (' + p.percent + '%)';
  }

  function statusClass(status) {
    return Object.prototype.hasOwnProperty.call(STATUS_CLASS, status) ? STATUS_CLASS[status] : '';
  }

  return {
    TERMINAL_STATUSES: TERMINAL_STATUSES,
    COMPLAINT_RATE_LIMIT: COMPLAINT_RATE_LIMIT,
    formatShare: formatShare,
    feedbackOf: feedbackOf,
    formatTime: formatTime,
    formatRate: formatRate,
    formatDuration: formatDuration,
    etaText: etaText,
    progressOf: progressOf,
    progressText: progressText,
    statusClass: statusClass,
  };
});
