import { DEMO_PRODUCTS, DEMO_SHOP_PREFIX, type DemoProduct } from './demo-shop.ts'

/** Where the demo storefront (a small shop embedding the widget) is served by `comerix serve --demo`. */
export const STOREFRONT_PREFIX = '/demo'

const escapeHtml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )

const imageOf = (product: DemoProduct) => `${DEMO_SHOP_PREFIX}/images/${product.id}.svg`
const price = (product: DemoProduct) => `${product.price.toFixed(2)} ${product.currency}`

/**
 * The storefront's client code: a cart in localStorage and the widget's shop helpers (window.Comerix).
 * Checkout posts the cart with the chat's public session id to the shop's own backend (/demo/orders),
 * which reports the sale to the Engine API server-side; the browser never holds a secret key.
 */
const STORE_SCRIPT = `
const PRODUCTS = ${JSON.stringify(Object.fromEntries(DEMO_PRODUCTS.map((p) => [p.id, { title: p.title, price: p.price, currency: p.currency }])))};
const cart = { read() { try { return JSON.parse(localStorage.getItem('demo.cart') || '[]') } catch { return [] } },
  write(lines) { localStorage.setItem('demo.cart', JSON.stringify(lines)); updateCount() } };
function updateCount() { const n = cart.read().reduce((s, l) => s + l.quantity, 0); const el = document.getElementById('cart-count'); if (el) el.textContent = String(n) }
function addToCart(id) { const lines = cart.read(); const line = lines.find((l) => l.productId === id);
  if (line) line.quantity += 1; else lines.push({ productId: id, quantity: 1 }); cart.write(lines);
  const p = PRODUCTS[id]; window.Comerix.cartAdded({ productId: id, quantity: 1, value: p.price, currency: p.currency });
  const note = document.getElementById('added'); if (note) note.textContent = 'Added to your cart.' }
function total(lines) { return Math.round(lines.reduce((s, l) => s + PRODUCTS[l.productId].price * l.quantity, 0) * 100) / 100 }
async function placeOrder(event) { event.preventDefault(); const lines = cart.read(); if (!lines.length) return;
  const email = document.getElementById('email').value;
  const response = await fetch('${STOREFRONT_PREFIX}/orders', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: lines, email, chatSessionId: window.Comerix.chatSessionId() || undefined, anonymousId: window.Comerix.anonymousId() }) });
  const order = await response.json(); if (!response.ok) { document.getElementById('order-error').textContent = order.error.message; return }
  window.Comerix.purchase({ orderId: order.orderId, value: order.value, currency: order.currency });
  cart.write([]); location.href = '${STOREFRONT_PREFIX}/thanks?order=' + encodeURIComponent(order.orderId) }
updateCount(); window.Comerix.page();
`

function layout(title: string, body: string, widget: { publicKey: string }, extraScript = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Trailhead Outfitters (Comerix demo)</title>
<style>
body { margin: 0; font-family: system-ui, sans-serif; color: #1a202c; background: #f7faf8; }
header { background: #1c3d2e; color: #fff; padding: 14px 32px; display: flex; justify-content: space-between; align-items: center; }
header a { color: #fff; text-decoration: none; font-weight: 600; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 32px 120px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 18px; }
.product { background: #fff; border-radius: 10px; overflow: hidden; box-shadow: 0 1px 3px rgba(0,0,0,.1); text-decoration: none; color: inherit; }
.product img { width: 100%; display: block; } .product div { padding: 10px 12px; }
.price { font-weight: 700; color: #2f6f4f; }
button.primary, a.primary { background: #2f6f4f; color: #fff; border: 0; border-radius: 6px; padding: 10px 18px; font-size: 15px; cursor: pointer; text-decoration: none; display: inline-block; }
table { border-collapse: collapse; width: 100%; background: #fff; } td, th { padding: 8px 10px; border-bottom: 1px solid #e2e8f0; text-align: left; }
</style></head>
<body><header><a href="${STOREFRONT_PREFIX}">Trailhead Outfitters</a><a href="${STOREFRONT_PREFIX}/cart" id="cart-link">Cart (<span id="cart-count">0</span>)</a></header>
<main>${body}</main>
<script src="/widget.js" data-key="${escapeHtml(widget.publicKey)}"></script>
<script>${STORE_SCRIPT}${extraScript}</script>
</body></html>`
}

export function catalogPage(widget: { publicKey: string }): string {
  const cards = DEMO_PRODUCTS.map(
    (p) => `<a class="product" href="${STOREFRONT_PREFIX}/products/${p.id}" data-product="${p.id}">
<img src="${imageOf(p)}" alt=""><div><strong>${escapeHtml(p.title)}</strong><br>${escapeHtml(p.description)}<br><span class="price">${price(p)}</span></div></a>`,
  ).join('\n')
  return layout('Shop', `<h1>Gear for the trail</h1><div class="grid">${cards}</div>`, widget)
}

export function productPage(widget: { publicKey: string }, product: DemoProduct): string {
  const body = `<p><a href="${STOREFRONT_PREFIX}">← All products</a></p>
<div style="display:flex;gap:32px;flex-wrap:wrap"><img src="${imageOf(product)}" alt="" width="420">
<div><h1>${escapeHtml(product.title)}</h1><p>${escapeHtml(product.description)}</p><p class="price">${price(product)}</p>
<button class="primary" id="add-to-cart" onclick="addToCart('${product.id}')">Add to cart</button> <span id="added"></span>
<p><a href="${STOREFRONT_PREFIX}/cart">Go to cart</a></p></div></div>`
  return layout(
    product.title,
    body,
    widget,
    `window.Comerix.productViewed({ id: '${product.id}', value: ${product.price}, currency: '${product.currency}' });`,
  )
}

export function cartPage(widget: { publicKey: string }): string {
  const body = `<h1>Your cart</h1><table id="cart-lines"></table><p id="cart-total"></p>
<p><a class="primary" id="to-checkout" href="${STOREFRONT_PREFIX}/checkout">Checkout</a></p>`
  const script = `const lines = cart.read(); document.getElementById('cart-lines').innerHTML = '';
for (const l of lines) { const row = document.createElement('tr'); for (const text of [PRODUCTS[l.productId].title, 'x' + l.quantity, (PRODUCTS[l.productId].price * l.quantity).toFixed(2) + ' EUR']) { const td = document.createElement('td'); td.textContent = text; row.append(td) } document.getElementById('cart-lines').append(row) }
document.getElementById('cart-total').textContent = lines.length ? 'Total: ' + total(lines).toFixed(2) + ' EUR' : 'Your cart is empty.';`
  return layout('Cart', body, widget, script)
}

export function checkoutPage(widget: { publicKey: string }): string {
  const body = `<h1>Checkout</h1><form id="checkout" onsubmit="placeOrder(event)">
<p><label>Email <input id="email" type="email" value="hiker@example.com" required></label></p>
<p id="checkout-total"></p><button class="primary" id="place-order" type="submit">Place order</button>
<p id="order-error" style="color:#c53030"></p></form>`
  const script = `const lines = cart.read(); const sum = total(lines);
document.getElementById('checkout-total').textContent = 'Total: ' + sum.toFixed(2) + ' EUR';
window.Comerix.checkoutStarted({ value: sum, currency: 'EUR' });`
  return layout('Checkout', body, widget, script)
}

export function thanksPage(widget: { publicKey: string }, orderId: string): string {
  return layout(
    'Thank you',
    `<h1>Thank you!</h1><p>Your order <strong id="order-id">${escapeHtml(orderId)}</strong> is on its way.</p><p><a href="${STOREFRONT_PREFIX}">Keep shopping</a></p>`,
    widget,
  )
}
