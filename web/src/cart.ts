// What the shop's pages work out from the API's answers about a cart and an address, kept here so
// that it is tested on its own (cart.test.ts).
import type { Cart, CartItem, Fulfilment, Order } from './api/types'

/** How many units the cart holds in all: the number its badge shows. */
export function unitsIn(cart: Cart | null): number {
  if (!cart) return 0
  return cart.suppliers.reduce((sum, group) => sum + group.items.reduce((n, item) => n + item.quantity, 0), 0)
}

// The API takes at most 10,000 of one product (CartItemSet), and never more than is in stock.
const MOST_PER_LINE = 10_000

/** The most a stepper may ask for: what is in stock, at least what the cart holds already (so that
 * a line now short of stock can still be stepped down), within the API's bound. */
export function stepperMax(item: Pick<CartItem, 'stock' | 'quantity'>): number {
  return Math.max(1, Math.min(MOST_PER_LINE, Math.max(item.stock, item.quantity)))
}

/** A mainland China mobile number (11 digits from 13 to 19), written with spaces or hyphens and an
 * optional +86 before it. */
export function isMainlandMobile(phone: string): boolean {
  const digits = phone.replace(/[\s-]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '')
  return /^1[3-9]\d{9}$/.test(digits)
}

/** The buyable products of a cart: what checking it out orders. */
export function buyable(cart: Cart | null): number[] {
  if (!cart) return []
  return cart.suppliers.flatMap((group) => group.items.filter((i) => i.is_purchasable).map((i) => i.product_id))
}

export interface SupplierPart {
  fulfilment: Fulfilment
  lines: Order['lines']
}

/** An order's parts, one per supplier (its fulfilment), each with its lines. */
export function partsOf(order: Order): SupplierPart[] {
  return order.fulfilments.map((fulfilment) => ({
    fulfilment,
    lines: order.lines.filter((line) => line.fulfilment_id === fulfilment.id),
  }))
}
