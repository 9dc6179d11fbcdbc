// The example shop's page: create an order, pay it through Toss or Stripe,
// watch its status, refund it. Plain JavaScript, no build step.
//
// In sandbox mode every gateway page is served by the shop itself
// (/sandbox/toss/…, /sandbox/stripe/…); in API mode the Toss payment
// window comes from Toss's v2 SDK and Stripe's pages from Stripe.
'use strict';

const $ = (id) => document.getElementById(id);
const SETTLED = ['paid', 'partially_refunded', 'refunded', 'canceled', 'failed', 'expired'];
const NO_NEW_ATTEMPT = ['paid', 'partially_refunded', 'refunded', 'processing', 'waiting_for_deposit', 'authorized'];
const OPEN_DISPUTE = ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review'];

let cfg = null;      // GET /config
let order = null;    // the current order (GET /orders/{number})
let payment = null;  // its payment (GET /payments/status), or null
let pollTimer = 0;

// api calls the shop and returns the decoded JSON, or throws an Error
// carrying the API's error code.
async function api(method, path, body, headers) {
  const opts = {method, headers: Object.assign({Accept: 'application/json'}, headers || {})};
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  let data = null;
  try { data = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) {
    const e = new Error((data && data.error && data.error.message) || res.statusText || 'request failed');
    e.code = (data && data.error && data.error.code) || String(res.status);
    e.gatewayCode = data && data.error && data.error.gateway_code;
    e.status = res.status;
    throw e;
  }
  return data;
}

// --- money ------------------------------------------------------------------

function digits(currency) {
  try {
    return new Intl.NumberFormat('en', {style: 'currency', currency}).resolvedOptions().maximumFractionDigits;
  } catch (_) {
    return 2;
  }
}

// formatMoney shows an amount in minor units: 58990 KRW → ₩58,990.
function formatMoney(amount, currency) {
  const d = digits(currency);
  const s = String(Math.abs(amount)).padStart(d + 1, '0');
  const major = d ? s.slice(0, -d) + '.' + s.slice(-d) : s;
  try {
    return (amount < 0 ? '-' : '') + new Intl.NumberFormat(undefined, {style: 'currency', currency, minimumFractionDigits: d}).format(major);
  } catch (_) {
    return major + ' ' + currency;
  }
}

// toMinor reads "25.00" (dollars) or "15000" (won) as minor units, with
// integer arithmetic only. It returns NaN for anything else.
function toMinor(text, currency) {
  const d = digits(currency);
  const m = /^\s*(\d+)(?:\.(\d*))?\s*$/.exec(text.replace(/,/g, ''));
  if (!m || (m[2] && m[2].length > d)) return NaN;
  const n = Number(m[1] + (m[2] || '').padEnd(d, '0'));
  return Number.isSafeInteger(n) ? n : NaN;
}

// --- messages ----------------------------------------------------------------

function say(text) {
  $('message').textContent = text;
  $('message').hidden = !text;
}

function fail(err) {
  if (!err) { $('error').hidden = true; return; }
  const code = err.code ? err.code + (err.gatewayCode ? ' / ' + err.gatewayCode : '') + ': ' : '';
  $('error').textContent = code + err.message;
  $('error').hidden = false;
  $('error').scrollIntoView({block: 'nearest'});
}

// busy disables the action buttons while fn runs and reports its error.
async function busy(fn) {
  const buttons = document.querySelectorAll('main button');
  buttons.forEach((b) => { b.disabled = true; });
  say('');
  fail(null);
  try {
    await fn();
  } catch (err) {
    fail(err);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    render();
  }
}

// --- order and status -------------------------------------------------------

function shopURL(params) {
  return cfg.public_url + '/?' + params;
}

function orderParam() {
  return 'order_number=' + encodeURIComponent(order.order_number);
}

async function loadOrder(number) {
  order = await api('GET', 'orders/' + encodeURIComponent(number));
  payment = null;
  history.replaceState(null, '', '?' + orderParam());
  await refreshStatus();
}

// adminHeaders carries the admin token, when one is entered.
function adminHeaders() {
  const token = $('admin-token').value.trim();
  return token ? {Authorization: 'Bearer ' + token} : {};
}

// refreshStatus reads the payment (the full view with the admin token, the
// public view without: no gateway references, attempts or refunds) and
// the order, whose fulfilment the shop's event handler records.
async function refreshStatus() {
  if (!order) return;
  try {
    payment = await api('GET', 'payments/status?order_number=' + encodeURIComponent(order.order_number), undefined, adminHeaders());
  } catch (err) {
    if (err.code !== 'payment_not_found') throw err;
    payment = null;
  }
  order = await api('GET', 'orders/' + encodeURIComponent(order.order_number));
  render();
}

function poll() {
  clearTimeout(pollTimer);
  const unsettled = payment && !SETTLED.includes(payment.status);
  pollTimer = setTimeout(async () => {
    try { await refreshStatus(); } catch (_) { /* keep polling */ }
    poll();
  }, unsettled ? 1000 : 3000);
}

function render() {
  if (!order) return;
  $('order-number').textContent = order.order_number;
  $('order-name-view').textContent = order.order_name;
  $('order-amount-view').textContent = formatMoney(order.amount, order.currency);
  $('order-fulfilled').textContent = order.fulfilled_at
    ? 'fulfilled ' + new Date(order.fulfilled_at).toLocaleString()
    : 'not yet';
  $('order-events').textContent = String(order.events_handled);

  const st = payment ? payment.status : 'no_payment';
  $('status').textContent = st;
  $('status').dataset.status = st;
  const cur = order.currency;
  $('status-gateway').textContent = (payment && payment.gateway) || '—';
  $('status-method').textContent = (payment && payment.method) || '—';
  $('status-refunded').textContent = payment ? formatMoney(payment.refunded_amount, cur) : '—';
  $('status-refundable').textContent = payment ? formatMoney(payment.refundable_amount, cur) : '—';
  $('status-attempts').textContent = payment && payment.attempts ? payment.attempts.map((a) => a.gateway + ' ' + a.status).join(', ') : '—';
  const list = $('refunds');
  list.replaceChildren();
  for (const r of (payment && payment.refunds) || []) {
    const li = document.createElement('li');
    li.textContent = formatMoney(r.amount, cur) + ' · ' + r.status + ' · ' + r.reason;
    list.append(li);
  }
  // Manual capture and disputes are in the admin's (full) view only.
  $('status-capturable').textContent = payment && payment.amount_capturable !== undefined ? formatMoney(payment.amount_capturable, cur) : '—';
  const disputes = $('disputes');
  disputes.replaceChildren();
  for (const d of (payment && payment.disputes) || []) {
    const li = document.createElement('li');
    li.className = 'dispute';
    li.dataset.status = d.status;
    li.textContent = 'Dispute ' + formatMoney(d.amount, cur) + ' · ' + d.status + ' · ' + d.reason;
    disputes.append(li);
  }
  $('hold-actions').hidden = !(payment && payment.status === 'authorized');
  $('close-dispute').hidden = !openDispute();

  const va = payment && payment.virtual_account;
  $('va-info').hidden = !va;
  if (va) {
    $('va-bank-name').textContent = bankName(va.bank);
    $('va-account').textContent = va.account_number;
    $('va-holder').textContent = va.holder || '—';
    $('va-due').textContent = va.due_date ? new Date(va.due_date).toLocaleString() : '—';
    const canDeposit = cfg.toss.mode === 'sandbox' && payment.status === 'waiting_for_deposit';
    $('deposit-form').hidden = !canDeposit;
    if (canDeposit) {
      $('deposit-form').action = cfg.toss.deposit_url;
      $('deposit-order').value = order.order_number;
      $('deposit-redirect').value = shopURL(orderParam() + '&deposit=done');
    }
  }
  $('refund-account').hidden = !(payment && payment.gateway === 'toss' && payment.method === 'VIRTUAL_ACCOUNT' &&
    payment.status !== 'waiting_for_deposit');
  // An order that is paid, or whose payment is under way, takes no new attempt.
  $('pay-section').hidden = !!payment && NO_NEW_ATTEMPT.includes(payment.status);
}

function bankName(code) {
  const b = cfg.banks.find((x) => x.code === code);
  return b ? b.name : code;
}

// --- Toss -------------------------------------------------------------------

// tossReady records the attempt and returns the payment window parameters.
function tossReady(method) {
  return api('POST', 'payments/toss/ready', {
    order_number: order.order_number,
    amount: order.amount,
    order_name: order.order_name,
    method,
    success_url: shopURL(orderParam() + '&toss=success'),
    fail_url: shopURL(orderParam() + '&toss=fail'),
  });
}

// openTossWindow does what the v2 SDK's requestPayment does: in sandbox
// mode it sends the browser to the fake's payment window with the same
// parameters; in API mode it calls the real SDK.
async function openTossWindow(r) {
  const t = r.toss;
  if (cfg.toss.mode === 'sandbox') {
    const q = new URLSearchParams({
      clientKey: t.client_key, method: t.method, amount: String(t.amount), currency: r.currency,
      orderId: t.order_id, orderName: t.order_name, successUrl: t.success_url, failUrl: t.fail_url,
    });
    if (t.easy_pay_provider) q.set('easyPay', t.easy_pay_provider);
    if (t.customer_name) q.set('customerName', t.customer_name);
    if (t.customer_email) q.set('customerEmail', t.customer_email);
    location.assign(cfg.toss.sandbox_url + '/pay?' + q);
    return;
  }
  await loadScript('https://js.tosspayments.com/v2/standard');
  /* global TossPayments */
  const p = TossPayments(t.client_key).payment({customerKey: TossPayments.ANONYMOUS});
  const req = {
    method: t.method,
    amount: {currency: r.currency, value: t.amount},
    orderId: t.order_id, orderName: t.order_name,
    successUrl: t.success_url, failUrl: t.fail_url,
  };
  if (t.customer_name) req.customerName = t.customer_name;
  if (t.customer_email) req.customerEmail = t.customer_email;
  if (t.easy_pay_provider) req.card = {flowMode: 'DIRECT', easyPay: t.easy_pay_provider};
  await p.requestPayment(req);
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    if (document.querySelector('script[src="' + src + '"]')) { resolve(); return; }
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error('could not load ' + src));
    document.head.append(s);
  });
}

async function payTossCard() {
  await openTossWindow(await tossReady('CARD'));
}

async function payTossVirtualAccount() {
  const r = await api('POST', 'payments/toss/virtual-account', {
    order_number: order.order_number,
    amount: order.amount,
    order_name: order.order_name,
    customer_name: $('customer-name').value.trim(),
    bank: $('va-bank').value,
    valid_hours: 72,
  });
  say('Virtual account issued: deposit ' + formatMoney(r.amount, r.currency) + ' into ' + bankName(r.bank) + ' ' + r.account_number + '.');
  await refreshStatus();
}

// --- Stripe -----------------------------------------------------------------

async function payStripeCheckout() {
  // {CHECKOUT_SESSION_ID} must stay literal: Stripe replaces it.
  const r = await api('POST', 'payments/stripe/checkout', {
    order_number: order.order_number,
    success_url: shopURL(orderParam() + '&stripe=checkout&session_id={CHECKOUT_SESSION_ID}'),
    cancel_url: shopURL(orderParam() + '&stripe=canceled'),
  });
  location.assign(r.url);
}

// payStripeCard creates a PaymentIntent with a test payment method and
// confirms it; 3-D Secure sends the customer to the challenge page, which
// brings them back with ?stripe=3ds&payment_intent=….
async function payStripeCard(pm, capture) {
  const body = {order_number: order.order_number, payment_method_id: pm};
  if (capture) body.capture = capture;
  const intent = await api('POST', 'payments/stripe/intent', body);
  const c = await api('POST', 'payments/stripe/confirm', {
    order_number: order.order_number,
    payment_intent_id: intent.payment_intent_id,
    return_url: shopURL(orderParam() + '&stripe=3ds'),
  });
  if (c.next_action && c.next_action.type === 'redirect_to_url' && c.next_action.redirect_to_url) {
    location.assign(c.next_action.redirect_to_url);
    return;
  }
  payment = c;
  say('Stripe answered: ' + c.status + '.');
}

// --- refunds ------------------------------------------------------------------

function idempotencyKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

async function doRefund() {
  const headers = adminHeaders();
  // The admin's view tells which gateway and method the payment has.
  if (headers.Authorization) await refreshStatus();
  if (!payment) throw Object.assign(new Error('this order has no payment to refund'), {code: 'payment_not_found'});
  const body = {order_number: order.order_number, reason: $('refund-reason').value.trim()};
  const amountText = $('refund-amount').value.trim();
  if (amountText) {
    body.amount = toMinor(amountText, order.currency);
    if (Number.isNaN(body.amount)) throw Object.assign(new Error('the refund amount is not a number in ' + order.currency), {code: 'invalid_request'});
  }
  if (payment.gateway === 'toss' && payment.method === 'VIRTUAL_ACCOUNT' && payment.status !== 'waiting_for_deposit') {
    body.refund_receive_account = {
      bank: $('refund-bank').value,
      account_number: $('refund-account-number').value.trim(),
      holder_name: $('refund-holder').value.trim(),
    };
  }
  headers['Idempotency-Key'] = idempotencyKey();
  const path = payment.gateway === 'toss' ? 'payments/toss/cancel' : 'payments/stripe/refund';
  const r = await api('POST', path, body, headers);
  payment = r;
  if (r.refund) {
    say('Refund of ' + formatMoney(r.refund.amount, order.currency) + ': ' + r.refund.status + '.');
  } else {
    say('The virtual account was canceled before any deposit: nothing to refund.');
  }
}

// --- subscriptions -----------------------------------------------------------
//
// The page saves a card for a customer (Toss billing key, Stripe
// SetupIntent), and the shop's admin charges that customer's monthly
// orders with it: POST /payments/charge charges an order at most once,
// however often it is clicked.

function subCustomer() {
  return $('sub-customer').value.trim() || 'demo-customer';
}

function subURL(params) {
  return shopURL(orderParam() + '&customer=' + encodeURIComponent(subCustomer()) + '&' + params);
}

async function saveToss() {
  const r = await api('POST', 'payments/toss/billing/ready', {
    customer_id: subCustomer(),
    success_url: subURL('subscribe=toss'),
    fail_url: subURL('subscribe=fail'),
  }, adminHeaders());
  const t = r.toss;
  if (cfg.toss.mode === 'sandbox') {
    const q = new URLSearchParams({clientKey: t.client_key, customerKey: t.customer_key, successUrl: t.request.successUrl, failUrl: t.request.failUrl});
    location.assign(cfg.toss.sandbox_url + '/billing?' + q);
    return;
  }
  await loadScript('https://js.tosspayments.com/v2/standard');
  /* global TossPayments */
  await TossPayments(t.client_key).payment({customerKey: t.customer_key}).requestBillingAuth(t.request);
}

async function saveStripe() {
  const r = await api('POST', 'payments/stripe/setup', {
    customer_id: subCustomer(),
    success_url: subURL('subscribe=stripe'),
    cancel_url: subURL('subscribe=canceled'),
  }, adminHeaders());
  location.assign(r.url);
}

async function listMethods() {
  const methods = await api('GET', 'payments/methods?customer_id=' + encodeURIComponent(subCustomer()), undefined, adminHeaders());
  const list = $('methods');
  list.replaceChildren();
  for (const m of methods) {
    const li = document.createElement('li');
    li.className = 'method';
    li.dataset.status = m.status;
    li.dataset.id = m.method_id;
    li.textContent = m.gateway + ' · ' + (m.brand || m.type) + ' ' + (m.last4 || '') + ' · ' + m.status + ' ';
    if (m.status === 'active') {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'danger remove-method';
      b.textContent = 'Remove';
      b.addEventListener('click', () => busy(() => removeMethod(m.method_id)));
      li.append(b);
    }
    list.append(li);
  }
  return methods;
}

async function removeMethod(id) {
  await api('DELETE', 'payments/methods/' + encodeURIComponent(id), undefined, adminHeaders());
  say('Card removed.');
  await listMethods();
}

// chargeMonth charges the customer's order of the month (offset 0: this
// month, 1: next month) with their newest active card.
async function chargeMonth(offset) {
  showCharge('', '', null);
  const methods = await listMethods();
  const active = methods.filter((m) => m.status === 'active');
  if (!active.length) throw Object.assign(new Error('save a card first'), {code: 'method_not_found'});
  const method = active[active.length - 1];
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + offset);
  const month = d.getUTCFullYear() + '-' + String(d.getUTCMonth() + 1).padStart(2, '0');
  const number = 'SUB-' + subCustomer().replace(/[^A-Za-z0-9_-]/g, '') + '-' + month;
  try {
    await api('GET', 'orders/' + encodeURIComponent(number));
    // The month's order exists: charge it again, which charges at most once.
  } catch (err) {
    if (err.status !== 404) throw err;
    await api('POST', 'orders', {order_number: number, order_name: 'Monthly plan ' + month, amount: 9900, currency: 'KRW'});
  }
  // Where the bank wants the customer to authenticate, Stripe sends them
  // back here afterwards, with the order to show.
  const back = subURL('subscribe=authenticated&sub_order=' + encodeURIComponent(number));
  const c = await api('POST', 'payments/charge', {order_number: number, method_id: method.method_id, return_url: back},
    Object.assign({'Idempotency-Key': idempotencyKey()}, adminHeaders()));
  showCharge(number, c.status, c.next_action);
}

// showCharge shows a month's charge: its status and, when the bank wants
// the customer to authenticate it, the link to the bank's page (in a real
// shop, sent to the customer by e-mail).
function showCharge(number, status, nextAction) {
  $('sub-result').textContent = number ? number + ': ' + status : '';
  $('sub-result').dataset.status = status;
  $('sub-result').dataset.order = number;
  const link = status === 'requires_action' && nextAction && nextAction.redirect_url;
  $('sub-action').hidden = !link;
  $('sub-authenticate').href = link || '#';
}

// chargeAuthenticated shows a month's charge once the customer is back
// from authenticating it: its status re-read from the gateway.
async function chargeAuthenticated(number) {
  const s = await api('GET', 'payments/status?refresh=true&order_number=' + encodeURIComponent(number), undefined, adminHeaders());
  showCharge(number, s.status, null);
  say('Back from the bank: ' + number + ' is ' + s.status + '.');
}

// --- capture at shipping, disputes -------------------------------------------

// openDispute is the payment's dispute that is not closed yet, if any.
function openDispute() {
  return ((payment && payment.disputes) || []).find((d) => OPEN_DISPUTE.includes(d.status));
}

// doCapture takes the held money when the order ships: the amount in the
// admin form, or all of it.
async function doCapture() {
  const body = {order_number: order.order_number};
  const amountText = $('refund-amount').value.trim();
  if (amountText) {
    body.amount = toMinor(amountText, order.currency);
    if (Number.isNaN(body.amount)) throw Object.assign(new Error('the capture amount is not a number in ' + order.currency), {code: 'invalid_request'});
  }
  const headers = Object.assign(adminHeaders(), {'Idempotency-Key': idempotencyKey()});
  payment = await api('POST', 'payments/stripe/capture', body, headers);
  say('Captured ' + formatMoney(payment.amount, order.currency) + ': ' + payment.status + '.');
}

async function doVoid() {
  payment = await api('POST', 'payments/stripe/void', {order_number: order.order_number, reason: $('refund-reason').value.trim()}, adminHeaders());
  say('The hold was released: ' + payment.status + '.');
}

async function doCloseDispute() {
  if (adminHeaders().Authorization) await refreshStatus();
  const d = openDispute();
  if (!d) throw Object.assign(new Error('the payment has no open dispute'), {code: 'invalid_request'});
  payment = await api('POST', 'payments/stripe/dispute/close', {order_number: order.order_number, dispute_id: d.dispute_id}, adminHeaders());
  say('The dispute was accepted at Stripe.');
}

async function createOrder() {
  const currency = $('order-currency').value;
  const amount = toMinor($('order-amount').value, currency);
  if (Number.isNaN(amount)) throw Object.assign(new Error('the amount is not a number in ' + currency), {code: 'invalid_request'});
  const o = await api('POST', 'orders', {order_name: $('order-name').value.trim(), amount, currency});
  await loadOrder(o.order_number);
  $('new-order-box').open = false;
  say('Order ' + o.order_number + ' created.');
}

// --- returns from gateway pages ----------------------------------------------

// handleReturn reads what a gateway page sent the browser back with, acts
// on it, and then removes it from the address bar (it may hold a Stripe
// client secret).
async function handleReturn(p) {
  if (p.get('toss') === 'success') {
    say('Toss payment ' + (p.get('status') || 'done') + '.');
  } else if (p.get('toss') === 'fail') {
    fail({code: p.get('code') || 'failed', message: p.get('message') || 'the payment did not go through'});
  } else if (p.get('stripe') === 'checkout' && p.get('session_id')) {
    const v = await api('POST', 'payments/stripe/verify', {order_number: order.order_number, session_id: p.get('session_id')});
    say('Stripe Checkout: ' + v.status + '.');
  } else if (p.get('stripe') === 'canceled') {
    say('Stripe Checkout was canceled; you can pay again.');
  } else if (p.get('stripe') === '3ds' && p.get('payment_intent')) {
    const v = await api('POST', 'payments/stripe/verify', {order_number: order.order_number, payment_intent_id: p.get('payment_intent')});
    if (p.get('redirect_status') === 'failed') {
      fail({code: 'authentication_failed', message: '3-D Secure authentication failed; status ' + v.status});
    } else {
      say('3-D Secure done: ' + v.status + '.');
    }
  } else if (p.get('deposit') === 'done') {
    say('Deposit simulated.');
  } else if (p.get('subscribe') === 'toss' && p.get('method_id')) {
    say('Card saved with Toss (' + p.get('method_id') + ').');
  } else if (p.get('subscribe') === 'stripe' && p.get('session_id')) {
    const m = await api('POST', 'payments/stripe/setup/verify', {session_id: p.get('session_id')});
    say('Card saved with Stripe (' + m.method_id + ', ' + m.brand + ' ' + m.last4 + ').');
  } else if (p.get('subscribe') === 'authenticated' && p.get('sub_order')) {
    await chargeAuthenticated(p.get('sub_order'));
  } else if (p.get('subscribe') === 'fail') {
    fail({code: p.get('code') || 'failed', message: p.get('message') || 'the card was not saved'});
  } else if (p.get('subscribe') === 'canceled') {
    say('Saving the card was canceled.');
  }
  if (p.get('customer')) $('sub-customer').value = p.get('customer');
}

// --- start -------------------------------------------------------------------------

function fillSelect(sel, options) {
  for (const [value, label] of options) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    sel.append(o);
  }
}

function describeModes() {
  const m = $('mode');
  m.replaceChildren();
  for (const [name, mode] of [['Toss', cfg.toss.mode], ['Stripe', cfg.stripe.mode]]) {
    const b = document.createElement('span');
    b.className = 'badge ' + mode;
    b.textContent = name + ': ' + (mode === 'sandbox' ? 'sandbox' : 'real API');
    m.append(b, ' ');
  }
  if (cfg.toss.mode === 'sandbox' && cfg.stripe.mode === 'sandbox') {
    m.append('No real payment is made.');
  }
}

async function start() {
  cfg = await api('GET', 'config');
  describeModes();
  fillSelect($('order-currency'), cfg.currencies.map((c) => [c, c]));
  fillSelect($('va-bank'), cfg.banks.map((b) => [b.code, b.name]));
  fillSelect($('refund-bank'), cfg.banks.map((b) => [b.code, b.name]));
  if (cfg.toss.mode === 'sandbox') $('simulate-deposit').textContent = 'Simulate deposit (sandbox)';

  const on = (id, fn) => $(id).addEventListener('click', () => busy(fn));
  on('pay-toss-card', payTossCard);
  on('pay-toss-va', payTossVirtualAccount);
  on('pay-stripe-checkout', payStripeCheckout);
  on('pay-stripe-card', () => payStripeCard('pm_card_visa'));
  on('pay-stripe-3ds', () => payStripeCard('pm_card_threeDSecure2Required'));
  on('pay-stripe-hold', () => payStripeCard('pm_card_visa', 'manual'));
  on('pay-stripe-dispute', () => payStripeCard('pm_card_createDispute'));
  on('capture', doCapture);
  on('void', doVoid);
  on('close-dispute', doCloseDispute);
  $('new-order').addEventListener('submit', (e) => { e.preventDefault(); busy(createOrder); });
  $('refund-form').addEventListener('submit', (e) => { e.preventDefault(); busy(doRefund); });
  on('save-toss', saveToss);
  on('save-stripe', saveStripe);
  on('charge-this-month', () => chargeMonth(0));
  on('charge-next-month', () => chargeMonth(1));
  on('list-methods', listMethods);

  const params = new URLSearchParams(location.search);
  await busy(async () => {
    try {
      await loadOrder(params.get('order_number') || cfg.default_order);
    } catch (err) {
      // An order the shop does not have: without PAYMENTS_DATABASE_URL
      // orders live in memory and are gone after a restart.
      await loadOrder(cfg.default_order);
      throw err;
    }
    await handleReturn(params);
    await refreshStatus();
  });
  poll();
}

start().catch(fail);
