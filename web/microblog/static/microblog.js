// Microblog page behaviour: user popovers, post translation and the
// notification poll (unread badge, export progress). No inline scripts, so
// the Content-Security-Policy can forbid them.
(function () {
  'use strict';
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function initPopovers() {
    if (!window.bootstrap) return;
    document.querySelectorAll('.user_popup').forEach(function (el) {
      const popover = new bootstrap.Popover(el, {
        trigger: 'hover focus', placement: 'right', delay: { show: 500, hide: 0 },
        html: true, sanitize: true, content: 'Loading...'
      });
      let loaded = false;
      el.addEventListener('show.bs.popover', function () {
        if (loaded) return;
        loaded = true;
        fetch(el.getAttribute('href') + '/popup', { credentials: 'same-origin' })
          .then(function (r) { return r.text(); })
          .then(function (html) { popover.setContent({ '.popover-body': html }); });
      });
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
              const el = document.getElementById(n.data.task_id + '-progress');
              if (el) el.textContent = n.data.progress;
            }
            since = n.timestamp;
          });
        }).catch(function () {});
    }, 10000);
  }

  document.addEventListener('DOMContentLoaded', function () {
    initPopovers();
    initTranslate();
    initPolling();
  });
})();
