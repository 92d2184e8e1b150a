// What the purchase-order pages share: a status's colour, and an event of the order's history as
// one line of its timeline (what happened, and its figures), in the reader's words.
import type { AuditEvent } from '../../api/types'
import { yuan } from '../../format'

type TagType = 'info' | 'warning' | 'success' | 'danger' | 'primary'

const STATUS_TYPES: Record<string, TagType> = {
  draft: 'info',
  submitted: 'warning',
  approved: 'warning',
  confirmed: 'primary',
  shipped: 'primary',
  received: 'primary',
  invoiced: 'warning',
  paid: 'success',
  rejected: 'danger',
  cancelled: 'info',
}

export function statusType(status: string): TagType {
  return STATUS_TYPES[status] ?? 'info'
}

type Translate = (key: string, values?: Record<string, unknown>) => string

/** What an event's details say, as a sentence: the invoice's number and amount, the shortfalls, ... */
export function eventDetail(event: AuditEvent, t: Translate): string {
  const d = (event.details ?? {}) as Record<string, unknown>
  switch (event.action) {
    case 'import_lines':
    case 'create':
    case 'edit_lines':
      return d.rows !== undefined ? t('purchasing.timeline.rows', { rows: d.rows, lines: d.lines }) : ''
    case 'submit':
      return typeof d.total_fen === 'number' ? t('purchasing.timeline.total', { amount: yuan(d.total_fen) }) : ''
    case 'supplier_confirm': {
      const declined = (d.declined_line_ids as number[] | undefined) ?? []
      return declined.length ? t('purchasing.timeline.declined', { lines: declined.join('、') }) : ''
    }
    case 'supplier_ship':
      return d.tracking_no ? t('purchasing.timeline.tracking', { no: d.tracking_no }) : ''
    case 'receive': {
      const short = Object.entries((d.shortfalls ?? {}) as Record<string, number>)
      if (short.length === 0) return t('purchasing.timeline.noShortfall')
      const list = short.map(([line, count]) => t('purchasing.timeline.shortLine', { line, count })).join('；')
      return t('purchasing.timeline.shortfalls', { list })
    }
    case 'invoice':
      return typeof d.amount_fen === 'number'
        ? t('purchasing.timeline.invoiceNo', { no: d.invoice_no, amount: yuan(d.amount_fen) })
        : ''
    case 'payment':
      return typeof d.amount_fen === 'number'
        ? t('purchasing.timeline.payment', { amount: yuan(d.amount_fen), reference: d.reference ?? '—' })
        : ''
    default:
      return ''
  }
}

/** The event's title: what happened (an approval names its tier). */
export function eventTitle(event: AuditEvent, t: Translate, known: (key: string) => boolean): string {
  const key = `purchasing.timeline.actions.${event.action}`
  const tier = (event.details as Record<string, unknown> | null)?.tier
  return known(key) ? t(key, { tier }) : event.action
}
