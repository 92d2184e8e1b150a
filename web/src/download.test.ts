import { describe, expect, it } from 'vitest'
import { fileNameOf } from './download'

describe('fileNameOf', () => {
  it('takes the name the API gives', () => {
    expect(fileNameOf('attachment; filename="ledger-2026-10-500000.xlsx"', 'x')).toBe('ledger-2026-10-500000.xlsx')
    expect(fileNameOf('attachment; filename=ledger.csv', 'x')).toBe('ledger.csv')
  })

  it('prefers the UTF-8 name where there is one', () => {
    const header = `attachment; filename="ledger.csv"; filename*=UTF-8''${encodeURIComponent('台账.csv')}`
    expect(fileNameOf(header, 'x')).toBe('台账.csv')
  })

  it('falls back without a header', () => {
    expect(fileNameOf(null, 'reports-ledger-7-file')).toBe('reports-ledger-7-file')
    expect(fileNameOf('attachment', 'fallback')).toBe('fallback')
  })
})
