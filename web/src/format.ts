// Every figure the API gives is an integer: money in fen, weight in grams. They are formatted here
// with integer (BigInt) arithmetic only, so that ¥19,157,200.00 never shows as ¥19,157,199.99.

export type Locale = 'zh-CN' | 'en'
export type Status = 'on_track' | 'behind' | 'achieved' | 'missed'

const FEN_PER_WAN_YUAN = 1_000_000n // 1 万元 = 10,000 yuan = 1,000,000 fen
const GRAMS_PER_TONNE = 1_000_000n

function grouped(whole: bigint): string {
  return new Intl.NumberFormat('en-US', { useGrouping: true }).format(whole)
}

// `value / unit` to two decimals, halves rounded away from zero: "1,915.72".
function hundredths(value: bigint, unit: bigint): string {
  const negative = value < 0n
  const size = negative ? -value : value
  const scaled = (size * 100n + unit / 2n) / unit
  const text = `${grouped(scaled / 100n)}.${(scaled % 100n).toString().padStart(2, '0')}`
  return negative && scaled !== 0n ? `-${text}` : text
}

function big(value: number | bigint): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`not a whole number: ${value}`)
  }
  return BigInt(value)
}

/** Fen as yuan to the fen: 1915720000 -> "¥19,157,200.00". */
export function yuan(fen: number | bigint): string {
  const value = big(fen)
  const size = value < 0n ? -value : value
  const text = `¥${grouped(size / 100n)}.${(size % 100n).toString().padStart(2, '0')}`
  return value < 0n ? `-${text}` : text
}

/** What a person types as yuan ("12", "12.5", "12.50", "¥1,299.00") in fen, read as a decimal
 * string (never through a float: 19.99 is 1999 fen, not 1998); null if it is not an amount. */
export function fenFromYuan(text: string): number | null {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim().replace(/^¥/, '').replace(/,/g, ''))
  if (!match) return null
  const fen = BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'))
  return fen <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(fen) : null
}

/** Fen as the plain yuan a form shows for editing: 1999 -> "19.99". */
export function yuanInput(fen: number): string {
  const value = big(fen)
  return `${value / 100n}.${(value % 100n).toString().padStart(2, '0')}`
}

/** Fen in 万元, as officials write large sums: 1915720000 -> "1,915.72 万元". */
export function wanYuan(fen: number | bigint, locale: Locale = 'zh-CN'): string {
  const figure = hundredths(big(fen), FEN_PER_WAN_YUAN)
  return locale === 'zh-CN' ? `${figure} 万元` : `¥${figure} × 10k`
}

/** Grams in tonnes: 10000000000 -> "10,000.00 吨". */
export function tonnes(grams: number | bigint, locale: Locale = 'zh-CN'): string {
  const figure = hundredths(big(grams), GRAMS_PER_TONNE)
  return locale === 'zh-CN' ? `${figure} 吨` : `${figure} t`
}

/** Whole yuan of an amount in fen (truncated), a plain number a chart can plot. */
export function wholeYuan(fen: number | bigint): number {
  return Number(big(fen) / 100n)
}

/** The API's ratio (achieved / target, 4 decimals) as a percentage: 0.6386 -> "63.86%". */
export function percent(ratio: number): string {
  return `${(Math.round(ratio * 10000) / 100).toFixed(2)}%`
}

/** A China day ("2026-12-01") as people there write it: "2026年12月1日" / "1 Dec 2026". */
export function day(iso: string, locale: Locale = 'zh-CN'): string {
  const [y, m, d] = iso.split('-').map(Number)
  const instant = new Date(Date.UTC(y, m - 1, d, 4)) // noon in Asia/Shanghai
  return new Intl.DateTimeFormat(locale === 'zh-CN' ? 'zh-CN' : 'en-GB', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: locale === 'zh-CN' ? 'long' : 'short',
    day: 'numeric',
  }).format(instant)
}

/** The China day before another: "2027-01-01" -> "2026-12-31" (a period's last day from its end). */
export function dayBefore(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d) - 86_400_000).toISOString().slice(0, 10)
}

/** A period [start, end) as its first and last day: "2026年1月1日 — 2026年12月31日". */
export function period(start: string, endExclusive: string, locale: Locale = 'zh-CN'): string {
  const [y, m, d] = endExclusive.split('-').map(Number)
  const last = new Date(Date.UTC(y, m - 1, d) - 86_400_000).toISOString().slice(0, 10)
  return `${day(start, locale)} — ${day(last, locale)}`
}

const STATUS_LABELS: Record<Locale, Record<Status, string>> = {
  'zh-CN': { on_track: '进度正常', behind: '进度滞后', achieved: '已完成', missed: '未完成' },
  en: { on_track: 'On track', behind: 'Behind', achieved: 'Achieved', missed: 'Missed' },
}

/** A target's status in words. */
export function statusLabel(status: Status, locale: Locale = 'zh-CN'): string {
  return STATUS_LABELS[locale][status]
}

/** The colour of a status, as Element Plus names tag types: green, blue, red, and orange for a
 * period that ended short of its target. */
export function statusType(status: Status): 'success' | 'primary' | 'danger' | 'warning' {
  return ({ achieved: 'success', on_track: 'primary', behind: 'danger', missed: 'warning' } as const)[status]
}

/** The time of day of an instant in China, to the second: "14:05:09". */
export function clock(instant: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Shanghai',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(instant)
}

/** The year it is in China (Asia/Shanghai) at `now`: the ledger's years are China's. */
export function chinaYear(now: Date = new Date()): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(now))
}

/** An axis tick in 万元, as few digits as it needs: 700000000 -> "700 万元", 50000 -> "0.05 万元". A tick is
 * the chart's own round value, never a figure of the API's, so a float serves here. */
export function wanYuanTick(fen: number, locale: Locale = 'zh-CN'): string {
  const figure = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(fen / Number(FEN_PER_WAN_YUAN))
  return locale === 'zh-CN' ? `${figure} 万元` : `¥${figure} × 10k`
}

/** The month it is now in China ("2026-12"), whatever the browser's time zone. */
export function chinaMonth(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .formatToParts(now)
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('year')}-${part('month')}`
}

/** `count` months ending with `last` ("2026-12"), newest first: "2026-12", "2026-11", … */
export function monthsUpTo(last: string, count: number): string[] {
  const [y, m] = last.split('-').map(Number)
  return Array.from({ length: count }, (_, back) => {
    const index = y * 12 + (m - 1) - back
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
  })
}

/** A month ("2026-11") as people write it: "2026年11月" / "Nov 2026". */
export function monthLabel(month: string, locale: Locale = 'zh-CN'): string {
  const [y, m] = month.split('-').map(Number)
  return locale === 'zh-CN'
    ? `${y}年${m}月`
    : new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', year: 'numeric', month: 'short' }).format(
        new Date(Date.UTC(y, m - 1, 1)),
      )
}

/** An instant as China's clock shows it: "2026年12月1日 09:05" / "1 Dec 2026, 09:05". */
export function dateTime(iso: string, locale: Locale = 'zh-CN'): string {
  const instant = new Date(iso)
  const options = { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const
  const time = new Intl.DateTimeFormat('en-GB', options).format(instant)
  const date = day(chinaDay(instant), locale)
  return locale === 'zh-CN' ? `${date} ${time}` : `${date}, ${time}`
}

/** The day it is now in China ("2026-12-02"), whatever the browser's time zone. */
export function chinaDay(now: Date = new Date()): string {
  return now.toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' })
}

/** Whole days from one China day to another: ("2026-12-02", "2026-12-31") -> 29. */
export function daysFrom(from: string, to: string): number {
  const utc = (iso: string) => {
    const [y, m, d] = iso.split('-').map(Number)
    return Date.UTC(y, m - 1, d)
  }
  return Math.round((utc(to) - utc(from)) / 86_400_000)
}

/** Basis points as a percentage, exactly: 1500 -> "15%", 1234 -> "12.34%", 9916 -> "99.16%". */
export function basisPoints(bp: number): string {
  const whole = Math.trunc(bp / 100)
  const rest = bp % 100
  return rest ? `${whole}.${String(rest).padStart(2, '0').replace(/0$/, '')}%` : `${whole}%`
}

/** What a person typed as a percentage ("15", "12.5") in basis points; null when it is not one to
 * the hundredth, or above 100. */
export function bpFromPercent(text: string): number | null {
  const match = text.trim().replace(/%$/, '').match(/^(\d{1,3})(?:\.(\d{1,2}))?$/)
  if (!match) return null
  const bp = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
  return bp <= 10_000 ? bp : null
}
