import { describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../api/types'
import words from '../../i18n/pages/purchasing'
import { eventDetail, eventTitle, statusType } from './purchasing'

// The page's t() over the zh-CN words, as vue-i18n fills in {name} placeholders.
function t(key: string, values: Record<string, unknown> = {}): string {
  const found = key
    .replace(/^purchasing\./, '')
    .split('.')
    .reduce<unknown>((at, part) => (at as Record<string, unknown>)[part], words['zh-CN'])
  return String(found).replace(/\{(\w+)\}/g, (_, name) => String(values[name]))
}

function event(action: string, details: Record<string, unknown> | null): AuditEvent {
  return {
    id: 1,
    subject_type: 'purchase_orders',
    subject_id: 7,
    action,
    from_status: null,
    to_status: null,
    reason: null,
    actor_id: null,
    actor_name: null,
    details,
    at: '2026-12-03T10:00:00+08:00',
  }
}

describe('the purchase-order timeline', () => {
  it('writes an invoice, a payment and the shortfalls with their figures in yuan', () => {
    expect(eventDetail(event('invoice', { invoice_no: '26372000000012345678', amount_fen: 1234567 }), t)).toBe(
      '发票号码 26372000000012345678，金额 ¥12,345.67',
    )
    expect(eventDetail(event('payment', { amount_fen: 100, reference: 'HX1' }), t)).toBe('金额 ¥1.00，流水号 HX1')
    expect(eventDetail(event('receive', { shortfalls: { 11: 2, 12: 1 } }), t)).toBe('短缺：明细 11 少 2；明细 12 少 1')
    expect(eventDetail(event('receive', { shortfalls: {} }), t)).toBe('全部到齐')
  })

  it('names an approval by its tier, and an action it does not know by its code', () => {
    const known = (key: string) => !key.endsWith('.unheard_of')
    expect(eventTitle(event('approve_tier', { tier: 2 }), t, known)).toBe('审批通过（第 2 级）')
    expect(eventTitle(event('unheard_of', null), t, known)).toBe('unheard_of')
  })

  it('colours a paid order as done and a rejected one as a failure', () => {
    expect(statusType('paid')).toBe('success')
    expect(statusType('rejected')).toBe('danger')
    expect(statusType('something new')).toBe('info')
  })
})
