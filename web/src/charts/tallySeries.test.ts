import { describe, expect, it } from 'vitest'
import { labelOf, monthLines, rankedBars, type Row } from './tallySeries'

const rows: Row[] = [
  { origin_county: '500236', origin_county_name: '奉节县', channel: 'web', channel_name: '网店', amount_fen: 300 },
  { origin_county: '500236', origin_county_name: '奉节县', channel: 'procurement', channel_name: '采购', amount_fen: 900 },
  { origin_county: '500237', origin_county_name: '巫山县', channel: 'web', channel_name: '网店', amount_fen: 2000 },
  { origin_county: '500101', origin_county_name: '万州区', channel: 'web', channel_name: '网店', amount_fen: 5 },
]

describe('rankedBars', () => {
  it('ranks by the whole bar and stacks by the second dimension, with the API amounts as they are', () => {
    const bars = rankedBars(rows, 'origin_county', 'channel', '销售额')
    expect(bars.categories).toEqual(['巫山县', '奉节县', '万州区'])
    expect(bars.series).toEqual([
      { name: '网店', values: [2000, 300, 5] },
      { name: '采购', values: [null, 900, null] },
    ])
    expect([bars.shown, bars.all]).toEqual([3, 3])
  })

  it('keeps the top ones and says how many there were', () => {
    const counties = rows.filter((row) => row.channel === 'web')
    const bars = rankedBars(counties, 'origin_county', null, '销售额', 2)
    expect(bars.categories).toEqual(['巫山县', '奉节县'])
    expect(bars.series).toEqual([{ name: '销售额', values: [2000, 300] }])
    expect([bars.shown, bars.all]).toEqual([2, 3])
  })
})

describe('monthLines', () => {
  it('draws a line per value over the months, in order, gaps left empty', () => {
    const lines = monthLines(
      [
        { month: '2026-02', channel: 'web', channel_name: '网店', amount_fen: 7 },
        { month: '2026-01', channel: 'web', channel_name: '网店', amount_fen: 3 },
        { month: '2026-01', channel: 'union', channel_name: '工会', amount_fen: 1 },
      ],
      'channel',
      '销售额',
    )
    expect(lines.months).toEqual(['2026-01', '2026-02'])
    expect(lines.series).toEqual([
      { name: '网店', values: [3, 7] },
      { name: '工会', values: [1, null] },
    ])
  })

  it('is one line for the whole slice without a second dimension', () => {
    const lines = monthLines([{ month: '2026-01', amount_fen: 3 }], null, '销售额')
    expect(lines.series).toEqual([{ name: '销售额', values: [3] }])
  })
})

describe('labelOf', () => {
  it('shows the name beside a code, or the value itself (a month)', () => {
    expect(labelOf(rows[0], 'origin_county')).toBe('奉节县')
    expect(labelOf({ month: '2026-03', amount_fen: 1 }, 'month')).toBe('2026-03')
    expect(labelOf({ origin_city: null, amount_fen: 1 }, 'origin_city')).toBe('—')
  })
})
