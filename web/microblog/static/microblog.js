// Microblog page behaviour: user popovers, times in the reader's time zone,
// post translation and the notification poll (unread badge, export
// progress). No inline scripts or styles, so the Content-Security-Policy can
// forbid them.
(function () {
  'use strict';
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const lang = document.documentElement.lang === 'es' ? 'es' : 'en';

  // Times, as the original's moment.js showed them: the server writes the UTC
  // instant in <time datetime> (and a UTC rendering as the text, for readers
  // without scripts); here they are shown in the browser's own time zone.
  // data-moment names the format: fromNow, LLL or lll.
  const MONTHS = {
    en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
      'October', 'November', 'December'],
    es: ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre',
      'octubre', 'noviembre', 'diciembre']
  };
  const SHORT_ES = ['ene.', 'feb.', 'mar.', 'abr.', 'may.', 'jun.', 'jul.', 'ago.', 'sept.', 'oct.',
    'nov.', 'dic.'];

  function formatLLL(d, short) {
    const minutes = String(d.getMinutes()).padStart(2, '0');
    if (lang === 'es') {
      return short
        ? d.getDate() + ' ' + SHORT_ES[d.getMonth()] + ' ' + d.getFullYear() + ' ' + d.getHours() + ':' + minutes
        : d.getDate() + ' de ' + MONTHS.es[d.getMonth()] + ' de ' + d.getFullYear() + ' ' + d.getHours() + ':' + minutes;
    }
    const month = short ? MONTHS.en[d.getMonth()].slice(0, 3) : MONTHS.en[d.getMonth()];
    const h12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
    return month + ' ' + d.getDate() + ', ' + d.getFullYear() + ' ' + h12 + ':' + minutes + ' ' +
      (d.getHours() < 12 ? 'AM' : 'PM');
  }

  // moment's fromNow thresholds (the same as the server's rendering).
  function fromNow(d) {
    const s = Math.max(0, (Date.now() - d.getTime()) / 1000);
    const es = lang === 'es';
    const many = function (v, en, esUnit) { return es ? 'hace ' + v + ' ' + esUnit : v + ' ' + en + ' ago'; };
    if (s < 45) return es ? 'hace unos segundos' : 'a few seconds ago';
    if (s < 90) return es ? 'hace un minuto' : 'a minute ago';
    const m = s / 60;
    if (m < 45) return many(Math.round(m), 'minutes', 'minutos');
    if (m < 90) return es ? 'hace una hora' : 'an hour ago';
    const h = m / 60;
    if (h < 22) return many(Math.round(h), 'hours', 'horas');
    if (h < 36) return es ? 'hace un día' : 'a day ago';
    const days = h / 24;
    if (days < 26) return many(Math.round(days), 'days', 'días');
    if (days < 45) return es ? 'hace un mes' : 'a month ago';
    if (days < 320) return many(Math.round(days / 30.4375), 'months', 'meses');
    if (days < 548) return es ? 'hace un año' : 'a year ago';
    return many(Math.round(days / 365.25), 'years', 'años');
  }

  function renderTimes(root) {
    root.querySelectorAll('time[data-moment]').forEach(function (el) {
      const d = new Date(el.getAttribute('datetime'));
      if (isNaN(d.getTime())) return;
      const format = el.dataset.moment;
      if (format === 'fromNow') {
        el.textContent = fromNow(d);
        el.title = formatLLL(d, true);
      } else {
        el.textContent = formatLLL(d, format === 'lll');
      }
    });
  }

  // The popup fragment is our own server's escaped HTML; Bootstrap's
  // sanitizer stays on, allowing just what the fragment uses on top of its
  // defaults (the time, and the follow/unfollow form).
  function popupAllowList() {
    const list = Object.assign({}, bootstrap.Popover.Default.allowList);
    list.time = ['datetime', 'data-moment'];
    list.form = ['action', 'method'];
    list.input = ['type', 'name', 'value'];
    return list;
  }

  function initPopovers() {
    if (!window.bootstrap) return;
    const allowList = popupAllowList();
    document.querySelectorAll('.user_popup').forEach(function (el) {
      // Inside the link, as the original: moving the pointer onto the popup
      // keeps it open, so its Follow button can be clicked.
      const popover = new bootstrap.Popover(el, {
        trigger: 'hover focus', placement: 'right', delay: { show: 500, hide: 200 },
        html: true, sanitize: true, allowList: allowList, content: 'Loading...',
        container: el
      });
      let loaded = false;
      el.addEventListener('show.bs.popover', function () {
        if (loaded) return;
        loaded = true;
        fetch(el.getAttribute('href') + '/popup', { credentials: 'same-origin' })
          .then(function (r) {
            if (!r.ok) throw new Error('popup ' + r.status);
            return r.text();
          })
          .then(function (html) {
            popover.setContent({ '.popover-body': html });
            renderTimes(el);
          })
          .catch(function () { loaded = false; });
      });
      el.addEventListener('inserted.bs.popover', function () { renderTimes(el); });
    });
  }

  function initTranslate() {
    document.querySelectorAll('.translate-link').forEach(function (a) {
      a.addEventListener('click', function (ev) {
        ev.preventDefault();
        const id = a.dataset.post;
        const span = document.getElementById('translation' + id);
        const post = document.getElementById('post' + id);
        span.innerHTML = '<img src="/static/loading.gif" alt="">';
        fetch('/translate', {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-CSRF-Token': csrf },
          body: JSON.stringify({ text: post.textContent, source_language: a.dataset.source,
                                 dest_language: a.dataset.dest })
        }).then(function (r) { return r.json(); })
          .then(function (data) { span.textContent = data.text || data.error; })
          .catch(function () { span.textContent = 'Error: Could not contact server.'; });
      });
    });
  }

  // An export's alert: the percentage while it runs, "done" once complete.
  function setTaskProgress(taskId, progress) {
    const el = document.getElementById(taskId + '-progress');
    if (!el) return;
    el.textContent = progress;
    const alert = el.closest('.task');
    if (alert && progress >= 100) {
      alert.querySelector('.task-progress').classList.add('d-none');
      alert.querySelector('.task-done').classList.remove('d-none');
    }
  }

  function initPolling() {
    const me = document.querySelector('script[data-logged-in]');
    if (!me) return;
    let since = 0;
    setInterval(function () {
      fetch('/notifications?since=' + since, { credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (list) {
          list.forEach(function (n) {
            if (n.name === 'unread_message_count') {
              const badge = document.getElementById('message_count');
              badge.textContent = n.data;
              badge.classList.toggle('d-none', n.data === 0);
            } else if (n.name === 'task_progress') {
              setTaskProgress(n.data.task_id, n.data.progress);
            }
            since = n.timestamp;
          });
        }).catch(function () {});
    }, 10000);
  }

  document.addEventListener('DOMContentLoaded', function () {
    renderTimes(document);
    initPopovers();
    initTranslate();
    initPolling();
  });
})();
