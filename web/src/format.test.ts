import { describe, expect, it } from 'vitest'
import {
  basisPoints,
  bpFromPercent,
  chinaDay,
  chinaMonth,
  chinaYear,
  clock,
  dateTime,
  day,
  dayBefore,
  daysFrom,
  fenFromYuan,
  monthLabel,
  monthsUpTo,
  percent,
  period,
  statusLabel,
  statusType,
  tonnes,
  wanYuan,
  wanYuanTick,
  wholeYuan,
  yuan,
  yuanInput,
} from './format'

describe('money', () => {
  it('shows 万元 to two decimals, grouped, as officials write them', () => {
    expect(wanYuan(1_915_720_000)).toBe('1,915.72 万元')
    expect(wanYuan(3_000_000_000)).toBe('3,000.00 万元')
    expect(wanYuan(0)).toBe('0.00 万元')
  })

  it('rounds half a hundredth of 万元 up, in integers, past the safe range of floats', () => {
    expect(wanYuan(4_999)).toBe('0.00 万元')
    expect(wanYuan(5_000)).toBe('0.01 万元')
    expect(wanYuan(123_456_789_012_345_678n)).toBe('123,456,789,012.35 万元')
  })

  it('keeps a refund negative', () => {
    expect(wanYuan(-1_234_567)).toBe('-1.23 万元')
    expect(yuan(-1)).toBe('-¥0.01')
  })

  it('shows yuan to the fen without float error', () => {
    expect(yuan(1_915_719_999)).toBe('¥19,157,199.99')
    expect(yuan(10)).toBe('¥0.10')
    expect(wholeYuan(1_915_719_999)).toBe(19_157_199)
  })

  it('speaks English when asked', () => {
    expect(wanYuan(1_915_720_000, 'en')).toBe('¥1,915.72 × 10k')
  })

  it('refuses a fraction of a fen', () => {
    expect(() => yuan(10.5)).toThrow(RangeError)
  })
})

describe('weight and ratio', () => {
  it('shows grams in tonnes', () => {
    expect(tonnes(10_000 * 1_000_000)).toBe('10,000.00 吨')
    expect(tonnes(1_500_000, 'en')).toBe('1.50 t')
  })

  it('shows the ratio as a percentage', () => {
    expect(percent(0.6386)).toBe('63.86%')
    expect(percent(1.2)).toBe('120.00%')
  })
})

describe('dates', () => {
  it('writes a China day in Chinese or English', () => {
    expect(day('2026-12-01')).toBe('2026年12月1日')
    expect(day('2026-12-01', 'en')).toBe('1 Dec 2026')
  })

  it('shows a period by its last day, not its exclusive end', () => {
    expect(period('2026-01-01', '2027-01-01')).toBe('2026年1月1日 — 2026年12月31日')
  })
})

describe('dayBefore', () => {
  it('steps back one day across a month and a year', () => {
    expect(dayBefore('2027-01-01')).toBe('2026-12-31')
    expect(dayBefore('2026-03-01')).toBe('2026-02-28')
    expect(dayBefore('2028-03-01')).toBe('2028-02-29')
  })
})

describe('status', () => {
  it('names each status in Chinese, and colours it', () => {
    expect(statusLabel('on_track')).toBe('进度正常')
    expect(statusLabel('behind')).toBe('进度滞后')
    expect(statusLabel('achieved')).toBe('已完成')
    expect(statusLabel('behind', 'en')).toBe('Behind')
    expect(statusType('achieved')).toBe('success')
    expect(statusType('behind')).toBe('danger')
  })

  it('says an ended target that fell short is missed, in its own colour', () => {
    expect(statusLabel('missed')).toBe('未完成')
    expect(statusLabel('missed', 'en')).toBe('Missed')
    expect(statusType('missed')).toBe('warning')
  })
})

describe('clock', () => {
  it('gives the time of day in China, to the second, on a 24-hour clock', () => {
    expect(clock(new Date('2026-12-02T06:05:09Z'))).toBe('14:05:09')
    expect(clock(new Date('2026-12-01T16:00:00Z'))).toBe('00:00:00')
  })
})

describe('chinaYear', () => {
  it('turns the year at midnight in Beijing, not in UTC', () => {
    expect(chinaYear(new Date('2026-12-31T15:59:59Z'))).toBe(2026)
    expect(chinaYear(new Date('2026-12-31T16:00:00Z'))).toBe(2027)
  })
})

describe('wanYuanTick', () => {
  it('writes an axis tick in 万元 without trailing zeros', () => {
    expect(wanYuanTick(700_000_000)).toBe('700 万元')
    expect(wanYuanTick(1_500_000_000)).toBe('1,500 万元')
    expect(wanYuanTick(50_000)).toBe('0.05 万元')
    expect(wanYuanTick(0, 'en')).toBe('¥0 × 10k')
  })
})

describe('months', () => {
  it('is China\'s month, not the browser\'s: 1 December has begun in Beijing at 16:30 UTC', () => {
    expect(chinaMonth(new Date('2026-11-30T16:30:00Z'))).toBe('2026-12')
    expect(chinaMonth(new Date('2026-11-30T15:59:00Z'))).toBe('2026-11')
  })

  it('counts back across the new year', () => {
    expect(monthsUpTo('2026-02', 4)).toEqual(['2026-02', '2026-01', '2025-12', '2025-11'])
    expect(monthsUpTo('2026-12', 1)).toEqual(['2026-12'])
  })

  it('names a month as people write it', () => {
    expect(monthLabel('2026-09')).toBe('2026年9月')
    expect(monthLabel('2026-09', 'en')).toBe('Sep 2026')
  })

  it('shows an instant on China\'s clock', () => {
    expect(dateTime('2026-11-30T17:05:00+00:00')).toBe('2026年12月1日 01:05')
    expect(dateTime('2026-12-01T09:05:00+08:00', 'en')).toBe('1 Dec 2026, 09:05')
  })
})

describe('days', () => {
  it('gives the China day whatever the browser is told: 16:30 UTC is already the next day there', () => {
    expect(chinaDay(new Date('2026-12-01T16:30:00Z'))).toBe('2026-12-02')
    expect(chinaDay(new Date('2026-12-01T15:59:00Z'))).toBe('2026-12-01')
  })

  it('counts whole days between two China days, across months, years and the end of February', () => {
    expect(daysFrom('2026-12-02', '2026-12-31')).toBe(29)
    expect(daysFrom('2026-12-31', '2027-01-01')).toBe(1)
    expect(daysFrom('2028-02-28', '2028-03-01')).toBe(2)
    expect(daysFrom('2026-12-02', '2026-12-02')).toBe(0)
    expect(daysFrom('2026-12-05', '2026-12-02')).toBe(-3)
  })
})

describe('yuan typed into a form', () => {
  it('reads yuan as fen without a float: 19.99 is 1999 fen', () => {
    expect(fenFromYuan('19.99')).toBe(1999)
    expect(fenFromYuan('0.07')).toBe(7)
    expect(fenFromYuan('12.5')).toBe(1250)
    expect(fenFromYuan(' 12 ')).toBe(1200)
    expect(fenFromYuan('¥1,299.00')).toBe(129900)
  })

  it('refuses what is not an amount to the fen', () => {
    for (const text of ['', 'abc', '1.234', '-5', '1e3', '12.', '.5']) expect(fenFromYuan(text)).toBeNull()
  })

  it('shows fen back as plain yuan to edit', () => {
    expect(yuanInput(1999)).toBe('19.99')
    expect(yuanInput(7)).toBe('0.07')
    expect(yuanInput(129900)).toBe('1299.00')
  })
})

describe('what people type', () => {
  it('reads yuan to the fen without floating point', () => {
    expect(fenFromYuan('8000000')).toBe(800_000_000)
    expect(fenFromYuan('12,000.5')).toBe(1_200_050)
    expect(fenFromYuan(' 0.07 ')).toBe(7)
    expect(fenFromYuan('1.005')).toBeNull()
    expect(fenFromYuan('-3')).toBeNull()
    expect(fenFromYuan('')).toBeNull()
  })
  it('reads percentages to basis points, at most 100%', () => {
    expect(bpFromPercent('15')).toBe(1500)
    expect(bpFromPercent('12.5%')).toBe(1250)
    expect(bpFromPercent('100')).toBe(10_000)
    expect(bpFromPercent('100.01')).toBeNull()
    expect(bpFromPercent('abc')).toBeNull()
  })
  it('shows basis points and yuan back as typed', () => {
    expect(basisPoints(1500)).toBe('15%')
    expect(basisPoints(1250)).toBe('12.5%')
    expect(basisPoints(9916)).toBe('99.16%')
  })
})
