/**
 * Keeps the campaign page (#campaign-live) current without a reload. It polls the admin API
 * (GET /api/admin/campaigns/:id, with the session cookie) about once a second, writes the ledger's counts into
 * the page, measures the rate over its last few seconds of samples, and stops once the campaign is completed
 * or cancelled. The figures come from campaign-progress.js (loaded first, as window.CampaignProgress), the
 * module the server renders the same elements with, so the page reads the same with or without this script.
 */
(function () {
  'use strict';
  var CP = window.CampaignProgress;
  var root = document.getElementById('campaign-live');
  if (!CP || !root || typeof window.fetch !== 'function') return;
  var url = root.getAttribute('data-poll-url');
  if (!url) return;
  var WINDOW_MS = 5000;
  var MIN_SPAN_MS = 2000;
  var samples = [];
  var lastStatus = root.getAttribute('data-status');

  function byId(id) {
    return document.getElementById(id);
  }
  function setText(id, value) {
    var el = byId(id);
    if (el && el.textContent !== value) el.textContent = value;
  }

  /** The rate over the last few seconds of samples while running; null until there is enough to measure. */
  function measure(c, done, now) {
    if (c.status !== 'running') {
      samples = [];
      return null;
    }
    samples.push({ t: now, done: done });
    while (samples.length > 2 && now - samples[1].t >= WINDOW_MS) samples.shift();
    var first = samples[0];
    var span = now - first.t;
    if (span < MIN_SPAN_MS) return null;
    return {
      rate: Math.max(0, (done - first.done) / (span / 1000)),
      basis: 'last ' + Math.round(span / 1000) + ' s',
    };
  }

  function render(c) {
    var now = Date.now();
    var measured = measure(c, c.total - c.pending, now);
    var p = CP.progressOf(c, now, measured || undefined);
    setText('campaign-status', c.status);
    var badge = byId('campaign-status');
    if (badge) badge.className = 'badge ' + CP.statusClass(c.status);
    setText('pause-reason', c.status === 'paused' && c.pauseReason ? '\u2014 ' + c.pauseReason : '');
    ['sent', 'failed', 'bounced', 'complained', 'lateBounces', 'skipped', 'pending', 'total'].forEach(
      function (k) {
        if (c[k] !== undefined) setText('count-' + k, String(c[k]));
      },
    );
    var fb = CP.feedbackOf(c);
    setText('bounce-rate', fb.bounceRateText);
    setText('complaint-rate', fb.complaintRateText);
    setText('complaint-note', fb.complaintNote);
    var rateBox = byId('complaint-rate-box');
    if (rateBox) rateBox.className = fb.complaintOverLimit ? 'over-limit' : '';
    var bar = byId('campaign-progress');
    if (bar) {
      if (p.total > 0) {
        bar.max = p.total;
        bar.value = p.done;
      } else {
        bar.removeAttribute('value');
      }
      bar.textContent = p.percent === null ? '' : p.percent + '%';
    }
    setText('progress-text', CP.progressText(p));
    var fanout = byId('fanout-note');
    if (fanout) fanout.hidden = !(c.status === 'running' && !c.fannedOutAt);
    setText('started-at', CP.formatTime(c.startedAt));
    setText('finished-at', CP.formatTime(c.finishedAt));
    if (c.status !== 'running' || measured) {
      setText('rate', CP.formatRate(p.rate));
      setText('rate-basis', '(' + p.rateBasis + ')');
      setText('eta', p.etaText);
    } else if (lastStatus !== 'running') {
      // just started running: nothing measured yet (until then, what is shown stays)
      setText('rate', '\u2014');
      setText('rate-basis', '(measuring)');
      setText('eta', '\u2014');
    }
    var forms = document.querySelectorAll('[data-show-when]');
    for (var i = 0; i < forms.length; i++) {
      var f = forms[i];
      var when = (f.getAttribute('data-show-when') || '').split(' ');
      f.hidden = !(
        when.indexOf(c.status) !== -1 &&
        (!f.hasAttribute('data-needs-fanout') || !!c.fannedOutAt)
      );
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
          if (CP.TERMINAL_STATUSES.indexOf(c.status) === -1) schedule(1000);
        });
      })
      .catch(function () {
        problem('Live updates interrupted; retrying\u2026');
        schedule(5000);
      });
  }

  if (CP.TERMINAL_STATUSES.indexOf(lastStatus) === -1) schedule(1000);
})();
