/**
 * Served as /admin/assets/campaign-live.js: keeps the campaign page (#campaign-live) current without a reload.
 * It polls the admin API (GET /api/admin/campaigns/:id, with the session cookie) about once a second, writes
 * the ledger's counts into the page, measures the rate over its last few seconds of samples, and stops once
 * the campaign is completed or cancelled. The formats and rules mirror campaign-progress.ts, which renders the
 * same elements on the server, so the page reads the same with or without this script.
 */
export const CAMPAIGN_LIVE_JS = `'use strict';
(function () {
  var root = document.getElementById('campaign-live');
  if (!root || typeof window.fetch !== 'function') return;
  var url = root.getAttribute('data-poll-url');
  if (!url) return;
  var TERMINAL = ['completed', 'cancelled'];
  var WINDOW_MS = 5000;
  var MIN_SPAN_MS = 2000;
  var samples = [];
  var lastStatus = root.getAttribute('data-status');

  function byId(id) { return document.getElementById(id); }
  function setText(id, value) {
    var el = byId(id);
    if (el && el.textContent !== value) el.textContent = value;
  }
  function formatTime(iso) {
    if (!iso) return '\\u2014';
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '\\u2014';
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
  function formatRate(rate) {
    if (rate === null || !isFinite(rate)) return '\\u2014';
    return (rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1)) + ' msg/s';
  }
  function formatDuration(seconds) {
    var s = Math.max(0, Math.round(seconds));
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }
  function etaText(pending, rate) {
    if (pending === 0) return 'finishing';
    if (rate === null || !(rate > 0)) return '\\u2014';
    var seconds = pending / rate;
    var at = new Date(Date.now() + seconds * 1000).toISOString().slice(11, 16);
    return formatDuration(seconds) + ' (about ' + at + ' UTC)';
  }
  function average(c, done) {
    var start = Date.parse(c.startedAt || '');
    var end = c.finishedAt ? Date.parse(c.finishedAt) : NaN;
    var seconds = (end - start) / 1000;
    return isFinite(seconds) && seconds > 0 ? done / seconds : null;
  }

  /** Rate, its basis and the ETA, by the same rules as the server; while running, measured from samples. */
  function rateOf(c, done) {
    if (c.status !== 'running') samples = [];
    switch (c.status) {
      case 'running': {
        var now = Date.now();
        samples.push({ t: now, done: done });
        while (samples.length > 2 && now - samples[1].t >= WINDOW_MS) samples.shift();
        var first = samples[0];
        var span = now - first.t;
        if (span < MIN_SPAN_MS) return null; // keep what is shown until there is something to measure
        var rate = Math.max(0, (done - first.done) / (span / 1000));
        return { rate: rate, basis: 'last ' + Math.round(span / 1000) + ' s', eta: etaText(c.pending, rate) };
      }
      case 'completed':
        return { rate: average(c, done), basis: 'average over the send', eta: 'done' };
      case 'cancelled':
        return { rate: average(c, done), basis: 'average until cancelled', eta: '\\u2014' };
      case 'paused':
        return { rate: null, basis: 'paused', eta: 'paused' };
      default:
        return { rate: null, basis: 'not started', eta: '\\u2014' };
    }
  }

  var STATUS_CLASS = { completed: 'status-ok', cancelled: 'status-bad', paused: 'status-warn' };

  function render(c) {
    var done = c.total - c.pending;
    setText('campaign-status', c.status);
    var badge = byId('campaign-status');
    if (badge) badge.className = 'badge ' + (STATUS_CLASS[c.status] || '');
    setText('pause-reason', c.status === 'paused' && c.pauseReason ? '\\u2014 ' + c.pauseReason : '');
    ['sent', 'failed', 'bounced', 'skipped', 'pending', 'total'].forEach(function (k) {
      setText('count-' + k, String(c[k]));
    });
    var bar = byId('campaign-progress');
    var pct = c.total > 0 ? Math.floor((done / c.total) * 1000) / 10 : null;
    if (bar) {
      if (c.total > 0) {
        bar.max = c.total;
        bar.value = done;
      } else {
        bar.removeAttribute('value');
      }
      bar.textContent = pct === null ? '' : pct + '%';
    }
    setText('progress-text', pct === null ? 'no recipients yet' : done + ' of ' + c.total + ' (' + pct + '%)');
    var fanout = byId('fanout-note');
    if (fanout) fanout.hidden = !(c.status === 'running' && !c.fannedOutAt);
    setText('started-at', formatTime(c.startedAt));
    setText('finished-at', formatTime(c.finishedAt));
    var r = rateOf(c, done);
    if (r) {
      setText('rate', formatRate(r.rate));
      setText('rate-basis', '(' + r.basis + ')');
      setText('eta', r.eta);
    } else if (lastStatus !== 'running') {
      setText('rate', '\\u2014');
      setText('rate-basis', '(measuring)');
      setText('eta', '\\u2014');
    }
    var forms = document.querySelectorAll('[data-show-when]');
    for (var i = 0; i < forms.length; i++) {
      var f = forms[i];
      var when = (f.getAttribute('data-show-when') || '').split(' ');
      var ok = when.indexOf(c.status) !== -1 && (!f.hasAttribute('data-needs-fanout') || !!c.fannedOutAt);
      f.hidden = !ok;
    }
    lastStatus = c.status;
  }

  function problem(message) {
    setText('live-error', message);
    var el = byId('live-error');
    if (el) el.hidden = !message;
  }

  function schedule(ms) {
    window.setTimeout(poll, document.hidden ? Math.max(ms, 5000) : ms);
  }

  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) {
        if (res.status === 401 || res.status === 403) {
          problem('Live updates stopped: your session ended. Reload the page after signing in again.');
          return null;
        }
        if (res.status === 404) {
          problem('Live updates stopped: this campaign no longer exists.');
          return null;
        }
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json().then(function (c) {
          problem('');
          render(c);
          if (TERMINAL.indexOf(c.status) === -1) schedule(1000);
        });
      })
      .catch(function () {
        problem('Live updates interrupted; retrying\\u2026');
        schedule(5000);
      });
  }

  if (TERMINAL.indexOf(lastStatus) === -1) schedule(1000);
})();
`;
