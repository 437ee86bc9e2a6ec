// The strip of cards at the top: the one line per layer a person reads first.
import { fmtRate, h, reconcile, setText } from './dom.js';

function card(c) {
  const el = h(
    'a',
    { class: 'card', href: c.href },
    h('span', { class: 'label' }),
    h('span', { class: 'big' }),
    h('span', { class: 'sub' }),
  );
  return el;
}

function update(el, c) {
  el.className = `card${c.tone ? ` ${c.tone}` : ''}`;
  setText(el.children[0], c.label);
  setText(el.children[1], c.big);
  setText(el.children[2], c.sub);
  el.setAttribute('aria-label', `${c.label}: ${c.big}. ${c.sub}`);
}

export function renderSummary(root, s) {
  const insts = s.programs.filter((p) => p.role !== 'old');
  const ready = insts.filter((p) => p.state === 'READY').length;
  const down = insts.filter((p) => p.state === 'FATAL' || p.state === 'BACKOFF').length;
  const restarts = insts.reduce((n, p) => n + p.restarts, 0);
  const open = s.incidents.filter((i) => i.state === 'open');
  const acked = s.incidents.filter((i) => i.state === 'acknowledged');
  let pass = 0;
  let block = 0;
  let error = 0;
  let openBreakers = 0;
  for (const g of s.guard) {
    for (const r of g.resources) {
      pass += r.pass;
      block += r.block;
      error += r.error;
    }
    for (const b of g.breakers) if (Object.values(b.states).some((x) => x !== 'closed')) openBreakers++;
  }
  const f = s.failover?.status?.leadership;
  const noisy = s.alerts.find((a) => a.suggestion !== 'keep');
  const cards = [
    {
      key: 'p',
      href: '#programs',
      label: 'Programs',
      big: `${ready}/${insts.length} ready`,
      sub: down ? `${down} down · ${restarts} restarts` : `${restarts} restart${restarts === 1 ? '' : 's'}`,
      tone: down ? 'bad' : ready < insts.length ? 'warn' : '',
    },
    {
      key: 'i',
      href: '#incidents',
      label: 'Incidents',
      big: s.config?.incidents === false ? 'off' : `${open.length} open`,
      sub:
        s.config?.incidents === false
          ? 'no incidents: section'
          : `${acked.length} acknowledged${open[0] ? ` · newest: ${open[0].category}` : ''}`,
      tone: open.some((i) => i.severity === 'critical' || i.severity === 'error') ? 'bad' : open.length ? 'warn' : '',
    },
    {
      key: 'g',
      href: '#protection',
      label: 'Requests',
      big: `${fmtRate(pass)}/s`,
      sub: s.guard.length
        ? `${fmtRate(block)}/s blocked · ${fmtRate(error)}/s errors${openBreakers ? ` · ${openBreakers} breaker(s) not closed` : ''}`
        : 'no guard configured',
      tone: openBreakers || error > 0.05 * (pass || 1) ? 'bad' : block > 0 ? 'warn' : '',
    },
    {
      key: 'f',
      href: '#failover',
      label: 'Failover',
      big: !s.config?.failover ? 'off' : f?.leader ? f.leader.node : s.failover?.ok ? 'no leader' : 'unreachable',
      sub: !s.config?.failover ? 'no failover agent configured' : f?.leader ? `token ${f.leader.token}` : (s.failover?.error ?? ''),
      tone: s.config?.failover && !f?.leader ? 'bad' : '',
    },
    {
      key: 'a',
      href: '#alerts',
      label: 'Alerts',
      big: `${s.alerts.length} rule${s.alerts.length === 1 ? '' : 's'}`,
      sub: noisy ? `${noisy.rule}: ${noisy.suggestion}` : 'no noisy rule',
      tone: noisy && noisy.suggestion === 'close' ? 'warn' : '',
    },
  ];
  reconcile(root, cards, (c) => c.key, card, update);
}
