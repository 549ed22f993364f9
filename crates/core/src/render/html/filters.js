(function () {
  'use strict';
  var cards = Array.prototype.slice.call(document.querySelectorAll('article.finding'));
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button[data-filter]'));
  var count = document.getElementById('shown-count');
  function pressed(kind) {
    var set = {};
    buttons.forEach(function (b) {
      if (b.dataset.filter === kind && b.getAttribute('aria-pressed') === 'true') { set[b.dataset.value] = true; }
    });
    return set;
  }
  function update() {
    var sev = pressed('severity'), rev = pressed('reviewer'), shown = 0;
    cards.forEach(function (c) {
      var names = c.dataset.reviewers ? c.dataset.reviewers.split(' ') : [];
      var ok = sev[c.dataset.severity] === true &&
        (names.length === 0 || names.some(function (r) { return rev[r] === true; }));
      c.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var none = document.getElementById('no-match');
    if (none) { none.hidden = shown > 0 || cards.length === 0; }
    if (count) {
      count.textContent = shown + ' of ' + cards.length + (cards.length === 1 ? ' finding' : ' findings') + ' shown';
    }
  }
  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      b.setAttribute('aria-pressed', b.getAttribute('aria-pressed') === 'true' ? 'false' : 'true');
      update();
    });
  });
  update();
})();
