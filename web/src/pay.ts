// Paying as buyers in China do: what the pay page shows for an order's payment (the development
// gateway's buttons, Stripe's Payment Element, a WeChat Pay QR code to scan, a button to WeChat Pay's
// H5 page or to Alipay's cashier), where the buyer pays (a phone or a computer), and what the result
// page makes of a buyer sent back by the provider.
import type { Cart, Order } from './api/types'

export type Device = 'mobile' | 'desktop'

// A phone's (or a tablet's) browser: WeChat Pay's H5 page and Alipay's wap pay open only there, and
// a QR code shown on it could not be scanned by the phone that shows it. A narrow window on a
// computer is still a computer: its QR code is scanned by the buyer's phone.
const PHONE = /Android|iPhone|iPad|iPod|HarmonyOS|Windows Phone|Mobile/i

/** Where the buyer pays, by their browser's user agent. */
export function paymentDevice(userAgent: string): Device {
  return PHONE.test(userAgent) ? 'mobile' : 'desktop'
}

/** Alipay's name for the same: H5 (wap pay) on a phone, page pay on a computer. */
export function alipayDevice(device: Device): 'wap' | 'page' {
  return device === 'mobile' ? 'wap' : 'page'
}

export type PayStep =
  | { kind: 'dev' }
  | { kind: 'stripe' }
  | { kind: 'wechat-qr'; code: string }
  | { kind: 'wechat-h5'; url: string }
  | { kind: 'alipay' }
  | { kind: 'unavailable' }

/** What the pay page offers for this payment. */
export function payStepOf(payment: Order['payment']): PayStep {
  switch (payment?.provider) {
    case 'dev':
      return { kind: 'dev' }
    case 'stripe':
      return { kind: 'stripe' }
    case 'alipay':
      return { kind: 'alipay' }
    case 'wechatpay':
      if (payment.qr_code) return { kind: 'wechat-qr', code: payment.qr_code }
      if (payment.redirect_url) return { kind: 'wechat-h5', url: payment.redirect_url }
      return { kind: 'unavailable' }
    default:
      return { kind: 'unavailable' }
  }
}

// The query parameter the shop adds to the page WeChat Pay sends the buyer back to.
export const RETURNED = 'returned'
// What marks a buyer sent back by a provider: Stripe's redirect_status, Alipay's out_trade_no (its
// return adds the trade's fields), ours on the way back from WeChat Pay's H5 page.
const BACK_FROM = ['redirect_status', 'out_trade_no', RETURNED]

/** WeChat Pay's H5 page, told where to send the buyer back once paid (its redirect_url). */
export function wechatH5Url(h5Url: string, back: string): string {
  const url = new URL(h5Url)
  url.searchParams.set('redirect_url', back)
  return url.href
}

/** Whether the buyer has just been sent back by the provider: the result page then asks for the
 * order again until the provider's notification has reached it. */
export function backFromProvider(query: Record<string, unknown>): boolean {
  return BACK_FROM.some((name) => typeof query[name] === 'string')
}

/** Whether the order's time to pay has run out (the API cancels it soon after). */
export function timedOut(order: Pick<Order, 'reserved_until'>, now: number = Date.now()): boolean {
  return Date.parse(order.reserved_until) <= now
}

/** Whether the order can no longer be paid although it was never paid: timed out, or its payment
 * failed. Paying again is ordering its lines again. */
export function payableAgain(order: Pick<Order, 'status' | 'payment' | 'reserved_until'>, now: number = Date.now()): boolean {
  if (order.status === 'expired') return true
  if (order.status === 'cancelled') return order.payment?.status === 'failed'
  return order.status === 'pending_payment' && timedOut(order, now)
}

/** The cart's quantities that order the same again: each line's quantity, or more where the cart
 * already holds more of the product. */
export function reorder(order: Pick<Order, 'lines'>, cart: Cart | null): Array<[number, number]> {
  const held = new Map<number, number>()
  for (const group of cart?.suppliers ?? []) {
    for (const item of group.items) held.set(item.product_id, item.quantity)
  }
  return order.lines.map((line) => [line.product_id, Math.max(line.quantity, held.get(line.product_id) ?? 0)])
}
