// What the order pages make of the API's answers: each supplier's part as a timeline of its steps,
// what the buyer may still do with it, and the fapiao form's checks (the API's own rules).
import type { AuditEvent, Fulfilment, Order, OrderLine } from '../../api/types'

export type StepKey = 'placed' | 'paid' | 'shipped' | 'delivered' | 'refunded' | 'cancelled'

export interface Step {
  key: StepKey
  // When it happened; null for a step still to come.
  at: string | null
  carrier?: string
  trackingNo?: string
  amountFen?: number
}

type Event = Pick<AuditEvent, 'action' | 'at' | 'details'>
type OrderFacts = Pick<Order, 'status' | 'created_at' | 'paid_at'> & { lines: Pick<OrderLine, 'id' | 'fulfilment_id'>[] }
type PartFacts = Pick<Fulfilment, 'id' | 'status' | 'carrier' | 'tracking_no' | 'shipped_at' | 'delivered_at'>

const CLOSED = ['cancelled', 'expired']

/** The refunds that reached this part, from the order's history: a refund asked for its lines (or for
 * the whole order, with no lines), once the provider paid it back, with the amount the API recorded. */
function refundsOf(order: OrderFacts, part: PartFacts, history: Event[]): Step[] {
  const own = new Set(order.lines.filter((line) => line.fulfilment_id === part.id).map((line) => String(line.id)))
  const reaches = new Map<number, boolean>()
  for (const event of history) {
    if (event.action !== 'refund_requested' || !event.details) continue
    const lines = Object.keys((event.details.lines ?? {}) as Record<string, number>)
    reaches.set(Number(event.details.refund_id), lines.length === 0 || lines.some((line) => own.has(line)))
  }
  return history
    .filter((event) => event.action === 'refund_succeeded' && reaches.get(Number(event.details?.refund_id)))
    .map((event) => ({ key: 'refunded', at: event.at, amountFen: Number(event.details?.amount_fen) }))
}

/** One supplier's part as the buyer follows it: placed, paid, shipped (carrier and tracking number),
 * delivered, and any refund; a part that ended unshipped ends at cancelled. Steps done come first, by
 * time, then those still to come. */
export function timeline(order: OrderFacts, part: PartFacts, history: Event[]): Step[] {
  const steps: Step[] = [{ key: 'placed', at: order.created_at }]
  const ended = part.status === 'cancelled' || CLOSED.includes(order.status)
  if (order.paid_at || !ended) steps.push({ key: 'paid', at: order.paid_at })
  if (part.shipped_at || !ended) {
    steps.push({ key: 'shipped', at: part.shipped_at, carrier: part.carrier ?? undefined, trackingNo: part.tracking_no ?? undefined })
  }
  if (part.delivered_at || !ended) steps.push({ key: 'delivered', at: part.delivered_at })
  steps.push(...refundsOf(order, part, history))
  if (ended) {
    const closing = history.filter((event) => event.action === 'cancel' || event.action === 'expire').pop()
    steps.push({ key: 'cancelled', at: closing?.at ?? null })
  }
  // What happened, in the order it happened; then what is still to come.
  const done = steps.filter((step) => step.at !== null).sort((a, b) => Date.parse(a.at!) - Date.parse(b.at!))
  return [...done, ...steps.filter((step) => step.at === null)]
}

/** Whether the buyer may still cancel: unpaid, or paid with nothing shipped (the API refunds it). */
export function mayCancel(order: Pick<Order, 'status'> & { fulfilments: Pick<Fulfilment, 'status'>[] }): boolean {
  if (order.status === 'pending_payment') return true
  return order.status === 'paid' && order.fulfilments.every((part) => part.status === 'pending')
}

/** Whether the order is paid for, so that refunds and fapiao may be asked of it. */
export function isPaid(order: Pick<Order, 'status'>): boolean {
  return order.status === 'paid' || order.status === 'completed'
}

/** A part's lines with how many of each may still be asked back. */
export function refundable(lines: OrderLine[], partId: number): { line: OrderLine; left: number }[] {
  return lines
    .filter((line) => line.fulfilment_id === partId)
    .map((line) => ({ line, left: line.quantity - line.refunded_quantity }))
    .filter((entry) => entry.left > 0)
}

/** The lines a refund request asks for, from the quantities chosen per line id; none chosen, none. */
export function askedLines(chosen: Record<number, number>): { line_id: number; quantity: number }[] {
  return Object.entries(chosen)
    .filter(([, quantity]) => quantity > 0)
    .map(([lineId, quantity]) => ({ line_id: Number(lineId), quantity }))
}

export const PHOTOS_PER_REQUEST = 6

// A taxpayer's id as the API takes it: the 18-character unified social credit code, or 15, 17 or 20.
const TAX_ID = /^(?:[0-9A-Z]{15}|[0-9A-Z]{17,18}|[0-9A-Z]{20})$/

/** A tax id as typed, the way the API wants it: no spaces, capitals. */
export function normaliseTaxId(typed: string): string {
  return typed.replace(/\s+/g, '').toUpperCase()
}

export function validTaxId(taxId: string): boolean {
  return TAX_ID.test(taxId)
}

/** The API's path of one of its own addresses ("/api/v1/fapiao/3/invoice" -> "/fapiao/3/invoice"),
 * for the client, which adds the prefix and the token. */
export function apiPath(url: string): string {
  return url.replace(/^\/api\/v1(?=\/)/, '')
}

/** The colour of an order's or a part's status, as Element Plus names tag types. */
export function statusType(status: string): 'success' | 'primary' | 'danger' | 'warning' | 'info' {
  const types: Record<string, 'success' | 'primary' | 'danger' | 'warning' | 'info'> = {
    pending_payment: 'warning',
    paid: 'primary',
    pending: 'warning',
    shipped: 'primary',
    completed: 'success',
    delivered: 'success',
    requested: 'warning',
    accepted: 'success',
    issued: 'success',
    rejected: 'danger',
  }
  return types[status] ?? 'info'
}
