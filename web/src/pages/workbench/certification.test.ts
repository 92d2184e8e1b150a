import { describe, expect, it } from 'vitest'
import type { Certification } from '../../api/types'
import { applicationKind, latestByProduct } from './certification'

const cert = (id: number, product_id: number, status: string) => ({ id, product_id, status }) as Certification

describe('a product’s certification on the workbench', () => {
  it('is its newest application, whatever order the list came in', () => {
    const latest = latestByProduct([cert(3, 1, 'expired'), cert(7, 1, 'applied'), cert(5, 2, 'certified')])
    expect(latest[1].id).toBe(7)
    expect(latest[2].status).toBe('certified')
  })

  it('may be applied for with none under way, renewed once certified or expired', () => {
    expect(applicationKind(undefined)).toBe('apply')
    expect(applicationKind(cert(1, 1, 'rejected'))).toBe('apply')
    expect(applicationKind(cert(1, 1, 'certified'))).toBe('renew')
    expect(applicationKind(cert(1, 1, 'expired'))).toBe('renew')
    expect(applicationKind(cert(1, 1, 'applied'))).toBeNull()
    expect(applicationKind(cert(1, 1, 'in_notice'))).toBeNull()
  })
})
